"""Meeting pages: the list and calendar, each meeting, the agenda builder, what agencies share before
the meeting, attendance, the meeting screen the chairs run the meeting from, and the minutes.

Meetings themselves hold no case data, so every signed-in person sees the list and the meeting page.
Agenda items do: every item shown comes from `AgendaItem.objects.visible_to(user)`, and every page
that shows case data is written to the audit trail. Writes go through meetings/services.py.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from actions.models import Action
from actions.selectors import with_latest_update
from cmarac.accounts.models import Agency, User
from cmarac.accounts.roles import Role
from cmarac.cases.access import agency_sees_cases
from cmarac.cases.models import Case, CaseInvolvement, CaseSubject
from cmarac.core.audit import audit_list, audit_refused, audit_view
from meetings import calendar, services
from meetings.forms import (
    AcknowledgementForm,
    AgencyInformationForm,
    AgendaAddForm,
    AgendaItemForm,
    AttendanceForm,
    ExtraordinaryMeetingForm,
    GeneralMinutesForm,
    GuestForm,
    InviteForm,
    ItemMinutesForm,
    MeetingCancelForm,
    MeetingDetailsForm,
    MeetingMoveForm,
    StartsAtForm,
)
from meetings.models import AgencyInformation, AgendaInvitation, AgendaItem, Attendance, Meeting
from meetings.selectors import agenda_proposals

PAST_PAGE_SIZE = 12
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


# --- The list, and adding, moving and cancelling meetings ---------------------------------


def meeting_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    # How many items of each meeting this person may see: one correlated subquery, not a query per row.
    visible_items = (
        AgendaItem.objects.visible_to(user)
        .filter(meeting=OuterRef("pk"))
        .order_by()
        .values("meeting")
        .annotate(n=Count("pk"))
        .values("n")
    )
    meetings = Meeting.objects.visible_to(user).annotate(
        visible_items=Coalesce(Subquery(visible_items, output_field=IntegerField()), 0)
    )
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    upcoming = list(meetings.filter(starts_at__gte=today).order_by("starts_at"))
    past = Paginator(meetings.filter(starts_at__lt=today).order_by("-starts_at"), PAST_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "meetings/meeting_list.html",
        {
            "upcoming": upcoming,
            "past": past,
            "is_chair": _is_chair(user),
            "is_coordinator": user.has_role(Role.COORDINATOR),
            "changeable": CHANGEABLE,
        },
    )


@require_http_methods(["GET", "POST"])
def meeting_add(request: HttpRequest) -> HttpResponse:
    _require_coordinator(request)
    form = ExtraordinaryMeetingForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = services.meeting_add_extraordinary(
                starts_at=data["starts_at"],
                by=request.user,
                reason=data["reason"],
                venue=data["venue"],
                online_link=data["online_link"],
            )
        except ValidationError as error:
            _add_service_error(form, error, {"change_reason": "reason", "starts_at": "date"})
        else:
            messages.success(request, f"Extraordinary meeting added for {_when(meeting)}")
            return redirect(meeting)
    return render(request, "meetings/meeting_add.html", {"form": form})


def _when(meeting: Meeting) -> str:
    return f"{timezone.localtime(meeting.starts_at):%A %-d %B %Y at %H:%M}"


@require_http_methods(["GET", "POST"])
def meeting_change(request: HttpRequest, meeting_id: int) -> HttpResponse:
    _require_coordinator(request)
    meeting = _meeting_for(request, meeting_id)
    action = request.POST.get("action") if request.method == "POST" else None
    move_form = MeetingMoveForm(
        request.POST if action == "move" else None, initial=StartsAtForm.initial_for(meeting.starts_at), prefix="move"
    )
    details_form = MeetingDetailsForm(
        request.POST if action == "details" else None,
        initial={"venue": meeting.venue, "online_link": meeting.online_link, "co_chairs": meeting.co_chairs.all()},
        prefix="details",
    )
    if action == "move" and move_form.is_valid():
        data = move_form.cleaned_data
        try:
            services.meeting_move(meeting=meeting, starts_at=data["starts_at"], reason=data["reason"], by=request.user)
        except ValidationError as error:
            _add_service_error(move_form, error, {"change_reason": "reason"})
        else:
            messages.success(request, f"Meeting moved to {_when(meeting)}")
            return redirect(meeting)
    elif action == "details" and details_form.is_valid():
        data = details_form.cleaned_data
        try:
            services.meeting_update_details(
                meeting=meeting, venue=data["venue"], online_link=data["online_link"], co_chairs=list(data["co_chairs"])
            )
        except ValidationError as error:
            _add_service_error(details_form, error)
        else:
            messages.success(request, "Meeting details saved")
            return redirect(meeting)
    return render(
        request,
        "meetings/meeting_change.html",
        {
            "meeting": meeting,
            "move_form": move_form,
            "details_form": details_form,
            "active_form": move_form if action == "move" else details_form if action == "details" else None,
            "can_move": meeting.status in CHANGEABLE,
        },
    )


@require_http_methods(["GET", "POST"])
def meeting_cancel(request: HttpRequest, meeting_id: int) -> HttpResponse:
    _require_coordinator(request)
    meeting = _meeting_for(request, meeting_id)
    form = MeetingCancelForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_cancel(meeting=meeting, reason=form.cleaned_data["reason"], by=request.user)
        except ValidationError as error:
            _add_service_error(form, error, {"change_reason": "reason"})
        else:
            messages.success(request, f"Meeting on {_when(meeting)} cancelled")
            return redirect("meetings:list")
    return render(
        request,
        "meetings/meeting_cancel.html",
        {"meeting": meeting, "form": form, "can_cancel": meeting.status in CHANGEABLE},
    )


# --- One meeting --------------------------------------------------------------------------


def _items_with_invitations(items: Any) -> Any:
    """Items with their case, invitations (and agency) and who has shared information: four queries in all."""
    return items.select_related("case").prefetch_related(
        Prefetch("invitations", queryset=AgendaInvitation.objects.select_related("agency")),
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


def meeting_detail(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = _meeting_for(request, meeting_id)
    user = request.user
    is_chair = _is_chair(user)
    own_agency = user.agency_id if agency_sees_cases(user) else None
    items = list(_items_with_invitations(AgendaItem.objects.visible_to(user).filter(meeting=meeting)))
    rows = []
    for item in items:
        invitations = _invitation_rows(item)
        mine = next((row for row in invitations if row["agency"].pk == own_agency), None)
        rows.append({"item": item, "invitations": invitations, "own_invitation": mine})
    if items:
        audit_list(
            request=request,
            model=AgendaItem,
            what="Meeting page",
            shown=[item.case.reference for item in items],
            criteria={"meeting": meeting.pk},
        )
    return render(
        request,
        "meetings/meeting_detail.html",
        {
            "meeting": meeting,
            "rows": rows,
            "co_chairs": meeting.co_chairs.all(),
            "is_chair": is_chair,
            "is_coordinator": user.has_role(Role.COORDINATOR),
            "can_change": meeting.status in CHANGEABLE,
            "total_minutes": sum(item.minutes_allotted for item in items),
            # As may_request_pack, from the items already fetched.
            "can_request_pack": is_chair or ((user.is_agency_lead or user.is_agency_deputy) and bool(items)),
            "can_request_minutes": meeting.status in (Meeting.Status.HELD, Meeting.Status.MINUTES_APPROVED),
        },
    )


# --- The agenda builder (co-chairs and coordinators) ----------------------------------------------


def _actions_since_last_meeting(meeting: Meeting) -> Any:
    """Open actions, and those closed since the previous meeting, with their latest updates."""
    previous = (
        Meeting.objects.filter(starts_at__lt=meeting.starts_at)
        .exclude(status=Meeting.Status.CANCELLED)
        .order_by("-starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )
    recent = Q(status__in=Action.OPEN_STATUSES)
    if previous is not None:
        recent |= Q(updated_at__gte=previous)
    return with_latest_update(Action.objects.filter(recent).order_by("due_on", "pk"))


def _agencies_to_invite(item: AgendaItem, agencies: list[Agency]) -> list[Agency]:
    invited = {invitation.agency_id for invitation in item.invitations.all()}
    return [agency for agency in agencies if agency.pk not in invited]


@require_http_methods(["GET", "POST"])
def agenda_builder(request: HttpRequest, meeting_id: int) -> HttpResponse:
    _require_chair(request)
    meeting = _meeting_for(request, meeting_id)
    cases = Case.objects.visible_to(request.user)
    add_form = AgendaAddForm(cases=cases, prefix="add")
    bound_invite: tuple[int, InviteForm] | None = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "add":
            add_form = AgendaAddForm(request.POST, cases=cases, prefix="add")
            response = _agenda_add(request, meeting, add_form)
        elif action == "invite":
            item = _posted_item(request, meeting)
            agencies = list(Agency.objects.filter(is_active=True))
            form = InviteForm(request.POST, agencies=_agencies_to_invite(item, agencies), prefix=f"invite-{item.pk}")
            response = _agenda_invite(request, meeting, item, form)
            bound_invite = (item.pk, form)
        else:
            response = _agenda_button(request, meeting, action)
        if response is not None:
            return response

    items = list(
        _items_with_invitations(meeting.items.all()).prefetch_related(
            Prefetch("case__subjects", queryset=CaseSubject.objects.select_related("person").order_by("pk")),
            Prefetch("case__involvements", queryset=CaseInvolvement.objects.only("pk", "case_id", "agency_id")),
            Prefetch("case__actions", queryset=_actions_since_last_meeting(meeting), to_attr="recent_actions"),
        )
    )
    agencies = list(Agency.objects.filter(is_active=True).order_by("name"))
    rows = []
    for item in items:
        available = _agencies_to_invite(item, agencies)
        if bound_invite is not None and bound_invite[0] == item.pk:
            invite_form = bound_invite[1]
        else:
            invite_form = InviteForm(agencies=available, prefix=f"invite-{item.pk}")
        subjects = list(item.case.subjects.all())
        involved = {involvement.agency_id for involvement in item.case.involvements.all()}
        rows.append(
            {
                "item": item,
                "subjects": subjects,
                "actions": item.case.recent_actions,
                "has_child": any(s.role == CaseSubject.Role.CHILD_IN_HOUSEHOLD for s in subjects),
                "invitations": _invitation_rows(item),
                "invite_form": invite_form,
                # Agencies already involved in the case (referred it, lead it, own actions): likely to be needed.
                "suggested": [agency for agency in available if agency.pk in involved],
            }
        )
    is_open = _agenda_open(meeting)
    proposals = agenda_proposals(meeting) if is_open else []
    shown = [item.case.reference for item in items] + [p.case.reference for p in proposals]
    if shown:
        audit_list(
            request=request, model=AgendaItem, what="Agenda builder", shown=shown, criteria={"meeting": meeting.pk}
        )
    invited_total = sum(len(row["invitations"]) for row in rows)
    shared_total = sum(1 for row in rows for invitation in row["invitations"] if invitation["shared"])
    active_form = add_form if add_form.is_bound else bound_invite[1] if bound_invite else None
    return render(
        request,
        "meetings/agenda_builder.html",
        {
            "meeting": meeting,
            "rows": rows,
            "proposals": proposals,
            "add_form": add_form,
            "active_form": active_form,
            "is_open": is_open,
            "total_minutes": sum(item.minutes_allotted for item in items),
            "invited_total": invited_total,
            "shared_total": shared_total,
        },
    )


def _agenda_add(request: HttpRequest, meeting: Meeting, form: AgendaAddForm) -> HttpResponse | None:
    if not form.is_valid():
        return None
    try:
        services.agenda_add_item(
            meeting=meeting, case=form.case, item_type=form.cleaned_data["item_type"], by=request.user
        )
    except ValidationError as error:
        form.add_error("reference", error.messages)  # the refusals are about the case (on already, or closed)
        return None
    messages.success(request, f"{form.case.reference} added to the agenda")
    return redirect("meetings:agenda", meeting_id=meeting.pk)


def _agenda_invite(request: HttpRequest, meeting: Meeting, item: AgendaItem, form: InviteForm) -> HttpResponse | None:
    if not form.is_valid():
        return None
    agency = Agency.objects.get(pk=form.cleaned_data["agency"])
    try:
        services.invite_agency_to_item(item=item, agency=agency, by=request.user)
    except ValidationError as error:
        messages.error(request, _refusal(error))
    else:
        messages.success(request, f"{agency.name} invited to {item.case.reference}")
    return redirect("meetings:agenda", meeting_id=meeting.pk)


def _agenda_button(request: HttpRequest, meeting: Meeting, action: str) -> HttpResponse:
    """The agenda's one-click actions: each posts, acts, and comes back here with a banner."""
    by = request.user
    try:
        if action in ("up", "down", "remove", "uninvite"):
            item = _posted_item(request, meeting)
            reference = item.case.reference
            if action == "remove":
                services.agenda_remove_item(item=item, by=by)
                done = f"{reference} removed from the agenda"
            elif action == "uninvite":
                if not _agenda_open(meeting):
                    raise ValidationError("This meeting's agenda can no longer be changed.")
                agency = Agency.objects.filter(pk=_posted_id(request, "agency")).first()
                if agency is None:
                    raise Http404("No agency found")
                services.uninvite_agency_from_item(item=item, agency=agency, by=by)
                done = f"Invitation to {agency.name} for {reference} removed"
            else:
                services.agenda_move_item(item=item, up=action == "up")
                done = f"{reference} moved {action}"
        elif action == "children":
            services.agenda_children_first(meeting=meeting)
            done = "Cases with children in the household are now first"
        elif action == "publish":
            services.agenda_publish(meeting=meeting, by=by)
            done = "Agenda published. Each invited agency's lead and deputy have been emailed."
        else:
            raise BadRequest("Unknown action")
    except ValidationError as error:
        messages.error(request, _refusal(error))
    else:
        messages.success(request, done)
    return redirect("meetings:agenda", meeting_id=meeting.pk)


@require_http_methods(["GET", "POST"])
def agenda_item_edit(request: HttpRequest, meeting_id: int, item_id: int) -> HttpResponse:
    _require_chair(request)
    meeting = _meeting_for(request, meeting_id)
    item = _item_for(request, meeting, item_id, "Agenda item")
    form = AgendaItemForm(
        _posted(request), initial={"item_type": item.item_type, "minutes_allotted": item.minutes_allotted}
    )
    if request.method == "GET":
        audit_view(request=request, instance=item, what="Agenda item type and time")
    if request.method == "POST" and form.is_valid():
        try:
            data = form.cleaned_data
            services.agenda_item_update(
                item=item, item_type=data["item_type"], minutes_allotted=data["minutes_allotted"]
            )
        except ValidationError as error:
            _add_service_error(form, error)
        else:
            messages.success(request, f"{item.case.reference}: type and time saved")
            return redirect("meetings:agenda", meeting_id=meeting.pk)
    return render(request, "meetings/agenda_item.html", {"meeting": meeting, "item": item, "form": form})


# --- What an invited agency holds ---------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def agency_information(request: HttpRequest, meeting_id: int, item_id: int) -> HttpResponse:
    meeting = _meeting_for(request, meeting_id)
    item = _item_for(request, meeting, item_id, "Agency information")
    user = request.user
    invitations = list(item.invitations.select_related("agency"))
    everyone = list(item.agency_information.select_related("agency", "updated_by").order_by("agency__name"))
    own_agency = user.agency if agency_sees_cases(user) else None
    invited = own_agency is not None and any(i.agency_id == own_agency.pk for i in invitations)
    is_chair = _is_chair(user)
    if not invited and not is_chair:
        raise Http404("No agenda item found")  # visible_to let it through, so this cannot happen; be safe
    own = next((info for info in everyone if own_agency and info.agency_id == own_agency.pk), None)
    shared_ids = {info.agency_id for info in everyone}
    can_edit = invited and not meeting.minutes_locked and meeting.status != Meeting.Status.CANCELLED
    form = None
    conflict: AgencyInformation | None = None
    if can_edit:
        # No instance: the service writes, and a bound ModelForm would overwrite its instance with the input.
        initial = {name: getattr(own, name) for name in AgencyInformationForm.CONTENT_FIELDS} if own else {}
        form = AgencyInformationForm(_posted(request), initial={**initial, "revision": own.revision if own else 0})
        if request.method == "POST" and form.is_valid():
            fields = {name: form.cleaned_data[name] for name in AgencyInformationForm.CONTENT_FIELDS}
            try:
                services.agency_information_save(
                    item=item, agency=own_agency, by=user, fields=fields, revision=form.cleaned_data["revision"]
                )
            except services.StaleEdit as error:
                conflict = AgencyInformation.objects.select_related("updated_by").get(item=item, agency=own_agency)
                data = request.POST.copy()
                data["revision"] = conflict.revision
                form = AgencyInformationForm(data)
                form.is_valid()
                form.add_error(None, error)
            except ValidationError as error:
                _add_service_error(form, error)
            else:
                messages.success(request, f"Your agency's information for {item.case.reference} is saved")
                return redirect("meetings:detail", meeting_id=meeting.pk)
    elif request.method == "POST":
        raise PermissionDenied
    if request.method == "GET":
        audit_view(request=request, instance=item, what="Agency information")
    return render(
        request,
        "meetings/agency_information.html",
        {
            "meeting": meeting,
            "item": item,
            "subjects": item.case.subjects.select_related("person").order_by("pk"),
            "form": form,
            "conflict": conflict,
            "own_agency": own_agency if invited else None,
            "own": own,
            "others": [info for info in everyone if is_chair and info is not own],
            "not_yet": [i.agency for i in invitations if is_chair and i.agency_id not in shared_ids],
            "is_chair": is_chair,
        },
    )


# --- Attendance and the confidentiality statement ---------------------------------------------


@require_http_methods(["GET", "POST"])
def attendance(request: HttpRequest, meeting_id: int) -> HttpResponse:
    _require_chair(request)
    meeting = _meeting_for(request, meeting_id)
    action = request.POST.get("action") if request.method == "POST" else None
    locked = meeting.minutes_locked
    if action and locked:
        messages.error(request, "This meeting's minutes are approved and locked.")
        return redirect("meetings:attendance", meeting_id=meeting.pk)

    # The core members, and every agency invited to an item.
    invited = AgendaInvitation.objects.filter(item__meeting=meeting).values("agency_id")
    agencies = list(
        Agency.objects.filter(is_active=True)
        .filter(Q(membership=Agency.Membership.CORE) | Q(pk__in=invited))
        .order_by("name")
    )
    staff: dict[int, list[User]] = {agency.pk: [] for agency in agencies}
    for person in User.objects.filter(agency__in=agencies, is_active=True).order_by("full_name"):
        staff[person.agency_id].append(person)
    records = {record.agency_id: record for record in meeting.attendance.select_related("attendee")}

    # One form per agency, all posted together by one button: the attendance is taken in one go.
    rows = []
    for agency in agencies:
        record = records.get(agency.pk)
        initial = (
            {
                "status": record.status,
                "attendee": record.attendee_id,
                "attendee_name": record.attendee_name,
                "notes": record.notes,
            }
            if record
            else {}
        )
        form = AttendanceForm(
            request.POST if action == "attendance" else None,
            initial=initial,
            agency=agency,
            staff=staff[agency.pk],
            prefix=f"agency-{agency.pk}",
        )
        rows.append({"agency": agency, "record": record, "form": form})
    guest_form = GuestForm(request.POST if action == "guest" else None, prefix="guest")
    ack_form = AcknowledgementForm(request.POST if action == "acknowledge" else None, prefix="ack")

    active_form: BaseForm | None = None
    if action == "attendance":
        valid = [row["form"].is_valid() for row in rows]  # every form, so every error shows
        if all(valid) and _attendance_save(meeting, rows):
            messages.success(request, "Attendance saved")
            return redirect("meetings:attendance", meeting_id=meeting.pk)
    elif action == "guest":
        active_form = guest_form
        if guest_form.is_valid():
            try:
                guest = services.guest_add(meeting=meeting, **guest_form.cleaned_data)
            except ValidationError as error:
                _add_service_error(guest_form, error)
            else:
                messages.success(request, f"Guest added: {guest.name}, {guest.organisation}")
                return redirect("meetings:attendance", meeting_id=meeting.pk)
    elif action == "confirm":
        services.confidentiality_confirm(meeting=meeting, by=request.user)
        messages.success(request, "Confidentiality statement confirmed as read")
        return redirect("meetings:attendance", meeting_id=meeting.pk)
    elif action == "acknowledge":
        active_form = ack_form
        if ack_form.is_valid():
            try:
                ack = services.acknowledgement_record(meeting=meeting, by=request.user, **ack_form.cleaned_data)
            except ValidationError as error:
                _add_service_error(ack_form, error)
            else:
                messages.success(request, f"Acknowledgement recorded for {ack.name}")
                return redirect("meetings:attendance", meeting_id=meeting.pk)
    elif action is not None:
        raise BadRequest("Unknown action")

    guests = list(meeting.guests.order_by("pk"))
    acknowledgements = list(meeting.acknowledgements.all())
    acknowledged = {(a.name, a.agency_name) for a in acknowledgements}
    # Everyone recorded as present, for one-click acknowledgements.
    present = [
        (record.attendee.full_name if record.attendee else record.attendee_name, agency.name)
        for agency in agencies
        if (record := records.get(agency.pk)) and record.status == Attendance.Status.ATTENDED
    ] + [(guest.name, guest.organisation) for guest in guests]
    return render(
        request,
        "meetings/attendance.html",
        {
            "meeting": meeting,
            "rows": rows,
            "guests": guests,
            "guest_form": guest_form,
            "ack_form": ack_form,
            "acknowledgements": acknowledgements,
            "to_acknowledge": [pair for pair in present if pair[0] and pair not in acknowledged],
            "active_form": active_form,
            "attendance_errors": any(row["form"].errors for row in rows),
            "locked": locked,
        },
    )


def _attendance_save(meeting: Meeting, rows: list[dict[str, Any]]) -> bool:
    """Record every agency given a status, all or none: a refusal goes onto that agency's form."""
    try:
        with transaction.atomic():
            for row in rows:
                data = row["form"].cleaned_data
                if not data["status"]:
                    continue
                try:
                    services.attendance_record(
                        meeting=meeting,
                        agency=row["agency"],
                        status=data["status"],
                        attendee=data["attendee"],
                        attendee_name=data["attendee_name"],
                        notes=data["notes"],
                    )
                except ValidationError as error:
                    _add_service_error(row["form"], error)
                    raise
    except ValidationError:
        return False
    return True


# --- The meeting screen -------------------------------------------------------------------------


def _screen_items(meeting: Meeting) -> list[AgendaItem]:
    """All the meeting's items, with what the side navigation and the current item's summary need."""
    return list(
        meeting.items.select_related(
            "case", "case__lead_agency", "case__lead_officer", "lead_agency", "lead_officer", "recorded_by"
        )
    )


def _current_item(request: HttpRequest, items: list[AgendaItem]) -> AgendaItem | None:
    wanted = request.GET.get("item")
    if wanted:
        current = next((item for item in items if str(item.pk) == wanted), None)
        if current is None:
            raise Http404("No agenda item found")
        return current
    return next((item for item in items if item.recorded_at is None), items[0] if items else None)


@require_GET
def meeting_screen(request: HttpRequest, meeting_id: int) -> HttpResponse:
    _require_chair(request)
    meeting = _meeting_for(request, meeting_id)
    items = _screen_items(meeting)
    current = _current_item(request, items)
    form = ItemMinutesForm(initial=ItemMinutesForm.initial_for(current)) if current else None
    return _render_screen(request, meeting, items, current, form, [])


@require_http_methods(["GET", "POST"])
def item_minutes(request: HttpRequest, meeting_id: int, item_id: int) -> HttpResponse:
    """Where the meeting screen's form posts. A GET goes to the screen at that item."""
    _require_chair(request)
    meeting = _meeting_for(request, meeting_id)
    items = _screen_items(meeting)
    current = next((item for item in items if item.pk == item_id), None)
    if current is None:
        audit_refused(request=request, model=AgendaItem, what="Item minutes", reference=f"item {item_id}")
        raise Http404("No agenda item found")
    if request.method == "GET":
        return redirect(_screen_url(meeting, current))
    form = ItemMinutesForm(request.POST)
    conflicts: list[tuple[str, str, str]] = []
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.item_minutes_record(
                item=current,
                by=request.user,
                revision=data["revision"],
                discussion=data["discussion"],
                risk_level=data["risk_level"],
                lead_agency=data["lead_agency"],
                lead_officer=data["lead_officer"],
                decision=data["decision"],
                decision_detail=data["decision_detail"],
                next_review_on=data["next_review_on"],
            )
        except services.StaleEdit as error:
            form, conflicts = _minutes_after_conflict(request, current, error)
        except ValidationError as error:
            _add_service_error(form, error)
        else:
            following = items[items.index(current) + 1 :]
            if following:
                messages.success(request, f"Minutes recorded for {current.case.reference}")
                return redirect(_screen_url(meeting, following[0]))
            messages.success(
                request, f"Minutes recorded for {current.case.reference}. That was the last item on the agenda."
            )
            return redirect(_screen_url(meeting, current))
    return _render_screen(request, meeting, items, current, form, conflicts)


def _screen_url(meeting: Meeting, item: AgendaItem) -> str:
    return f"{reverse('meetings:run', args=[meeting.pk])}?item={item.pk}"


def _minutes_after_conflict(
    request: HttpRequest, item: AgendaItem, error: ValidationError
) -> tuple[ItemMinutesForm, list[tuple[str, str, str]]]:
    """Keep what this person entered, show what is saved now, and let them save again over it."""
    saved = AgendaItem.objects.select_related("lead_agency", "lead_officer").get(pk=item.pk)
    data = request.POST.copy()
    data["revision"] = str(saved.revision)
    form = ItemMinutesForm(data)
    form.is_valid()
    form.add_error(None, error)
    mine = form.cleaned_data
    pairs = [
        ("Summary of the discussion", saved.discussion, mine.get("discussion", "")),
        ("Risk level agreed", saved.get_risk_level_agreed_display(), _label(form, "risk_level")),
        ("Lead agency", str(saved.lead_agency or ""), str(mine.get("lead_agency") or "")),
        ("Lead officer", str(saved.lead_officer or ""), str(mine.get("lead_officer") or "")),
        ("Decision", saved.get_decision_display(), _label(form, "decision")),
        ("Reason for closing, or the panel it is referred to", saved.decision_detail, mine.get("decision_detail", "")),
        ("Next review date", _date(saved.next_review_on), _date(mine.get("next_review_on"))),
    ]
    return form, [(label, theirs, yours) for label, theirs, yours in pairs if (theirs or "") != (yours or "")]


def _label(form: BaseForm, name: str) -> str:
    value = form.cleaned_data.get(name) or ""
    return str(dict(form.fields[name].choices).get(value, value))


def _date(value: Any) -> str:
    return f"{value:%-d %B %Y}" if value else ""


def _render_screen(
    request: HttpRequest,
    meeting: Meeting,
    items: list[AgendaItem],
    current: AgendaItem | None,
    form: ItemMinutesForm | None,
    conflicts: list[tuple[str, str, str]],
) -> HttpResponse:
    context: dict[str, Any] = {
        "meeting": meeting,
        "items": items,
        "current": current,
        "form": form,
        "conflicts": conflicts,
        "read_only": meeting.minutes_locked or meeting.status == Meeting.Status.CANCELLED,
        "recorded_count": sum(1 for item in items if item.recorded_at),
    }
    if current is not None:
        position = items.index(current)
        shared = list(current.agency_information.select_related("agency").order_by("agency__name"))
        shared_ids = {info.agency_id for info in shared}
        context.update(
            {
                "position": position + 1,
                "previous": items[position - 1] if position else None,
                "next": items[position + 1] if position + 1 < len(items) else None,
                "subjects": current.case.subjects.select_related("person").order_by("pk"),
                "current_actions": list(
                    with_latest_update(Action.objects.visible_to(request.user).filter(case_id=current.case_id))
                ),
                "shared": shared,
                "not_shared": [
                    invitation.agency
                    for invitation in current.invitations.select_related("agency")
                    if invitation.agency_id not in shared_ids
                ],
            }
        )
        if request.method == "GET":
            audit_list(
                request=request,
                model=AgendaItem,
                what="Meeting screen",
                shown=[item.case.reference for item in items],
                criteria={"meeting": meeting.pk, "item": current.pk},
            )
    return render(request, "meetings/meeting_screen.html", context)


# --- Minutes -----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def minutes(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = _meeting_for(request, meeting_id)
    user = request.user
    is_chair = _is_chair(user)
    form: GeneralMinutesForm | None = None
    saved_now: str | None = None
    if is_chair and not meeting.minutes_locked:
        form = GeneralMinutesForm(
            _posted(request) if request.POST.get("action") == "save" else None,
            initial={"general_minutes": meeting.general_minutes, "revision": meeting.minutes_revision},
        )
    if request.method == "POST":
        if not is_chair:
            raise PermissionDenied
        action = request.POST.get("action")
        if action == "save":
            if form is None:
                messages.error(request, "These minutes are approved and locked.")
                return redirect("meetings:minutes", meeting_id=meeting.pk)
            if form.is_valid():
                try:
                    services.meeting_minutes_save(
                        meeting=meeting,
                        by=user,
                        revision=form.cleaned_data["revision"],
                        general_minutes=form.cleaned_data["general_minutes"],
                    )
                except services.StaleEdit as error:
                    current = Meeting.objects.get(pk=meeting.pk)
                    saved_now = current.general_minutes
                    data = request.POST.copy()
                    data["revision"] = str(current.minutes_revision)
                    form = GeneralMinutesForm(data)
                    form.is_valid()
                    form.add_error(None, error)
                except ValidationError as error:
                    _add_service_error(form, error)
                else:
                    messages.success(request, "General minutes saved")
                    return redirect("meetings:minutes", meeting_id=meeting.pk)
        elif action in ("circulate", "approve"):
            if action == "approve" and not user.has_role(Role.CO_CHAIR):
                raise PermissionDenied
            try:
                if action == "circulate":
                    services.minutes_circulate(meeting=meeting, by=user)
                    done = "Minutes marked as circulated to attendees"
                else:
                    services.minutes_approve(meeting=meeting, by=user)
                    done = "Minutes approved. They are now locked."
            except ValidationError as error:
                messages.error(request, _refusal(error))
            else:
                messages.success(request, done)
            return redirect("meetings:minutes", meeting_id=meeting.pk)
        else:
            raise BadRequest("Unknown action")

    circulated = meeting.minutes_status != Meeting.MinutesStatus.DRAFT
    items = list(
        AgendaItem.objects.visible_to(user)
        .filter(meeting=meeting)
        .select_related("case", "lead_agency", "lead_officer", "recorded_by")
    )
    # Agencies read the minutes of their items once the minutes are circulated; the chairs, as they are written.
    shown = items if is_chair or circulated else []
    if shown:
        audit_list(
            request=request,
            model=AgendaItem,
            what="Minutes",
            shown=[item.case.reference for item in shown],
            criteria={"meeting": meeting.pk},
        )
    return render(
        request,
        "meetings/minutes.html",
        {
            "meeting": meeting,
            "items": shown,
            "invited": bool(items),
            "form": form,
            "saved_now": saved_now,
            "is_chair": is_chair,
            "can_approve": user.has_role(Role.CO_CHAIR),
            "circulated": circulated,
            "attendance": list(meeting.attendance.select_related("agency", "attendee")) if shown else [],
            "approved_by": meeting.minutes_approved_by if meeting.minutes_locked else None,
        },
    )


# --- The calendar ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def calendar_subscribe(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        if request.POST.get("action") != "reset":
            raise BadRequest("Unknown action")
        calendar.calendar_feed_reset(request.user)
        messages.success(request, "Your calendar address has been reset. The old address no longer works.")
        return redirect("meetings:calendar-subscribe")
    feed = calendar.calendar_feed_for(request.user)
    address = request.build_absolute_uri(f"{reverse('meetings:calendar')}?token={feed.token}")
    return render(request, "meetings/calendar_subscribe.html", {"address": address})


@login_not_required
@require_GET
def calendar_feed(request: HttpRequest) -> HttpResponse:
    """Calendar apps cannot sign in: the secret token in the address stands in for it."""
    if calendar.feed_owner(request.GET.get("token", "")) is None:
        raise Http404("No calendar found")
    body = calendar.meetings_calendar(site_url=settings.SITE_URL)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="cmarac-meetings.ics"'
    response["Cache-Control"] = "private, max-age=900"
    return response
