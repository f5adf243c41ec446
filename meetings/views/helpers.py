"""Access checks and small helpers shared by the meeting pages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.forms import BaseForm
from django.http import Http404, HttpRequest

from cmarac.accounts.models import User
from cmarac.accounts.roles import Role
from cmarac.core.audit import audit_refused
from meetings import services
from meetings.models import AgencyInformation, AgendaInvitation, AgendaItem, Meeting

PAST_PAGE_SIZE = 12
# The meetings list shows this many upcoming meetings, soonest first: a year of monthly meetings
# (Celery beat keeps twelve months scheduled) and their extraordinary ones. Past that, the rest are
# a page of their own (?show=upcoming), so the list does not grow with a host's many meetings.
UPCOMING_SHOWN = 24
CHANGEABLE = (Meeting.Status.SCHEDULED, Meeting.Status.AGENDA_PUBLISHED)


# --- Access and small helpers ------------------------------------------------------


def _is_chair(user: User) -> bool:
    return user.has_role(Role.COORDINATOR, Role.CO_CHAIR)


def _require_chair(request: HttpRequest) -> None:
    if not _is_chair(request.user):
        raise PermissionDenied


def _require_coordinator(request: HttpRequest) -> None:
    if not request.user.has_role(Role.COORDINATOR):
        raise PermissionDenied


def _meeting_for(request: HttpRequest, meeting_id: int) -> Meeting:
    meeting = Meeting.objects.visible_to(request.user).filter(pk=meeting_id).first()
    if meeting is None:
        raise Http404("No meeting found")
    return meeting


def _item_for(request: HttpRequest, meeting: Meeting, item_id: int, what: str) -> AgendaItem:
    """An item of this meeting the person may see; 404 (logged) for missing, elsewhere and not theirs alike."""
    item = (
        AgendaItem.objects.visible_to(request.user)
        .select_related("case", "case__lead_agency", "case__lead_officer", "meeting")
        .filter(meeting=meeting, pk=item_id)
        .first()
    )
    if item is None:
        audit_refused(request=request, model=AgendaItem, what=what, reference=f"item {item_id}")
        raise Http404("No agenda item found")
    return item


def _posted(request: HttpRequest) -> Any:
    """The POST data on a POST, even when empty (an empty QueryDict is falsy), else None."""
    return request.POST if request.method == "POST" else None


def _posted_id(request: HttpRequest, name: str) -> int:
    try:
        return int(request.POST.get(name, ""))
    except ValueError:
        raise BadRequest(f"No {name} given") from None


def _posted_item(request: HttpRequest, meeting: Meeting) -> AgendaItem:
    item = meeting.items.select_related("case", "meeting").filter(pk=_posted_id(request, "item")).first()
    if item is None:
        raise Http404("No agenda item found")
    return item


def _add_service_error(form: BaseForm, error: ValidationError, rename: dict[str, str] | None = None) -> None:
    """A service's refusal onto the form: on the field it names if the form has it, else for the whole form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            name = (rename or {}).get(name, name)
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _refusal(error: ValidationError) -> str:
    return " ".join(error.messages)


def _agenda_open(meeting: Meeting) -> bool:
    return meeting.status in services.OPEN_STATUSES and not meeting.minutes_locked


def _items_with_invitations(items: Any) -> Any:
    """Items with their case, invitations (and agency) and who has shared information: four queries in all."""
    return items.select_related("case").prefetch_related(
        Prefetch(
            "invitations", queryset=AgendaInvitation.objects.select_related("agency").only("item", "agency__name")
        ),
        Prefetch(
            "agency_information",
            queryset=AgencyInformation.objects.only("pk", "item_id", "agency_id", "updated_at"),
        ),
    )


def _invitation_rows(item: AgendaItem) -> list[dict[str, Any]]:
    """Each invited agency of an item, and whether it has shared its information (from prefetched rows)."""
    shared = {info.agency_id for info in item.agency_information.all()}
    return [
        {"agency": invitation.agency, "shared": invitation.agency_id in shared} for invitation in item.invitations.all()
    ]
