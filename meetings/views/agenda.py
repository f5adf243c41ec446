"""The agenda builder (co-chairs and coordinators) and what invited agencies share before the meeting."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from actions.models import Action
from actions.selectors import ActionTableRow, action_table_rows
from cmarac.accounts.models import Agency
from cmarac.cases.access import agency_sees_cases
from cmarac.cases.models import Case, CaseInvolvement, CaseSubject
from cmarac.core.audit import audit_list, audit_view
from cmarac.core.revisions import form_after_conflict
from cmarac.outbox.services import outbox_latest
from meetings import services
from meetings.forms import (
    AgencyInformationForm,
    AgendaAddForm,
    AgendaItemForm,
    InviteForm,
)
from meetings.models import AgencyInformation, AgendaItem, Meeting
from meetings.notifications import agencies_nobody_can_tell, agenda_agencies
from meetings.selectors import agenda_proposals
from meetings.views.helpers import (
    _add_service_error,
    _agenda_open,
    _invitation_rows,
    _is_chair,
    _item_for,
    _items_with_invitations,
    _meeting_for,
    _posted,
    _posted_item,
    _refusal,
    _require_chair,
)

# --- The agenda builder (co-chairs and coordinators) ----------------------------------------------


def _actions_since_last_meeting(meeting: Meeting, case_ids: list[int]) -> dict[int, list[ActionTableRow]]:
    """These cases' open actions, and those closed since the previous meeting, with their latest
    updates, by case."""
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
    by_case: dict[int, list[ActionTableRow]] = {}
    for row in action_table_rows(Action.objects.filter(recent, case_id__in=case_ids).order_by("due_on", "pk")):
        by_case.setdefault(row.case_id, []).append(row)
    return by_case


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
        )
    )
    recent_actions = _actions_since_last_meeting(meeting, [item.case_id for item in items])
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
                "actions": recent_actions.get(item.case_id, []),
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
            "nobody_told": agencies_nobody_can_tell(agenda_agencies(meeting)),
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
        # Removing an item or an invitation is confirmed on its own page (agenda_remove.py).
        if action in ("up", "down"):
            item = _posted_item(request, meeting)
            services.agenda_move_item(item=item, up=action == "up")
            done = f"{item.case.reference} moved {action}"
        elif action == "children":
            services.agenda_children_first(meeting=meeting)
            done = "Cases with children in the household are now first"
        elif action == "publish":
            services.agenda_publish(meeting=meeting, by=by)
            done = _published_notice(meeting)
        else:
            raise BadRequest("Unknown action")
    except ValidationError as error:
        messages.error(request, _refusal(error))
    else:
        messages.success(request, done)
    return redirect("meetings:agenda", meeting_id=meeting.pk)


def _published_notice(meeting: Meeting) -> str:
    """Say what happened to the emails: sent, queued (the email service or broker is down), or none,
    and name every invited agency nobody at which can be told."""
    agencies = list(agenda_agencies(meeting))
    nobody = agencies_nobody_can_tell(agencies)
    untold = f" Nobody at {_names(nobody)} has been told: add a contact address, lead or deputy." if nobody else ""
    if len(nobody) == len(agencies):
        return f"Agenda published, but no invited agency can be emailed.{untold}"
    message = outbox_latest("meetings.send_agenda_published", meeting.pk)
    if message is not None and message.sent_at is not None:
        return (
            f"Agenda published. The other invited agencies have been emailed.{untold}"
            if nobody
            else ("Agenda published. Each invited agency has been emailed.")
        )
    # Handed to the workers, or waiting for the broker or the email service to come back.
    return f"Agenda published. The emails to the invited agencies are queued and will be sent shortly.{untold}"


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


@require_http_methods(["GET", "POST"])
def agenda_item_edit(request: HttpRequest, meeting_id: int, item_id: int) -> HttpResponse:
    _require_chair(request)
    meeting = _meeting_for(request, meeting_id)
    item = _item_for(request, meeting, item_id, "Agenda item")
    shown = {"item_type": item.item_type, "minutes_allotted": item.minutes_allotted}
    form = AgendaItemForm(_posted(request), initial={**shown, "revision": item.revision})
    conflicts: list[tuple[str, Any, Any]] = []
    if request.method == "GET":
        audit_view(request=request, instance=item, what="Agenda item type and time")
    if request.method == "POST" and form.is_valid():
        try:
            data = form.cleaned_data
            services.agenda_item_update(
                item=item,
                item_type=data["item_type"],
                minutes_allotted=data["minutes_allotted"],
                revision=data["revision"],
            )
        except services.StaleEdit as error:
            saved = AgendaItem.objects.get(pk=item.pk)
            form, conflicts = form_after_conflict(
                AgendaItemForm,
                request.POST,
                revision=saved.revision,
                saved={"item_type": saved.item_type, "minutes_allotted": saved.minutes_allotted},
                error=error,
            )
        except ValidationError as error:
            _add_service_error(form, error)
        else:
            messages.success(request, f"{item.case.reference}: type and time saved")
            return redirect("meetings:agenda", meeting_id=meeting.pk)
    return render(
        request,
        "meetings/agenda_item.html",
        {"meeting": meeting, "item": item, "form": form, "conflicts": conflicts},
    )


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
