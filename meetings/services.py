"""Writes to meetings: the schedule, agendas and invitations, attendance and minutes.

Every change to an agenda item's invitations grants or withdraws the agency's access to the
case through the cases services, so need to know follows the agenda.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from cmarac.accounts.models import Agency, User
from cmarac.accounts.roles import Role
from cmarac.cases import services as case_services
from cmarac.cases.models import Case, CaseEvent, CaseInvolvement, CaseSubject
from cmarac.core.schedule import MeetingRule, meetings_from, rule_from_settings
from meetings import notifications
from meetings.models import (
    AgencyInformation,
    AgendaInvitation,
    AgendaItem,
    Attendance,
    ConfidentialityAcknowledgement,
    Guest,
    Meeting,
    MinutesCorrection,
)
from meetings.packs import packs_follow_meeting, packs_withdraw_for_item
from meetings.selectors import ITEM_FIELDS, agreed_actions_now, text_now

OPEN_STATUSES = (Meeting.Status.SCHEDULED, Meeting.Status.AGENDA_PUBLISHED, Meeting.Status.HELD)


class StaleEdit(ValidationError):
    """Someone else saved this after the form was shown."""


STALE_MESSAGE = (
    "Someone else saved changes here while you were editing. Your changes have not been saved yet: "
    "check them against what is saved now and save again."
)


# --- Schedule --------------------------------------------------------------------


def meetings_generate(*, months: int = 12, now: datetime | None = None, rule: MeetingRule | None = None) -> int:
    """Create the scheduled meetings of the coming months that do not exist yet. Safe to repeat."""
    rule = rule or rule_from_settings()
    now = now or timezone.now()
    created = 0
    for start in meetings_from(now, rule):
        if start > now + timedelta(days=31 * months):
            break
        try:
            with transaction.atomic():
                meeting, made = Meeting.objects.get_or_create(
                    kind=Meeting.Kind.SCHEDULED, scheduled_for=start, defaults={"starts_at": start}
                )
        except IntegrityError:  # another run made it at the same moment
            continue
        created += made
        if made:
            _link_waiting_referrals(meeting)
    return created


@transaction.atomic
def meeting_add_extraordinary(
    *, starts_at: datetime, by: User, reason: str, venue: str = "", online_link: str = ""
) -> Meeting:
    if not reason.strip():
        raise ValidationError({"change_reason": "Enter why an extraordinary meeting is needed"})
    meeting = Meeting(
        kind=Meeting.Kind.EXTRAORDINARY, starts_at=starts_at, venue=venue, online_link=online_link,
        change_reason=reason.strip(),
    )  # fmt: skip
    meeting.full_clean()
    meeting.save()
    return meeting


def _locked_for_edit(meeting: Meeting, revision: int | None, field: str = "revision") -> Meeting:
    """The meeting, locked; refused if its revision moved since the form was shown (ADR 0007)."""
    current = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if revision is not None and getattr(current, field) != revision:
        raise StaleEdit(STALE_MESSAGE)
    setattr(current, field, getattr(current, field) + 1)
    return current


def _require_meeting_day(meeting: Meeting) -> None:
    """A meeting is held on its day: nothing that records it as held may happen before then."""
    if not meeting.may_be_held():
        raise ValidationError(not_held_yet(meeting))


def not_held_yet(meeting: Meeting) -> str:
    return f"This meeting is on {meeting.held_from:%-d %B %Y}. You can record it as held from that day, not before."


def _refresh(meeting: Meeting) -> Meeting:
    """The caller's meeting object, as saved now."""
    meeting.refresh_from_db()
    return meeting


@transaction.atomic
def meeting_update_details(
    *, meeting: Meeting, venue: str, online_link: str, co_chairs: list[User], revision: int | None = None
) -> Meeting:
    current = _locked_for_edit(meeting, revision)
    current.venue, current.online_link = venue, online_link
    current.full_clean()
    current.save(update_fields=["venue", "online_link", "revision"])
    current.co_chairs.set(co_chairs)
    return _refresh(meeting)


@transaction.atomic
def meeting_move(
    *, meeting: Meeting, starts_at: datetime, reason: str, by: User, revision: int | None = None
) -> Meeting:
    current = _locked_for_edit(meeting, revision)
    if current.status not in (Meeting.Status.SCHEDULED, Meeting.Status.AGENDA_PUBLISHED):
        raise ValidationError("Only a meeting that has not been held can be moved.")
    if not reason.strip():
        raise ValidationError({"change_reason": "Enter why the meeting is moving"})
    current.starts_at, current.change_reason = starts_at, reason.strip()
    current.save(update_fields=["starts_at", "change_reason", "revision"])
    packs_follow_meeting(current)  # deleted counting from the meeting's new date
    return _refresh(meeting)


@transaction.atomic
def meeting_cancel(*, meeting: Meeting, reason: str, by: User, revision: int | None = None) -> Meeting:
    current = _locked_for_edit(meeting, revision)
    if current.status not in (Meeting.Status.SCHEDULED, Meeting.Status.AGENDA_PUBLISHED):
        raise ValidationError("Only a meeting that has not been held can be cancelled.")
    if not reason.strip():
        raise ValidationError({"change_reason": "Enter why the meeting is cancelled"})
    current.status, current.change_reason = Meeting.Status.CANCELLED, reason.strip()
    current.save(update_fields=["status", "change_reason", "revision"])
    return _refresh(meeting)


def _link_waiting_referrals(meeting: Meeting) -> None:
    from referrals.models import Referral

    for referral in Referral.objects.filter(meeting__isnull=True, meeting_date=meeting.scheduled_for):
        referral.meeting = meeting
        referral.save(update_fields=["meeting"])


# --- Agenda ----------------------------------------------------------------------


def _require_open(meeting: Meeting) -> Meeting:
    """The meeting as it is now (row locked), if its agenda may still change."""
    current = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if current.status not in OPEN_STATUSES or current.minutes_locked:
        raise ValidationError("This meeting's agenda can no longer be changed.")
    return current


@transaction.atomic
def agenda_add_item(*, meeting: Meeting, case: Case, item_type: str, by: User) -> AgendaItem:
    _require_open(meeting)
    if not case.is_open:
        raise ValidationError("Only an open case can go on an agenda.")
    if meeting.items.filter(case=case).exists():
        raise ValidationError(f"{case.reference} is already on this agenda.")
    last = meeting.items.aggregate(last=Max("position"))["last"] or 0
    item = AgendaItem(meeting=meeting, case=case, item_type=item_type, position=last + 1)
    item.full_clean()
    item.save()
    case_services.case_event_record(case=case, kind=CaseEvent.Kind.ADDED_TO_AGENDA, by=by, description=str(meeting))
    return item


INVITATIONS_CHANGED = (
    "The agencies invited to this item changed while you were looking. Nothing has been removed: "
    "check which invitations go with it now, and confirm again."
)


@transaction.atomic
def agenda_remove_item(
    *, item: AgendaItem, by: User, revision: int | None = None, invited: set[int] | None = None
) -> None:
    """Take an item off the agenda with its invitations (and what agencies shared for it).

    From the confirmation page, `revision` and `invited` (the agencies it showed as invited) must
    still be true, so nobody removes more than they were shown."""
    _require_open(item.meeting)
    current = AgendaItem.objects.select_for_update().get(pk=item.pk)
    if revision is not None and current.revision != revision:
        raise StaleEdit(STALE_MESSAGE)
    if invited is not None and set(current.invitations.values_list("agency_id", flat=True)) != set(invited):
        raise StaleEdit(INVITATIONS_CHANGED)
    for invitation in list(item.invitations.select_related("agency")):
        uninvite_agency_from_item(item=item, agency=invitation.agency, by=by)
    case, meeting = item.case, item.meeting
    item.delete()
    case_services.case_event_record(case=case, kind=CaseEvent.Kind.REMOVED_FROM_AGENDA, by=by, description=str(meeting))


@transaction.atomic
def agenda_item_update(
    *, item: AgendaItem, item_type: str, minutes_allotted: int, revision: int | None = None
) -> AgendaItem:
    _require_open(item.meeting)
    current = AgendaItem.objects.select_for_update().get(pk=item.pk)
    if revision is not None and current.revision != revision:
        raise StaleEdit(STALE_MESSAGE)
    current.item_type, current.minutes_allotted = item_type, minutes_allotted
    current.full_clean()
    current.revision += 1
    current.save(update_fields=["item_type", "minutes_allotted", "revision"])
    item.item_type, item.minutes_allotted, item.revision = current.item_type, current.minutes_allotted, current.revision
    return item


@transaction.atomic
def agenda_move_item(*, item: AgendaItem, up: bool) -> None:
    """Swap an item with its neighbour, so the agenda can be ordered with the keyboard alone."""
    _require_open(item.meeting)
    items = list(item.meeting.items.select_for_update().order_by("position", "pk"))
    index = next(i for i, other in enumerate(items) if other.pk == item.pk)
    neighbour = index - 1 if up else index + 1
    if 0 <= neighbour < len(items):
        items[index], items[neighbour] = items[neighbour], items[index]
    _renumber(items)


@transaction.atomic
def agenda_children_first(*, meeting: Meeting) -> None:
    """Put cases with a child in the household first, as SafeLives practice suggests, keeping order otherwise."""
    _require_open(meeting)
    items = list(meeting.items.select_for_update().order_by("position", "pk"))
    with_children = set(
        CaseSubject.objects.filter(
            case__in=[i.case_id for i in items], role=CaseSubject.Role.CHILD_IN_HOUSEHOLD
        ).values_list("case_id", flat=True)
    )
    items.sort(key=lambda i: i.case_id not in with_children)
    _renumber(items)


def _renumber(items: list[AgendaItem]) -> None:
    for position, item in enumerate(items, start=1):
        item.position = position
    AgendaItem.objects.bulk_update(items, ["position"])


@transaction.atomic
def invite_agency_to_item(*, item: AgendaItem, agency: Agency, by: User) -> AgendaInvitation:
    """Invite an agency to discuss this case: it is involved in the case and sees this item."""
    _require_open(item.meeting)
    if not agency.is_active:
        raise ValidationError("That agency is not active.")
    invitation, _ = AgendaInvitation.objects.get_or_create(item=item, agency=agency, defaults={"invited_by": by})
    case_services.involve_agency(
        case=item.case, agency=agency, reason=CaseInvolvement.Reason.INVITED, source=item.involvement_source, by=by
    )
    return invitation


@transaction.atomic
def uninvite_agency_from_item(*, item: AgendaItem, agency: Agency, by: User, invitation: int | None = None) -> None:
    """Withdraw an invitation; the agency loses the case with it unless it has another reason to see it.

    From the confirmation page, `invitation` is the invitation it showed: refused if that one has
    gone (removed, or removed and made again) meanwhile."""
    _require_open(item.meeting)
    if invitation is not None and not AgendaInvitation.objects.filter(pk=invitation, item=item, agency=agency).exists():
        raise StaleEdit(
            f"The invitation to {agency.name} changed while you were looking: it was removed, or removed and made "
            "again. Nothing has been removed: check the agenda and try again."
        )
    AgendaInvitation.objects.filter(item=item, agency=agency).delete()
    case_services.withdraw_agency(
        case=item.case, agency=agency, reason=CaseInvolvement.Reason.INVITED, source=item.involvement_source, by=by
    )
    packs_withdraw_for_item(item=item, agency=agency)  # the agency may still see the case, not this item


@transaction.atomic
def agenda_publish(*, meeting: Meeting, by: User) -> Meeting:
    """Publish the agenda: each invited agency's lead and deputy are told how many items and where."""
    meeting = _require_open(meeting)
    if not meeting.items.exists():
        raise ValidationError("Add at least one case to the agenda before publishing it.")
    if meeting.status == Meeting.Status.SCHEDULED:
        meeting.status = Meeting.Status.AGENDA_PUBLISHED
    meeting.agenda_published_at = timezone.now()
    meeting.save(update_fields=["status", "agenda_published_at"])
    notifications.agenda_published(meeting)
    return meeting


# --- Before the meeting ------------------------------------------------------------


@transaction.atomic
def agency_information_save(
    *, item: AgendaItem, agency: Agency, by: User, fields: Mapping[str, Any], revision: int | None
) -> AgencyInformation:
    if not AgendaInvitation.objects.filter(item=item, agency=agency).exists():
        raise ValidationError("Your agency is not invited to this item.")
    meeting = Meeting.objects.get(pk=item.meeting_id)
    if meeting.minutes_locked or meeting.status == Meeting.Status.CANCELLED:
        raise ValidationError("This meeting is cancelled or its minutes are approved and locked.")
    info = AgencyInformation.objects.select_for_update().filter(item=item, agency=agency).first()
    if info is None:
        info = AgencyInformation(item=item, agency=agency, updated_by=by)
    elif revision is not None and info.revision != revision:
        raise StaleEdit(STALE_MESSAGE)
    for name, value in fields.items():
        setattr(info, name, value)
    info.updated_by = by
    info.revision += 1
    info.full_clean()
    info.save()
    return info


# --- At the meeting ----------------------------------------------------------------


@transaction.atomic
def attendance_record(
    *,
    meeting: Meeting,
    agency: Agency,
    status: str,
    attendee: User | None = None,
    attendee_name: str = "",
    deputising_for: User | None = None,
    notes: str = "",
) -> Attendance:
    """One agency's attendance. Someone may attend in place of another person of the same agency
    (the deputy for the lead, say): `deputising_for` records whom."""
    if meeting.minutes_locked:
        raise ValidationError("This meeting's minutes are approved and locked.")
    if attendee is not None and attendee.agency_id != agency.pk:
        raise ValidationError({"attendee": "The attendee must work for that agency"})
    if status == Attendance.Status.ATTENDED and attendee is None and not attendee_name.strip():
        raise ValidationError({"attendee": "Say who attended for the agency"})
    if deputising_for is not None:
        if status != Attendance.Status.ATTENDED:
            raise ValidationError({"deputising_for": "Only someone who attended can attend in place of another"})
        if deputising_for.agency_id != agency.pk:
            raise ValidationError({"deputising_for": f"The person they attended for must work for {agency.name}"})
        if attendee is not None and attendee.pk == deputising_for.pk:
            raise ValidationError({"deputising_for": "Someone cannot attend in place of themselves"})
    record, _ = Attendance.objects.update_or_create(
        meeting=meeting,
        agency=agency,
        defaults={
            "status": status,
            "attendee": attendee,
            "attendee_name": attendee_name.strip(),
            "deputising_for": deputising_for,
            "notes": notes,
        },
    )
    return record


class AttendanceRefused(ValidationError):
    """One agency's attendance was refused; ``agency`` says whose, for the form it goes on."""

    def __init__(self, error: ValidationError, agency: Agency) -> None:
        super().__init__(error.error_dict if hasattr(error, "error_dict") else error.messages)
        self.agency = agency


@transaction.atomic
def attendance_take(
    *, meeting: Meeting, records: Sequence[tuple[Agency, Mapping[str, Any]]], revision: int | None
) -> Meeting:
    """Record the attendance of every agency given, all or none, refused if someone else saved the
    attendance since the form was shown."""
    current = _locked_for_edit(meeting, revision, "attendance_revision")
    for agency, fields in records:
        try:
            attendance_record(meeting=current, agency=agency, **fields)
        except ValidationError as error:
            raise AttendanceRefused(error, agency) from error
    current.save(update_fields=["attendance_revision"])
    return current


@transaction.atomic
def guest_add(*, meeting: Meeting, name: str, organisation: str) -> Guest:
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.minutes_locked or meeting.status == Meeting.Status.CANCELLED:
        raise ValidationError("This meeting is cancelled or its minutes are approved and locked.")
    guest = Guest(meeting=meeting, name=name.strip(), organisation=organisation.strip())
    guest.full_clean()
    guest.save()
    return guest


@transaction.atomic
def confidentiality_confirm(*, meeting: Meeting, by: User) -> Meeting:
    """The chair confirms the confidentiality statement was read at the start of the meeting."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.minutes_locked or meeting.status == Meeting.Status.CANCELLED:
        raise ValidationError("This meeting is cancelled or its minutes are approved and locked.")
    _require_meeting_day(meeting)
    meeting.confidentiality_confirmed_at, meeting.confidentiality_confirmed_by = timezone.now(), by
    if meeting.status in (Meeting.Status.SCHEDULED, Meeting.Status.AGENDA_PUBLISHED):
        meeting.status = Meeting.Status.HELD
    meeting.save(update_fields=["confidentiality_confirmed_at", "confidentiality_confirmed_by", "status"])
    return meeting


@transaction.atomic
def acknowledgement_record(
    *, meeting: Meeting, name: str, agency_name: str, by: User
) -> ConfidentialityAcknowledgement:
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.minutes_locked:
        raise ValidationError("This meeting's minutes are approved and locked.")
    if meeting.confidentiality_confirmed_at is None:
        raise ValidationError("Confirm that the confidentiality statement was read first.")
    ack = ConfidentialityAcknowledgement(
        meeting=meeting, name=name.strip(), agency_name=agency_name.strip(), acknowledged_at=timezone.now(),
        recorded_by=by,
    )  # fmt: skip
    ack.full_clean()
    ack.save()
    return ack


@transaction.atomic
def item_minutes_record(
    *,
    item: AgendaItem,
    by: User,
    revision: int | None,
    discussion: str,
    risk_level: str,
    lead_agency: Agency | None,
    lead_officer: User | None,
    decision: str,
    decision_detail: str = "",
    next_review_on: date | None = None,
) -> AgendaItem:
    """Record what the panel decided on one item, and apply it to the case (risk, lead, closure)."""
    current = AgendaItem.objects.select_for_update().select_related("meeting", "case").get(pk=item.pk)
    if current.meeting.minutes_locked:
        raise ValidationError("This meeting's minutes are approved and locked.")
    if current.meeting.status == Meeting.Status.CANCELLED:
        raise ValidationError("This meeting was cancelled.")
    _require_meeting_day(current.meeting)
    if revision is not None and current.revision != revision:
        raise StaleEdit(STALE_MESSAGE)
    if decision in (AgendaItem.Decision.CLOSE, AgendaItem.Decision.REFER_ELSEWHERE) and not decision_detail.strip():
        raise ValidationError({"decision_detail": "Enter the reason for closing, or the panel it is referred to"})
    if decision in (AgendaItem.Decision.REVIEW_NEXT, AgendaItem.Decision.KEEP_UNDER_REVIEW) and not next_review_on:
        next_review_on = _next_meeting_date(current.meeting)
    current.discussion, current.risk_level_agreed = discussion, risk_level
    current.lead_agency, current.lead_officer = lead_agency, lead_officer
    current.decision, current.decision_detail, current.next_review_on = (
        decision,
        decision_detail.strip(),
        next_review_on,
    )
    current.recorded_by, current.recorded_at = by, timezone.now()
    current.revision += 1
    if current.minutes_draft.get("by") in (None, by.pk):
        # Someone else's draft stays: saving it later shows them both versions (the revision check).
        current.minutes_draft = {}
    current.full_clean()
    current.save()

    case = current.case
    if risk_level:
        case_services.case_set_risk_level(case=case, risk_level=risk_level, by=by, reason=str(current.meeting))
    if lead_agency is not None:
        case_services.case_set_lead(case=case, agency=lead_agency, officer=lead_officer, by=by)
    case_services.case_event_record(
        case=case,
        kind=CaseEvent.Kind.DISCUSSED,
        by=by,
        description=f"{current.meeting}: {current.get_decision_display() or 'no decision yet'}",
    )
    if decision == AgendaItem.Decision.CLOSE and case.is_open:
        case_services.case_close(case=case, by=by, reason=current.decision_detail)
    _mark_held(current.meeting)
    return current


@transaction.atomic
def item_minutes_draft_save(*, item: AgendaItem, by: User, values: dict[str, Any], revision: int) -> AgendaItem:
    """Keep minutes typed on the meeting screen, not recorded and not applied to the case, so the
    chair can set an action or open another item and come back to them. `values` are the form's
    raw values (strings, or lists of strings for a date's parts), `revision` the item's revision
    they were typed against, so recording them later over someone else's minutes is refused."""
    current = AgendaItem.objects.select_for_update().select_related("meeting").get(pk=item.pk)
    if current.meeting.minutes_locked:
        raise ValidationError("This meeting's minutes are approved and locked.")
    if current.meeting.status == Meeting.Status.CANCELLED:
        raise ValidationError("This meeting was cancelled.")
    current.minutes_draft = {
        "values": values,
        "revision": revision,
        "saved_at": timezone.now().isoformat(),
        "by": by.pk,
    }
    current.save(update_fields=["minutes_draft"])
    return current


def _next_meeting_date(meeting: Meeting) -> date | None:
    following = (
        Meeting.objects.filter(starts_at__gt=meeting.starts_at)
        .exclude(status=Meeting.Status.CANCELLED)
        .order_by("starts_at")
        .first()
    )
    return timezone.localdate(following.starts_at) if following else None


def _mark_held(meeting: Meeting) -> None:
    _require_meeting_day(meeting)
    if meeting.status in (Meeting.Status.SCHEDULED, Meeting.Status.AGENDA_PUBLISHED):
        meeting.status = Meeting.Status.HELD
        meeting.save(update_fields=["status"])


# --- Minutes ---------------------------------------------------------------------


def _locked_meeting(meeting: Meeting, revision: int | None) -> Meeting:
    current = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if current.minutes_locked:
        raise ValidationError("These minutes are approved and locked.")
    if revision is not None and current.minutes_revision != revision:
        raise StaleEdit(STALE_MESSAGE)
    return current


@transaction.atomic
def meeting_minutes_save(*, meeting: Meeting, by: User, revision: int | None, general_minutes: str) -> Meeting:
    current = _locked_meeting(meeting, revision)
    _require_meeting_day(current)
    current.general_minutes = general_minutes
    current.minutes_revision += 1
    current.save(update_fields=["general_minutes", "minutes_revision"])
    return current


@transaction.atomic
def minutes_circulate(*, meeting: Meeting, by: User) -> Meeting:
    current = _locked_meeting(meeting, None)
    _require_meeting_day(current)
    if current.status not in (Meeting.Status.HELD,):
        raise ValidationError("Minutes can be circulated once the meeting has been held.")
    current.minutes_status = Meeting.MinutesStatus.CIRCULATED
    current.minutes_revision += 1
    current.save(update_fields=["minutes_status", "minutes_revision"])
    notifications.minutes_circulated(current)
    return current


@transaction.atomic
def minutes_approve(*, meeting: Meeting, by: User) -> Meeting:
    """Approve circulated minutes (at or after the next meeting). Approved minutes are locked."""
    current = _locked_meeting(meeting, None)
    if current.minutes_status != Meeting.MinutesStatus.CIRCULATED:
        raise ValidationError("Circulate the minutes to attendees before approving them.")
    current.minutes_status = Meeting.MinutesStatus.APPROVED
    current.status = Meeting.Status.MINUTES_APPROVED
    current.minutes_approved_at, current.minutes_approved_by = timezone.now(), by
    current.minutes_revision += 1
    current.minutes_snapshot = agreed_actions_now(current)
    current.save(
        update_fields=[
            "minutes_status",
            "status",
            "minutes_approved_at",
            "minutes_approved_by",
            "minutes_revision",
            "minutes_snapshot",
        ]
    )
    return current


@transaction.atomic
def minutes_correct(
    *,
    meeting: Meeting,
    by: User,
    kind: str,
    text: str,
    reason: str,
    revision: int | None,
    item: AgendaItem | None = None,
) -> MinutesCorrection:
    """Correct one text of approved minutes (an item's discussion or reason, or the general minutes):
    only a co-chair, only with a reason, and only as a correction of its own, dated and signed;
    the approved text stays on record (ADR 0020)."""
    if not by.has_role(Role.CO_CHAIR):
        raise PermissionDenied("Only a co-chair can correct approved minutes.")
    current = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if not current.minutes_locked:
        raise ValidationError("Only approved minutes are corrected: change these minutes directly.")
    if revision is not None and current.minutes_revision != revision:
        raise StaleEdit(STALE_MESSAGE)
    if kind not in MinutesCorrection.Field.values:
        raise ValidationError("No such part of the minutes.")
    if (kind == MinutesCorrection.Field.GENERAL_MINUTES) != (item is None) or (
        item is not None and (item.meeting_id != current.pk or kind not in ITEM_FIELDS)
    ):
        raise ValidationError("That part of the minutes is not of this meeting.")
    errors = {}
    if not text.strip():
        errors["text"] = "Enter the corrected text"
    elif text.strip() == text_now(current, item, kind).text.strip():
        errors["text"] = "The corrected text is the same as the minutes now: change it, or cancel"
    if not reason.strip():
        errors["reason"] = "Enter why the minutes need correcting"
    if errors:
        raise ValidationError(errors)
    correction = MinutesCorrection(
        meeting=current, item=item, field=kind, text=text.strip(), reason=reason.strip(), made_by=by,
        made_at=timezone.now(),
    )  # fmt: skip
    correction.full_clean()
    correction.save()
    current.minutes_revision += 1
    current.save(update_fields=["minutes_revision"])
    meeting.minutes_revision = current.minutes_revision
    return correction
