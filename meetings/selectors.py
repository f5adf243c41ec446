"""Reads for meetings that need thought: what the agenda should hold, and what minutes show whom."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone

from cmarac.accounts.roles import Role
from cmarac.cases.models import Case, RiskLevel
from meetings.models import AgendaItem, Meeting, MinutesCorrection
from referrals.models import Referral

if TYPE_CHECKING:
    from cmarac.accounts.models import User


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


def action_row(action: Any) -> dict[str, Any]:
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
        rows[str(action.agenda_item_id)].append(action_row(action))
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


# --- Attendance, as the minutes and the pack print it ----------------------------------


@dataclass(frozen=True)
class AttendanceRow:
    """One line of the attendance: an agency's answer, or a guest (agency is their organisation)."""

    agency: str
    status: str
    status_label: str
    who: str = ""
    deputising_for: str = ""

    @property
    def who_shown(self) -> str:
        """ "Pat Deputy (for Harper Lead)" when someone came in place of another."""
        if self.who and self.deputising_for:
            return f"{self.who} (for {self.deputising_for})"
        return self.who


GUEST = "guest"


def meeting_attendance(meeting: Meeting) -> list[AttendanceRow]:
    """Every agency's attendance (who came, and for whom; apologies; absence), then the guests:
    the one list the minutes page, the minutes PDF and the meeting pack print. Two queries."""
    rows = [
        AttendanceRow(
            agency=record.agency.name,
            status=record.status,
            status_label=record.get_status_display(),
            who=record.attendee.full_name if record.attendee else record.attendee_name,
            deputising_for=record.deputising_for.full_name if record.deputising_for else "",
        )
        for record in meeting.attendance.select_related("agency", "attendee", "deputising_for")
    ]
    rows += [
        AttendanceRow(agency=guest.organisation, status=GUEST, status_label="Guest", who=guest.name)
        for guest in meeting.guests.order_by("pk")
    ]
    return rows


# --- What the minutes show, and to whom ----------------------------------------------------


@dataclass(frozen=True)
class CorrectedText:
    """A text of approved minutes as it reads now: the latest correction's text, or the approved
    text if it was never corrected. `earlier` holds what each correction replaced, oldest first,
    as (the correction that wrote it or None for the approved text, that text)."""

    original: str
    corrections: list[MinutesCorrection] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.corrections[-1].text if self.corrections else self.original

    @property
    def latest(self) -> MinutesCorrection | None:
        return self.corrections[-1] if self.corrections else None

    @property
    def earlier(self) -> list[tuple[MinutesCorrection | None, str]]:
        texts: list[tuple[MinutesCorrection | None, str]] = [(None, self.original)]
        return texts + [(c, c.text) for c in self.corrections[:-1]]


# Which text of an item each kind of correction replaces.
ITEM_FIELDS = {
    MinutesCorrection.Field.DISCUSSION: "discussion",
    MinutesCorrection.Field.DECISION_DETAIL: "decision_detail",
}


@dataclass
class Minutes:
    items: list[AgendaItem]  # with agreed_actions and corrected ({"discussion": CorrectedText, ...})
    general: CorrectedText | None  # None: this person does not read the general minutes
    attendance: list[AttendanceRow]


def minutes_for(user: User, meeting: Meeting, items: list[AgendaItem]) -> Minutes:
    """What this person reads of the minutes, on the page and in the PDF alike: `items` are the
    meeting's items they may see (AgendaItem.visible_to). The chairs read everything as it is
    written; agencies read their items, the general minutes and the attendance once the minutes
    are circulated, and only if they have an item at the meeting."""
    chair = user.has_role(Role.COORDINATOR, Role.CO_CHAIR)
    circulated = meeting.minutes_status != Meeting.MinutesStatus.DRAFT
    shown = items if chair or circulated else []
    if not (chair or shown):
        return Minutes(items=[], general=None, attendance=[])
    attach_agreed_actions(meeting, shown)
    general = attach_corrections(meeting, shown)
    return Minutes(items=shown, general=general, attendance=meeting_attendance(meeting))


def attach_corrections(meeting: Meeting, items: list[AgendaItem]) -> CorrectedText:
    """Give each item `corrected` ({"discussion", "decision_detail": CorrectedText}) and return
    the general minutes' CorrectedText: the corrections of these items and of the general
    minutes, in one query. Nothing of an item not given is read (need to know)."""
    corrections = list(
        MinutesCorrection.objects.filter(meeting=meeting)
        .filter(Q(item__isnull=True) | Q(item__in=[item.pk for item in items]))
        .select_related("made_by")
    )

    def of(item_id: int | None, kind: str) -> list[MinutesCorrection]:
        return [c for c in corrections if c.item_id == item_id and c.field == kind]

    for item in items:
        item.corrected = {
            name: CorrectedText(getattr(item, name), of(item.pk, kind)) for kind, name in ITEM_FIELDS.items()
        }
    return CorrectedText(meeting.general_minutes, of(None, MinutesCorrection.Field.GENERAL_MINUTES))


def text_now(meeting: Meeting, item: AgendaItem | None, kind: str) -> CorrectedText:
    """One text of the minutes as it reads now, with its corrections (for the correction form)."""
    original = meeting.general_minutes if item is None else getattr(item, ITEM_FIELDS[kind])
    corrections = MinutesCorrection.objects.filter(meeting=meeting, item=item, field=kind).select_related("made_by")
    return CorrectedText(original, list(corrections))
