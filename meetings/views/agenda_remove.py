"""Confirmations before taking something off an agenda: an item (and the invitations that go with it),
or one agency's invitation. Each says what access goes with it; nothing is removed on a GET."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from cmarac.cases.models import CaseInvolvement
from cmarac.cases.selectors import reasons_left_without
from cmarac.core.audit import audit_view
from meetings import services
from meetings.forms import InvitationRemoveForm, ItemRemoveForm
from meetings.models import AgendaInvitation, AgendaItem, Meeting
from meetings.views.helpers import _add_service_error, _agenda_open, _item_for, _meeting_for, _posted, _require_chair


def _what_goes(item: AgendaItem, invitations: list[AgendaInvitation]) -> list[dict[str, Any]]:
    """Each invitation, and the reasons its agency keeps to see the case (none: it loses the case)."""
    left = reasons_left_without(
        case=item.case,
        agency_ids=[invitation.agency_id for invitation in invitations],
        reason=CaseInvolvement.Reason.INVITED,
        source=item.involvement_source,
    )
    return [{"agency": invitation.agency, "keeps": left[invitation.agency_id]} for invitation in invitations]


def _locked_error(form: Any, meeting: Meeting) -> None:
    if not _agenda_open(meeting):
        form.add_error(None, "This meeting's agenda can no longer be changed.")


@require_http_methods(["GET", "POST"])
def agenda_item_remove(request: HttpRequest, meeting_id: int, item_id: int) -> HttpResponse:
    _require_chair(request)
    meeting = _meeting_for(request, meeting_id)
    item = _item_for(request, meeting, item_id, "Removing an agenda item")
    invitations = list(item.invitations.select_related("agency"))
    shown = {"revision": item.revision, "invited": ",".join(str(i.agency_id) for i in invitations)}
    form = ItemRemoveForm(_posted(request), initial=shown)
    if request.method == "GET":
        audit_view(request=request, instance=item, what="Removing an agenda item")
        if not _agenda_open(meeting):
            form = ItemRemoveForm({**shown})
            form.is_valid()
            _locked_error(form, meeting)
    elif form.is_valid():
        try:
            services.agenda_remove_item(
                item=item, by=request.user, revision=form.cleaned_data["revision"], invited=form.cleaned_data["invited"]
            )
        except ValidationError as error:
            # Show the item as it is now, so confirming again is a deliberate choice.
            form = ItemRemoveForm(shown)
            form.is_valid()
            _add_service_error(form, error)
        else:
            messages.success(request, f"{item.case.reference} removed from the agenda")
            return redirect("meetings:agenda", meeting_id=meeting.pk)
    return render(
        request,
        "meetings/agenda_item_remove.html",
        {
            "meeting": meeting,
            "item": item,
            "form": form,
            "going": _what_goes(item, invitations),
            "shared_count": item.agency_information.count(),
            "is_open": _agenda_open(meeting),
        },
    )


@require_http_methods(["GET", "POST"])
def invitation_remove(request: HttpRequest, meeting_id: int, item_id: int, agency_id: int) -> HttpResponse:
    _require_chair(request)
    meeting = _meeting_for(request, meeting_id)
    item = _item_for(request, meeting, item_id, "Removing an invitation")
    invitation = item.invitations.select_related("agency").filter(agency_id=agency_id).first()
    if invitation is None:
        raise Http404("No invitation found")
    shown = {"invitation": invitation.pk}
    form = InvitationRemoveForm(_posted(request), initial=shown)
    if request.method == "GET":
        audit_view(request=request, instance=item, what="Removing an invitation")
        if not _agenda_open(meeting):
            form = InvitationRemoveForm(shown)
            form.is_valid()
            _locked_error(form, meeting)
    elif form.is_valid():
        try:
            services.uninvite_agency_from_item(
                item=item, agency=invitation.agency, by=request.user, invitation=form.cleaned_data["invitation"]
            )
        except ValidationError as error:
            form = InvitationRemoveForm(shown)
            form.is_valid()
            _add_service_error(form, error)
        else:
            messages.success(request, f"Invitation to {invitation.agency.name} for {item.case.reference} removed")
            return redirect("meetings:agenda", meeting_id=meeting.pk)
    (going,) = _what_goes(item, [invitation])
    return render(
        request,
        "meetings/invitation_remove.html",
        {
            "meeting": meeting,
            "item": item,
            "invitation": invitation,
            "form": form,
            "keeps": going["keeps"],
            "shared": item.agency_information.filter(agency_id=agency_id).exists(),
            "is_open": _agenda_open(meeting),
        },
    )
