"""Reads for meetings that need thought: what the agenda should hold."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Exists, OuterRef, Subquery
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

    heard_before = AgendaItem.objects.filter(case=OuterRef("case"), meeting__starts_at__lt=meeting.starts_at)
    accepted = (
        Referral.objects.filter(status=Referral.Status.ACCEPTED, meeting_date__in=slots, case__isnull=False)
        .annotate(heard_before=Exists(heard_before))
        .select_related("case")
        .order_by("submitted_at")
    )
    for referral in accepted:
        if referral.accepted_as_urgent:
            item_type = AgendaItem.ItemType.URGENT
        elif referral.heard_before:
            # A repeat referral joined a case the panel has already heard: it comes back as a review.
            item_type = AgendaItem.ItemType.REVIEW
        else:
            item_type = AgendaItem.ItemType.NEW
        why = f"Referral {referral.reference} accepted for this meeting"
        propose(referral.case, item_type, why + (" into a case heard before" if referral.heard_before else ""))

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


def _action_row(action: Any) -> dict[str, Any]:
    return {
        "id": action.pk,
        "description": action.description,
        "owner": action.owner.name,
        "officer": action.officer.full_name if action.officer else "",
        "due_on": action.due_on.isoformat(),
        "status": action.status,
        "status_label": action.get_status_display(),
    }


def _actions_by_item(items: list[AgendaItem]) -> dict[str, list[dict[str, Any]]]:
    """The actions set at these items, as they are now, in one query (through the reverse relation:
    meetings does not import actions)."""
    Action = AgendaItem._meta.get_field("actions").related_model
    rows: dict[str, list[dict[str, Any]]] = {str(item.pk): [] for item in items}
    actions = (
        Action.objects.filter(agenda_item__in=[item.pk for item in items])
        .select_related("owner", "officer")
        .order_by("due_on", "pk")
    )
    for action in actions:
        rows[str(action.agenda_item_id)].append(_action_row(action))
    return rows


def agreed_actions_now(meeting: Meeting) -> dict[str, list[dict[str, Any]]]:
    """Each item's actions as they stand: what minutes_approve stores as the record."""
    return _actions_by_item(list(meeting.items.all()))


def attach_agreed_actions(meeting: Meeting, items: list[AgendaItem]) -> list[AgendaItem]:
    """Give each item `agreed_actions`: the actions set at it, as at approval once the minutes are
    approved (the stored record), as they are now before. `due_on` is a date in both."""
    if meeting.minutes_locked and meeting.minutes_snapshot is not None:
        stored = meeting.minutes_snapshot
        rows = {str(item.pk): stored.get(str(item.pk), []) for item in items}
    else:
        rows = _actions_by_item(items)
    for item in items:
        item.agreed_actions = [{**row, "due_on": date.fromisoformat(row["due_on"])} for row in rows[str(item.pk)]]
    return items
