"""Writes to actions: set by the chairs, updated by the owning agency, reviewed at the next meeting."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from actions.models import Action, ActionUpdate
from cmarac.accounts.models import Agency, User
from cmarac.accounts.roles import Role
from cmarac.cases import services as case_services
from cmarac.cases.models import Case, CaseEvent, CaseInvolvement
from cmarac.core.dates import long_date

ITEM_LOCKED = "This meeting's minutes are approved and locked: set the action without the item."


class StaleAction(ValidationError):
    """The action changed after the form was shown."""


def _source(action: Action) -> str:
    return f"action:{action.pk}"


def default_due_date(*, after: date | None = None) -> date | None:
    """The day before the next meeting after `after` (default today), the usual deadline for an
    action. An action set at a meeting passes that meeting's date: it is due before the following
    one, however late the minutes are written up."""
    from meetings.models import Meeting

    today = after or timezone.localdate()
    # From the start of the next local day: the date index then starts there, where "the date of
    # starts_at after today" read every meeting ever held first (2.5 ms at 4,000 meetings).
    tomorrow = timezone.make_aware(datetime.combine(today + timedelta(days=1), time.min))
    following = (
        Meeting.objects.filter(starts_at__gte=tomorrow)
        .exclude(status=Meeting.Status.CANCELLED)
        .order_by("starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )
    if following is None:
        return None
    return timezone.localdate(following) - timedelta(days=1)


def may_manage(user: User) -> bool:
    return user.has_role(Role.CO_CHAIR, Role.COORDINATOR)


def may_update(user: User, action: Action) -> bool:
    """Chairs and coordinators; the owning agency's lead and deputy; its members for its actions
    when the agency lets members see its cases; always the named officer."""
    from cmarac.cases.access import agency_sees_cases

    if may_manage(user) or action.officer_id == user.pk:
        return True
    return user.agency_id == action.owner_id and agency_sees_cases(user)


def _check_officer(owner: Agency, officer: User | None) -> None:
    if officer is not None and officer.agency_id != owner.pk:
        raise ValidationError({"officer": "The officer must work for the owning agency"})


@transaction.atomic
def action_set(
    *,
    case: Case,
    owner: Agency,
    description: str,
    by: User,
    due_on: date | None = None,
    officer: User | None = None,
    priority: str = Action.Priority.NORMAL,
    agenda_item: object | None = None,
) -> Action:
    """A co-chair sets an action: the owning agency is involved in the case (and so sees it)."""
    if not may_manage(by):
        raise ValidationError("Only co-chairs and coordinators set actions.")
    if not case.is_open:
        raise ValidationError("Actions can only be set on an open case.")
    if agenda_item is not None:
        _require_item_open(agenda_item)
    if not description.strip():
        raise ValidationError({"description": "Describe the action"})
    _check_officer(owner, officer)
    if due_on is None:
        set_at = getattr(agenda_item, "meeting", None)
        due_on = default_due_date(after=timezone.localdate(set_at.starts_at) if set_at else None)
    if due_on is None:
        raise ValidationError({"due_on": "Enter a due date (there is no next meeting to default to)"})
    action = Action(
        case=case, owner=owner, officer=officer, description=description.strip(), due_on=due_on,
        priority=priority, agenda_item=agenda_item, created_by=by,  # type: ignore[misc]
    )  # fmt: skip
    action.full_clean()
    action.save()
    case_services.involve_agency(
        case=case, agency=owner, reason=CaseInvolvement.Reason.ACTION_OWNER, source=_source(action), by=by
    )
    case_services.case_event_record(
        case=case, kind=CaseEvent.Kind.ACTION_SET, by=by, description=f"{owner.name}, due {long_date(due_on)}"
    )
    return action


def _require_item_open(item: object) -> None:
    """An action set against an agenda item belongs to that meeting's record: once its minutes
    are approved the record is fixed, whatever the route (form, address, service call)."""
    from meetings.models import Meeting

    meeting = Meeting.objects.select_for_update().get(pk=item.meeting_id)  # type: ignore[attr-defined]
    if meeting.minutes_locked:
        raise ValidationError(ITEM_LOCKED)
    if meeting.status == Meeting.Status.CANCELLED:
        raise ValidationError("This meeting was cancelled.")


def _locked(action: Action, revision: int | None) -> Action:
    current = Action.objects.select_for_update().select_related("case", "owner").get(pk=action.pk)
    if revision is not None and current.revision != revision:
        raise StaleAction(
            "Someone else updated this action while you were writing. Your update has not been saved yet: "
            "read theirs below and save again."
        )
    return current


@transaction.atomic
def action_update(*, action: Action, by: User, status: str, text: str, revision: int | None) -> ActionUpdate:
    """Report progress. Completing needs an outcome; 'not possible' and 'not done' need the reason."""
    current = _locked(action, revision)
    if not may_update(by, current):
        raise ValidationError("Only the owning agency can update this action.")
    if not current.is_open:
        raise ValidationError("This action is closed.")
    if not text.strip():
        raise ValidationError({"text": "Enter what has happened"})
    if status not in Action.Status.values:
        raise ValidationError({"status": "Select the action's status"})
    update = ActionUpdate.objects.create(action=current, status=status, text=text.strip(), by=by)
    current.status = status
    if not current.is_open:
        current.outcome, current.closed_at = text.strip(), timezone.now()
    current.revision += 1
    current.save(update_fields=["status", "outcome", "closed_at", "revision", "updated_at"])
    kind = CaseEvent.Kind.ACTION_UPDATED if current.is_open else CaseEvent.Kind.ACTION_CLOSED
    case_services.case_event_record(
        case=current.case, kind=kind, by=by, description=f"{current.owner.name}: {current.get_status_display()}"
    )
    return update


@transaction.atomic
def action_carry_forward(
    *, action: Action, by: User, due_on: date, note: str = "", revision: int | None = None
) -> Action:
    """At the next meeting: the incomplete action continues with a new due date."""
    if not may_manage(by):
        raise ValidationError("Only co-chairs and coordinators review actions.")
    current = _locked(action, revision)
    if not current.is_open:
        raise ValidationError("Only an open action can be carried forward.")
    if due_on <= current.due_on:
        raise ValidationError({"due_on": "The new due date must be after the current one"})
    current.due_on = due_on
    current.revision += 1
    current.save(update_fields=["due_on", "revision", "updated_at"])
    ActionUpdate.objects.create(
        action=current, status=current.status, text=note.strip() or f"Carried forward to {long_date(due_on)}", by=by
    )
    case_services.case_event_record(
        case=current.case, kind=CaseEvent.Kind.ACTION_CARRIED_FORWARD, by=by, description=f"Due {long_date(due_on)}"
    )
    return current


@transaction.atomic
def action_reassign(
    *, action: Action, by: User, owner: Agency, officer: User | None, reason: str, revision: int | None = None
) -> Action:
    if not may_manage(by):
        raise ValidationError("Only co-chairs and coordinators reassign actions.")
    current = _locked(action, revision)
    if not current.is_open:
        raise ValidationError("Only an open action can be reassigned.")
    if not reason.strip():
        raise ValidationError({"reason": "Enter why the action is reassigned"})
    _check_officer(owner, officer)
    previous = current.owner
    current.owner, current.officer = owner, officer
    current.revision += 1
    current.save(update_fields=["owner", "officer", "revision", "updated_at"])
    case_services.involve_agency(
        case=current.case, agency=owner, reason=CaseInvolvement.Reason.ACTION_OWNER, source=_source(current), by=by
    )
    if previous != owner:
        case_services.withdraw_agency(
            case=current.case, agency=previous, reason=CaseInvolvement.Reason.ACTION_OWNER, source=_source(current),
            by=by,
        )  # fmt: skip
    ActionUpdate.objects.create(action=current, status=current.status, text=f"Reassigned: {reason.strip()}", by=by)
    case_services.case_event_record(
        case=current.case, kind=CaseEvent.Kind.ACTION_REASSIGNED, by=by, description=f"{previous.name} to {owner.name}"
    )
    return current


@transaction.atomic
def action_close(*, action: Action, by: User, status: str, reason: str, revision: int | None = None) -> Action:
    """At review: close an incomplete action, telling 'circumstances changed' from 'not done'."""
    if not may_manage(by):
        raise ValidationError("Only co-chairs and coordinators close actions at review.")
    if status not in (Action.Status.NOT_POSSIBLE, Action.Status.NOT_DONE, Action.Status.COMPLETED):
        raise ValidationError({"status": "Select why the action is closed"})
    action_update(action=action, by=by, status=status, text=reason, revision=revision)
    return Action.objects.get(pk=action.pk)
