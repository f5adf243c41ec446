"""Finding who a referral is about: repeats, and open cases a new referral may belong to.

Names are compared after normalising case, accents, punctuation and spacing, so
"O'Brien" and "OBRIEN", or "Quill-feather" and "Quillfeather", are the same name.
Near misses ("Jon" for "John") are offered to the coordinator as possible matches,
never counted as repeats on their own.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import timedelta
from difflib import SequenceMatcher

from django.db.models import Q
from django.utils import timezone

from cmarac.cases.models import Case, CaseSubject
from referrals.models import Referral, ReferralSubject

REPEAT_WINDOW = timedelta(days=365)  # SafeLives: referred again within twelve months
SIMILAR_NAME_RATIO = 0.85


def normalise_name(*parts: str) -> str:
    text = unicodedata.normalize("NFKD", " ".join(parts))
    letters = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    kept = "".join(ch if ch.isalpha() or ch.isspace() else "" for ch in letters.replace("-", " "))
    return " ".join(kept.split())


def name_key(*parts: str) -> str:
    """The name for comparison: normalised, and with no spaces ("Quill-feather" is "Quillfeather")."""
    return normalise_name(*parts).replace(" ", "")


def normalise_postcode(postcode: str) -> str:
    return "".join(postcode.split()).upper()


def normalise_address(address: str) -> str:
    return " ".join("".join(ch if ch.isalnum() else " " for ch in address.lower()).split())


def _same_person(a_name: str, a_dob: object, a_postcode: str, b_name: str, b_dob: object, b_postcode: str) -> bool:
    """Exact identity: the same normalised name, and the same date of birth (or, with no dates
    of birth on either side, the same postcode)."""
    if not a_name or a_name != b_name:
        return False
    if a_dob and b_dob:
        return a_dob == b_dob
    return bool(a_postcode) and a_postcode == b_postcode and not a_dob and not b_dob


@dataclass(frozen=True)
class Repeat:
    """What a referral repeats: an earlier referral, or a case (open, or closed within twelve
    months), about one of the same people."""

    referral: Referral | None = None
    case: Case | None = None

    @property
    def reference(self) -> str:
        return self.referral.reference if self.referral else self.case.reference  # type: ignore[union-attr]


def _identities(subjects: object) -> list[tuple[str, object, str]]:
    return [
        (name_key(s.given_name, s.family_name), s.date_of_birth, normalise_postcode(s.postcode))
        for s in subjects  # type: ignore[attr-defined]
    ]


def find_repeat(referral: Referral) -> Repeat | None:
    """The earlier referral, or else the open or recently closed case, that this referral repeats:
    the same victim or alleged perpetrator within twelve months (SafeLives). The most recent first."""
    when = referral.submitted_at
    if when is None:
        return None
    mine = _identities(referral.subjects.all())
    if not mine:
        return None
    earlier = (
        Referral.objects.exclude(pk=referral.pk)
        .exclude(status=Referral.Status.DRAFT)
        .filter(submitted_at__gte=when - REPEAT_WINDOW, submitted_at__lte=when)
        .prefetch_related("subjects")
        .order_by("-submitted_at")
    )
    for other in earlier:
        if any(_same_person(*m, *theirs) for m in mine for theirs in _identities(other.subjects.all())):
            return Repeat(referral=other)
    since = timezone.localdate(when) - REPEAT_WINDOW
    dobs = {dob for _, dob, _ in mine if dob}
    postcodes = {postcode for _, _, postcode in mine if postcode}
    candidates = (
        CaseSubject.objects.filter(Q(case__status=Case.Status.OPEN) | Q(case__closed_on__gte=since))
        .filter(case__created_at__lte=when)
        .filter(Q(person__date_of_birth__in=dobs) | Q(person__postcode__in=postcodes | {_spaced(p) for p in postcodes}))
        .exclude(case_id=referral.case_id)
        .select_related("case", "person")
        .order_by("-case__opened_on", "-case_id")
    )
    for candidate in candidates:
        person = candidate.person
        theirs = (
            name_key(person.given_name, person.family_name),
            person.date_of_birth,
            normalise_postcode(person.postcode),
        )
        if any(_same_person(*m, *theirs) for m in mine):
            return Repeat(case=candidate.case)
    return None


@dataclass
class CaseMatch:
    case: Case
    reasons: list[str] = field(default_factory=list)
    strong: bool = False


# What a proposal is worked out from and shows: the case's reference (its link and the form's
# choice), and the person's name, date of birth, postcode and address.
PROPOSAL_COLUMNS = (
    "role", "case__reference", "person__given_name", "person__family_name", "person__date_of_birth",
    "person__postcode", "person__address",
)  # fmt: skip


def propose_cases(referral: Referral) -> list[CaseMatch]:
    """Open cases whose subjects look like this referral's subjects, best first. For the coordinator.

    Every reason to propose a case (`_compare`) needs the same date of birth or the same postcode,
    so only the open cases' people with one of those are read: not every person whose family name
    starts alike, who could never be proposed (about one person in eighteen of every open case, at
    100,000 cases, for a common family name)."""
    subjects = list(referral.subjects.all())
    if not subjects:
        return []
    dobs = {s.date_of_birth for s in subjects if s.date_of_birth}
    postcodes = {normalise_postcode(s.postcode) for s in subjects if s.postcode}
    if not dobs and not postcodes:
        return []
    candidates = (
        CaseSubject.objects.filter(case__status=Case.Status.OPEN)
        .filter(Q(person__date_of_birth__in=dobs) | Q(person__postcode__in=postcodes | {_spaced(p) for p in postcodes}))
        .select_related("case", "person")
        .only(*PROPOSAL_COLUMNS)
    )
    matches: dict[int, CaseMatch] = {}
    for candidate in candidates:
        person = candidate.person
        their_name = name_key(person.given_name, person.family_name)
        for subject in subjects:
            mine = name_key(subject.given_name, subject.family_name)
            reason, strong = _compare(subject, mine, person, their_name)
            if reason:
                match = matches.setdefault(candidate.case_id, CaseMatch(case=candidate.case))
                text = f"{subject.full_name}: {reason} ({person.full_name}, {candidate.get_role_display().lower()})"
                if text not in match.reasons:
                    match.reasons.append(text)
                match.strong = match.strong or strong
    return sorted(matches.values(), key=lambda m: (not m.strong, m.case.reference))


def _spaced(postcode: str) -> str:
    return f"{postcode[:-3]} {postcode[-3:]}" if len(postcode) > 3 else postcode


def _compare(subject: ReferralSubject, mine: str, person: object, theirs: str) -> tuple[str, bool]:
    dob_same = bool(subject.date_of_birth) and subject.date_of_birth == person.date_of_birth  # type: ignore[attr-defined]
    postcode_same = bool(subject.postcode) and normalise_postcode(subject.postcode) == normalise_postcode(
        person.postcode  # type: ignore[attr-defined]
    )
    if mine and mine == theirs and dob_same:
        return "same name and date of birth", True
    if mine and mine == theirs and postcode_same:
        return "same name and postcode", True
    address_same = bool(subject.address.strip()) and normalise_address(subject.address) == normalise_address(
        person.address  # type: ignore[attr-defined]
    )
    if address_same and postcode_same:
        return "same address and postcode", True
    if (
        mine
        and theirs
        and SequenceMatcher(None, mine, theirs).ratio() >= SIMILAR_NAME_RATIO
        and (dob_same or postcode_same)
    ):
        return "similar name and " + ("same date of birth" if dob_same else "same postcode"), False
    return "", False
