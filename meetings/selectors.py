"""Reads for meetings that need thought: what the agenda should hold."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from cmarac.cases.models import Case, RiskLevel
from meetings.models import AgendaItem, Meeting
from referrals.models import Referral


@dataclass(frozen=True)
class Proposal:
    case: Case
    item_type: str
    why: str


def _meeting_day(meeting: Meeting) -> date:
    return timezone.localdate(meeting.starts_at)


def agenda_proposals(meeting: Meeting) -> list[Proposal]:
    """Cases the chairs should consider for this agenda, with why, excluding those already on it."""
    on_agenda = set(meeting.items.values_list("case_id", flat=True))
    slots = [meeting.starts_at] + ([meeting.scheduled_for] if meeting.scheduled_for else [])
    proposals: dict[int, Proposal] = {}

    def propose(case: Case, item_type: str, why: str) -> None:
        if case.pk not in on_agenda and case.pk not in proposals and case.is_open:
            proposals[case.pk] = Proposal(case=case, item_type=item_type, why=why)

    accepted = (
        Referral.objects.filter(status=Referral.Status.ACCEPTED, meeting_date__in=slots, case__isnull=False)
        .select_related("case")
        .order_by("submitted_at")
    )
    for referral in accepted:
        item_type = AgendaItem.ItemType.URGENT if referral.accepted_as_urgent else AgendaItem.ItemType.NEW
        propose(referral.case, item_type, f"Referral {referral.reference} accepted for this meeting")

    latest = AgendaItem.objects.filter(case=OuterRef("pk"), meeting__starts_at__lt=meeting.starts_at).order_by(
        "-meeting__starts_at"
    )
    cases = (
        Case.objects.filter(status=Case.Status.OPEN)
        .annotate(
            last_decision=Subquery(latest.values("decision")[:1]),
            last_review_on=Subquery(latest.values("next_review_on")[:1]),
            last_risk=Subquery(latest.values("risk_level_agreed")[:1]),
        )
        .filter(last_decision__isnull=False)
        .order_by("reference")
    )
    day = _meeting_day(meeting)
    for case in cases:
        if case.last_decision == AgendaItem.Decision.KEEP_UNDER_REVIEW and case.last_risk == RiskLevel.STANDARD:
            propose(case, AgendaItem.ItemType.CLOSURE, "Kept under review at standard risk: consider closing")
        elif case.last_decision in (AgendaItem.Decision.REVIEW_NEXT, AgendaItem.Decision.KEEP_UNDER_REVIEW) and (
            case.last_review_on is None or case.last_review_on <= day
        ):
            propose(case, AgendaItem.ItemType.REVIEW, "Due for review")

    for case, why in cases_with_actions_due(meeting):
        propose(case, AgendaItem.ItemType.REVIEW, why)
    return list(proposals.values())


def cases_with_actions_due(meeting: Meeting) -> list[tuple[Case, str]]:
    """Open cases with actions due by this meeting or overdue. Filled in by the actions app."""
    try:
        from actions.selectors import cases_with_actions_due_by
    except ImportError:
        return []
    return cases_with_actions_due_by(_meeting_day(meeting))
