"""The referral lists' filters, shared by the pages and their CSV downloads.

Both start from Referral.objects.visible_to(user); the filters live in the URL (no personal data:
a tab, a status, a flag), so a home page line can link to a filtered list and the CSV link carries
the same filters.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Prefetch, QuerySet
from django.http import QueryDict
from django.utils import timezone

from cmarac.accounts.models import User
from cmarac.cases.models import Person
from cmarac.core.pagination import BoundedPaginator
from referrals.models import Referral, ReferralSubject

S = Referral.Status
TABS = {
    "waiting": ("Waiting for triage", [S.SUBMITTED]),
    "information": ("More information requested", [S.MORE_INFORMATION]),
    "decided": ("Decided", [S.ACCEPTED, S.DECLINED]),
}
# Waiting and more information: the oldest meeting first (what is to be heard soonest). Decided: the
# most recently decided first, from the `referral_decided_newest` index.
OLDEST_MEETING_FIRST = ("meeting_date", "submitted_at", "pk")
ORDERS = {"decided": ("-decided_at", "-pk")}
# Tabs counted exactly: few referrals wait at any time, and the status index finds them. The
# decided tab grows with history and is counted as the lists are, up to a bound.
EXACT_TABS = ("waiting", "information")
PAGE_SIZE = 25


def triage_filters(query: QueryDict) -> dict[str, Any]:
    """The triage list's filters from the query string. The page shows the default for anything
    unknown; `valid` False tells a download to hold nothing rather than more than was asked for."""
    tab = query.get("tab", "waiting")
    valid = tab in TABS and query.get("late", "") in ("", "0", "1")
    return {"tab": tab if tab in TABS else "waiting", "late": query.get("late") == "1", "valid": valid}


# What a row of the triage list and of its CSV shows, and no more: not the referral's concerns, nor
# its people's addresses and dates of birth (ADR 0026).
TRIAGE_ROW_FIELDS = (
    "reference", "status", "score", "risk_level", "is_repeat", "is_late", "accepted_as_urgent", "meeting_date",
    "submitted_at", "decided_at", "referring_agency__name",
)  # fmt: skip
TRIAGE_SUBJECT_FIELDS = ("referral_id", "role", "given_name", "family_name")


def _as_shown(referrals: QuerySet[Referral]) -> QuerySet[Referral]:
    """With what a row shows: its columns, the referring agency's name and the subjects' names."""
    subjects = ReferralSubject.objects.only(*TRIAGE_SUBJECT_FIELDS)
    return (
        referrals.select_related("referring_agency")
        .only(*TRIAGE_ROW_FIELDS)
        .prefetch_related(Prefetch("subjects", queryset=subjects))
    )


def triage_referrals(user: User, filters: dict[str, Any]) -> QuerySet[Referral]:
    """The referrals of one tab in its order (ORDERS), for the page and its CSV alike; `late`: only
    those sent after the deadline and not (yet) accepted as urgent, which a co-chair could still
    hear earlier."""
    referrals = Referral.objects.visible_to(user).filter(status__in=TABS[filters["tab"]][1])
    if filters["late"]:
        referrals = referrals.filter(is_late=True, accepted_as_urgent=False)
    return _as_shown(referrals).order_by(*ORDERS.get(filters["tab"], OLDEST_MEETING_FIRST))


@dataclass(frozen=True)
class TriageRow:
    """What a row of the triage list shows (referrals/templatetags/referral_rows.py), and no more."""

    pk: int
    reference: str
    status: str
    score: int
    risk_level: str
    is_repeat: bool
    is_late: bool
    accepted_as_urgent: bool
    meeting_date: datetime | None
    submitted_at: datetime | None
    decided_at: datetime | None
    referring_agency_name: str | None
    subjects: tuple[tuple[str, str], ...]  # (full name, role), in the order they were added


def triage_rows(ids: list[int]) -> list[TriageRow]:
    """A page of the triage list, found by id from the person's visible referrals
    (BoundedPaginator), in the order of `ids`: two queries of plain values, the rows and their
    people (model instances and a prefetch cost more for the same 25 rows, ADR 0039)."""
    if not ids:
        return []
    subjects: dict[int, list[tuple[str, str]]] = {}
    people = ReferralSubject.objects.filter(referral_id__in=ids).order_by("pk")
    for referral_id, role, given, family in people.values_list(*TRIAGE_SUBJECT_FIELDS):
        subjects.setdefault(referral_id, []).append((Person.name_from(given, family), role))
    found = {
        values[0]: TriageRow(*values, subjects=tuple(subjects.get(values[0], ())))
        for values in Referral.objects.filter(pk__in=ids).order_by().values_list("pk", *TRIAGE_ROW_FIELDS)
    }
    return [found[pk] for pk in ids if pk in found]


def triage_tabs(user: User, filters: dict[str, Any], shown: BoundedPaginator) -> list[tuple[str, str, int, bool]]:
    """Each tab's key, label, count and whether the count stopped at its bound ("more than").
    Waiting and more information are counted exactly, in one query from the status index. Decided
    is counted as the lists are (BoundedPaginator): the page's own count when it shows that tab
    unfiltered, otherwise one bounded count."""
    visible = Referral.objects.visible_to(user)
    undecided = visible.filter(status__in=[status for key in EXACT_TABS for status in TABS[key][1]])
    # One row per status (GROUP BY), summed into tabs: a filtered count per tab cost Django a
    # condition each to compile.
    by_status = dict(undecided.order_by().values_list("status").annotate(n=Count("pk")))
    counts = {key: sum(by_status.get(status, 0) for status in TABS[key][1]) for key in EXACT_TABS}
    if filters["tab"] == "decided" and not filters["late"]:
        decided = shown
    else:
        decided = BoundedPaginator(visible.filter(status__in=TABS["decided"][1]), PAGE_SIZE)
    counts["decided"] = decided.count
    return [(key, label, counts[key], key == "decided" and decided.capped) for key, (label, _) in TABS.items()]


def my_referral_filters(query: QueryDict) -> dict[str, Any]:
    """As triage_filters: an unknown status shows every referral on the page, none in a download."""
    status = query.get("status", "")
    return {"status": status if status in S.values else "", "valid": status == "" or status in S.values}


def my_referrals(user: User, filters: dict[str, Any]) -> QuerySet[Referral]:
    referrals = Referral.objects.visible_to(user).filter(referrer=user)
    if filters["status"]:
        referrals = referrals.filter(status=filters["status"])
    return referrals.only(
        "reference", "status", "created_at", "submitted_at", "meeting_date", "is_late", "accepted_as_urgent"
    ).prefetch_related("subjects")


def _day(moment: Any) -> str:
    return timezone.localdate(moment).isoformat() if moment else ""


def _people(referral: Referral) -> str:
    return "; ".join(
        f"{subject.full_name} ({subject.get_role_display().lower()})" for subject in referral.subjects.all()
    )


def _yes(value: bool) -> str:
    return "yes" if value else "no"


TRIAGE_CSV_HEADER = [
    "reference", "status", "referring agency", "score", "risk level", "repeat", "late", "accepted as urgent",
    "meeting date", "submitted", "subjects",
]  # fmt: skip


def triage_csv_rows(referrals: QuerySet[Referral]) -> Iterator[list[str]]:
    """Streamed in chunks (each with its subjects prefetched): the queries do not grow with rows."""
    yield TRIAGE_CSV_HEADER
    for referral in referrals.iterator(chunk_size=500):
        yield [
            referral.reference,
            referral.get_status_display(),
            referral.referring_agency.name if referral.referring_agency else "",
            str(referral.score),
            referral.get_risk_level_display(),
            _yes(referral.is_repeat),
            _yes(referral.is_late),
            _yes(referral.accepted_as_urgent),
            _day(referral.meeting_date),
            _day(referral.submitted_at),
            _people(referral),
        ]


MY_CSV_HEADER = ["reference", "status", "started", "sent", "meeting date", "late", "accepted as urgent", "people"]


def my_csv_rows(referrals: QuerySet[Referral]) -> Iterator[list[str]]:
    yield MY_CSV_HEADER
    for referral in referrals.iterator(chunk_size=500):
        yield [
            referral.reference,
            referral.get_status_display(),
            _day(referral.created_at),
            _day(referral.submitted_at),
            _day(referral.meeting_date),
            _yes(referral.is_late),
            _yes(referral.accepted_as_urgent),
            _people(referral),
        ]
