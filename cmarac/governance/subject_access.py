"""Subject access: what the partnership holds about one person, gathered from every app.

`cmarac/` may not import the apps above it (referrals, meetings, actions), so each app offers its
part in a module of its own named `subject_access`, found with `autodiscover_modules`. That module
calls `register(...)` with up to three functions:

- find(criteria) -> list[Match]: the people (or referral subjects not yet linked to a person) whose
  details match a search;
- count(person_ids) -> {person id: {"cases": n, "referrals": n}}: how many records each matched
  person has in that app, to help the auditor pick the right person;
- collect(subjects) -> list[Record]: every record of that app that mentions the people.

Reads here do not go through `visible_to`: the auditor sees no case at all through the ordinary
pages. This is the one place where the auditor reaches case content, and only for the people
chosen for a recorded request (docs/adr/0012-subject-access.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Replace, Upper
from django.utils.module_loading import autodiscover_modules

# The order records are listed in, in the PDF and the data file.
KIND_ORDER = ["Person", "Case", "Referral", "Agenda item", "Agency information", "Meeting minutes", "Action"]


@dataclass(frozen=True)
class Criteria:
    """What the auditor searched for. Every given part must match; at least one is given."""

    name: str = ""
    date_of_birth: date | None = None
    postcode: str = ""

    @property
    def name_terms(self) -> list[str]:
        return self.name.split()[:6]

    @property
    def postcode_compact(self) -> str:
        return "".join(self.postcode.upper().split())

    def parts_used(self) -> list[str]:
        """Which parts were given (for the audit trail, which never holds what was typed)."""
        used = {"name": self.name, "date_of_birth": self.date_of_birth, "postcode": self.postcode}
        return [key for key, value in used.items() if value]


def person_filter(criteria: Criteria, prefix: str = "") -> tuple[dict[str, Any], Q]:
    """The annotation and filter matching people's details to the criteria, for Person and for
    ReferralSubject alike (they share the field names). Name parts match the first name, last name
    or aliases, in part and ignoring case; the postcode matches in part, ignoring spaces and case."""
    query = Q()
    for term in criteria.name_terms:
        query &= (
            Q(**{f"{prefix}given_name__icontains": term})
            | Q(**{f"{prefix}family_name__icontains": term})
            | Q(**{f"{prefix}aliases__icontains": term})
        )
    if criteria.date_of_birth:
        query &= Q(**{f"{prefix}date_of_birth": criteria.date_of_birth})
    annotations: dict[str, Any] = {}
    if criteria.postcode_compact:
        annotations["postcode_compact"] = Replace(Upper(f"{prefix}postcode"), Value(" "), Value(""))
        query &= Q(postcode_compact__contains=criteria.postcode_compact)
    return annotations, query


def people_matching(queryset: QuerySet[Any], criteria: Criteria) -> QuerySet[Any]:
    annotations, query = person_filter(criteria)
    return queryset.annotate(**annotations).filter(query)


@dataclass
class Match:
    """One row of the search result: the least needed to pick the right person."""

    key: str  # "person:<id>" or "referral-subject:<id>"
    name: str
    date_of_birth: date | None
    postcode: str
    cases: int = 0
    referrals: int = 0


@dataclass(frozen=True)
class Subjects:
    """The people an export is about: Person ids, and referral subjects not linked to a person."""

    person_ids: frozenset[int] = frozenset()
    referral_subject_ids: frozenset[int] = frozenset()

    @classmethod
    def from_keys(cls, keys: Iterable[str]) -> Subjects:
        people, referral_subjects = set(), set()
        for key in keys:
            kind, _, number = key.partition(":")
            if not (number.isascii() and number.isdigit()):
                continue
            if kind == "person":
                people.add(int(number))
            elif kind == "referral-subject":
                referral_subjects.add(int(number))
        return cls(frozenset(people), frozenset(referral_subjects))

    @property
    def keys(self) -> list[str]:
        return [f"person:{pk}" for pk in sorted(self.person_ids)] + [
            f"referral-subject:{pk}" for pk in sorted(self.referral_subject_ids)
        ]


@dataclass
class Passage:
    """A piece of text held in a record. `names_others` lists the other subjects of the same case
    or referral whose names it contains: the officer redacts those before release."""

    label: str
    text: str
    names_others: list[str] = field(default_factory=list)

    @property
    def flagged(self) -> bool:
        return bool(self.names_others)


@dataclass
class Record:
    kind: str  # one of KIND_ORDER
    reference: str
    dates: list[tuple[str, date | datetime | None]]
    agencies: list[str]
    passages: list[Passage]
    details: list[tuple[str, str]] = field(default_factory=list)  # codes and short facts (status, role...)
    case_reference: str = ""

    @property
    def sort_key(self) -> tuple[int, str, str]:
        kind = KIND_ORDER.index(self.kind) if self.kind in KIND_ORDER else len(KIND_ORDER)
        return (kind, self.case_reference, self.reference)

    def as_data(self) -> dict[str, Any]:
        data = asdict(self)
        data["dates"] = {label: value.isoformat() if value else None for label, value in self.dates}
        data["details"] = dict(self.details)
        for passage in data["passages"]:
            passage["flagged"] = bool(passage["names_others"])
        return data


# --- Naming other people ----------------------------------------------------------


def names_of(given_name: str, family_name: str, aliases: str = "") -> list[str]:
    """The words by which someone may be named in text: each part of their names and aliases."""
    words = f"{given_name} {family_name} {aliases.replace(',', ' ').replace(';', ' ')}".split()
    return [word for word in words if len(word) >= 2]


def others_named(text: str, others: dict[str, list[str]]) -> list[str]:
    """The other people (label -> their name words) that `text` names, each by a whole word,
    ignoring case."""
    found = []
    for label, words in others.items():
        if any(re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text, flags=re.IGNORECASE) for word in words):
            found.append(label)
    return found


def passage(label: str, text: str, others: dict[str, list[str]]) -> Passage | None:
    """A passage for non-empty text, flagged with the other people it names."""
    text = (text or "").strip()
    if not text:
        return None
    return Passage(label=label, text=text, names_others=others_named(text, others))


def passages(items: Iterable[tuple[str, str]], others: dict[str, list[str]]) -> list[Passage]:
    return [p for label, text in items if (p := passage(label, text, others)) is not None]


# --- The registry -------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    name: str
    find: Callable[[Criteria], list[Match]] | None = None
    count: Callable[[frozenset[int]], dict[int, dict[str, int]]] | None = None
    collect: Callable[[Subjects], list[Record]] | None = None


_sources: dict[str, Source] = {}
_discovered = False


def register(
    name: str,
    *,
    find: Callable[[Criteria], list[Match]] | None = None,
    count: Callable[[frozenset[int]], dict[int, dict[str, int]]] | None = None,
    collect: Callable[[Subjects], list[Record]] | None = None,
) -> None:
    """Offer an app's part of subject access (called by each app's `subject_access` module)."""
    _sources[name] = Source(name=name, find=find, count=count, collect=collect)


def sources() -> list[Source]:
    global _discovered
    if not _discovered:
        autodiscover_modules("subject_access")
        _discovered = True
    return [_sources[name] for name in sorted(_sources)]


def search(criteria: Criteria) -> list[Match]:
    """Everyone whose details match, with how many cases and referrals each has."""
    by_key: dict[str, Match] = {}
    for source in sources():
        if source.find is not None:
            for match in source.find(criteria):
                by_key.setdefault(match.key, match)
    found = list(by_key.values())
    people = {int(m.key.partition(":")[2]): m for m in found if m.key.startswith("person:")}
    for source in sources():
        if source.count is not None and people:
            for person_id, counts in source.count(frozenset(people)).items():
                match = people[person_id]
                match.cases += counts.get("cases", 0)
                match.referrals += counts.get("referrals", 0)
    return sorted(found, key=lambda m: (m.name.lower(), m.key))


def collect(subjects: Subjects) -> list[Record]:
    """Every record that mentions these people, from every app, in a fixed order."""
    records: list[Record] = []
    for source in sources():
        if source.collect is not None:
            records.extend(source.collect(subjects))
    return sorted(records, key=lambda r: r.sort_key)
