"""The referral lists' filters, shared by the pages and their CSV downloads.

Both start from Referral.objects.visible_to(user); the filters live in the URL (no personal data:
a tab, a status, a flag), so a home page line can link to a filtered list and the CSV link carries
the same filters.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone

from cmarac.accounts.models import User
from referrals.models import Referral

S = Referral.Status
TABS = {
    "waiting": ("Waiting for triage", [S.SUBMITTED]),
    "information": ("More information requested", [S.MORE_INFORMATION]),
    "decided": ("Decided", [S.ACCEPTED, S.DECLINED]),
}


def triage_filters(query: QueryDict) -> dict[str, Any]:
    """The triage list's filters from the query string. The page shows the default for anything
    unknown; `valid` False tells a download to hold nothing rather than more than was asked for."""
    tab = query.get("tab", "waiting")
    valid = tab in TABS and query.get("late", "") in ("", "0", "1")
    return {"tab": tab if tab in TABS else "waiting", "late": query.get("late") == "1", "valid": valid}


def triage_referrals(user: User, filters: dict[str, Any]) -> QuerySet[Referral]:
    """The referrals of one tab, oldest meeting first; `late`: only those sent after the deadline
    and not (yet) accepted as urgent, which a co-chair could still hear earlier."""
    referrals = Referral.objects.visible_to(user).filter(status__in=TABS[filters["tab"]][1])
    if filters["late"]:
        referrals = referrals.filter(is_late=True, accepted_as_urgent=False)
    return (
        referrals.select_related("referring_agency", "referrer", "case")
        .prefetch_related("subjects")
        .order_by("meeting_date", "submitted_at", "pk")
    )


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
