"""Referrals' lines on the home page: the triage queue for the panel, and a referrer's own referrals.

Every count starts from Referral.objects.visible_to(user); each function costs a fixed number of
queries whatever the number of referrals.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from cmarac.accounts.models import User
from cmarac.core.work import WorkItem, WorkLine, plural
from referrals.models import Referral

S = Referral.Status
OLDEST_SHOWN = 5


def _days_left(meeting_date: object, today: date) -> tuple[str, bool]:
    if meeting_date is None:
        return "no meeting yet", False
    day = timezone.localdate(meeting_date)  # type: ignore[arg-type]
    days = (day - today).days
    when = f"{day.day} {day:%b %Y}"
    if days < 0:
        return f"its meeting on {when} has passed", True
    if days == 0:
        return f"heard today, {when}", True
    return f"heard on {when}: {plural(days, 'day')} to decide", days <= 7


def triage_lines(user: User, *, today: date) -> tuple[WorkLine, WorkLine]:
    """Referrals waiting for triage (the oldest first, with the days left before the meeting that
    is to hear them), and the late ones a co-chair could accept as urgent. One query, and one more
    to list the oldest when any are waiting. Both start from the submitted referrals (the status
    index), never from every referral ever decided."""
    submitted = Referral.objects.visible_to(user).awaiting_triage()
    counts = submitted.aggregate(
        waiting=Count("pk"), late=Count("pk", filter=Q(is_late=True, accepted_as_urgent=False))
    )
    first = submitted.order_by("submitted_at", "pk").values("reference", "submitted_at", "meeting_date", "is_late")
    oldest = list(first[:OLDEST_SHOWN]) if counts["waiting"] else []
    items = []
    for row in oldest:
        note, soon = _days_left(row["meeting_date"], today)
        sent = timezone.localdate(row["submitted_at"]) if row["submitted_at"] else None
        items.append(
            WorkItem(
                label=row["reference"],
                url=reverse("referrals:triage", args=[row["reference"]]),
                note=(f"sent {sent.day} {sent:%b %Y}, " if sent else "") + note + (", late" if row["is_late"] else ""),
                urgent=soon,
            )
        )
    waiting = WorkLine(
        text=f"{plural(counts['waiting'], 'referral')} waiting for triage",
        url=reverse("referrals:list") + "?tab=waiting",
        count=counts["waiting"],
        urgent=any(item.urgent for item in items),
        items=items,
        more=max(counts["waiting"] - len(items), 0),
    )
    late = WorkLine(
        text=f"{plural(counts['late'], 'late referral')} that could be heard as urgent",
        url=reverse("referrals:list") + "?" + urlencode({"tab": "waiting", "late": "1"}),
        count=counts["late"],
        note="Sent after the deadline: heard at the meeting after next unless a co-chair accepts it as urgent.",
    )
    return waiting, late


REFERRER_LINES = [
    (S.MORE_INFORMATION, "asking you for more information", True),
    (S.DRAFT, "not sent yet (drafts)", False),
    (S.SUBMITTED, "sent and waiting for triage", False),
    (S.ACCEPTED, "accepted", False),
    (S.DECLINED, "declined", False),
]


def referrer_lines(user: User) -> tuple[int, list[WorkLine]]:
    """The person's own referrals by status, those asking for more information listed. One query,
    and one more to list those asking when there are any; returns how many referrals they have in
    all, and the lines."""
    own = Referral.objects.visible_to(user).filter(referrer=user)
    # One row per status (GROUP BY): a filtered count per status cost Django a condition each to
    # compile, about a millisecond of the home page.
    by_status = dict(own.order_by().values_list("status").annotate(n=Count("pk")))
    counts = {status: by_status.get(status, 0) for status, *_ in REFERRER_LINES}
    counts["total"] = sum(by_status.values())
    asking = (
        list(
            own.filter(status=S.MORE_INFORMATION)
            .order_by("updated_at", "pk")
            .values_list("reference", flat=True)[:OLDEST_SHOWN]
        )
        if counts[S.MORE_INFORMATION]
        else []
    )
    lines = []
    for status, words, urgent in REFERRER_LINES:
        count = counts[status]
        lines.append(
            WorkLine(
                text=f"{plural(count, 'referral')} {words}",
                url=reverse("referrals:mine") + "?" + urlencode({"status": status}),
                count=count,
                urgent=urgent,
                items=[
                    WorkItem(label=reference, url=reverse("referrals:detail", args=[reference]), urgent=True)
                    for reference in asking
                ]
                if status == S.MORE_INFORMATION
                else [],
                more=max(count - len(asking), 0) if status == S.MORE_INFORMATION else 0,
            )
        )
    return counts["total"], lines
