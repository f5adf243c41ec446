"""At the meeting: attendance, the confidentiality statement, the meeting screen and the minutes."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.db.models import Q
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_GET, require_http_methods

from actions.models import Action
from actions.selectors import action_table_rows
from cmarac.accounts.models import Agency, User
from cmarac.accounts.roles import Role
from cmarac.core.audit import audit_list, audit_refused
from cmarac.core.revisions import RevisionForm
from meetings import services
from meetings.forms import (
    AcknowledgementForm,
    AttendanceForm,
    GeneralMinutesForm,
    GuestForm,
    ItemMinutesForm,
)
from meetings.models import AgendaInvitation, AgendaItem, Attendance, Meeting
from meetings.selectors import minutes_for
from meetings.views.helpers import (
    _add_service_error,
    _is_chair,
    _meeting_for,
    _posted,
    _refusal,
    _require_chair,
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
    records = {record.agency_id: record for record in meeting.attendance.select_related("attendee", "deputising_for")}

    # One form per agency, all posted together by one button: the attendance is taken in one go.
    rows = []
    for agency in agencies:
        record = records.get(agency.pk)
        initial = (
            {
                "status": record.status,
                "attendee": record.attendee_id,
                "attendee_name": record.attendee_name,
                "deputising_for": record.deputising_for_id,
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

    # The attendance of all the agencies carries one revision (ADR 0007).
    revision_form = RevisionForm(
        request.POST if action == "attendance" else None, initial={"revision": meeting.attendance_revision}
    )
    conflicts: list[tuple[str, Any, Any]] = []
    active_form: BaseForm | None = None
    if action == "attendance":
        valid = [row["form"].is_valid() for row in rows] + [revision_form.is_valid()]  # every error shows
        if all(valid):
            try:
                saved = _attendance_save(meeting, rows, revision_form.cleaned_data["revision"])
            except services.StaleEdit as error:
                revision_form, conflicts = _attendance_after_conflict(request, meeting, rows, error)
            else:
                if saved:
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
        try:
            services.confidentiality_confirm(meeting=meeting, by=request.user)
        except ValidationError as error:
            messages.error(request, _refusal(error))
        else:
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
            "attendance_errors": any(row["form"].errors for row in rows) or bool(revision_form.errors),
            "revision_form": revision_form,
            "conflicts": conflicts,
            "locked": locked,
        },
    )


def _attendance_save(meeting: Meeting, rows: list[dict[str, Any]], revision: int) -> bool:
    """Record every agency given a status, all or none: a refusal goes onto that agency's form."""
    fields = ("status", "attendee", "attendee_name", "deputising_for", "notes")
    records = [
        (row["agency"], {name: row["form"].cleaned_data[name] for name in fields})
        for row in rows
        if row["form"].cleaned_data["status"]
    ]
    try:
        services.attendance_take(meeting=meeting, records=records, revision=revision)
    except services.AttendanceRefused as error:
        row = next(row for row in rows if row["agency"] == error.agency)
        _add_service_error(row["form"], error)
        return False
    return True


def _attendance_after_conflict(
    request: HttpRequest, meeting: Meeting, rows: list[dict[str, Any]], error: ValidationError
) -> tuple[RevisionForm, list[tuple[str, Any, Any]]]:
    """Keep every agency's entries, show whose attendance differs from what is saved now, and take
    the revision saved now, so saving again is a deliberate choice."""
    current = Meeting.objects.get(pk=meeting.pk)
    saved = {record.agency_id: record for record in current.attendance.select_related("attendee", "deputising_for")}
    labels = dict(Attendance.Status.choices)
    conflicts = []

    def shown(status: str, attendee: User | None, name: str, deputy_for: User | None, notes: str) -> str | None:
        who = attendee.full_name if attendee else name
        if who and deputy_for is not None:
            who = f"{who} (for {deputy_for.full_name})"
        parts = [labels.get(status, ""), who, notes]
        return ", ".join(part for part in parts if part) or None

    for row in rows:
        record, posted = saved.get(row["agency"].pk), row["form"].cleaned_data
        theirs = (
            shown(record.status, record.attendee, record.attendee_name, record.deputising_for, record.notes)
            if record
            else None
        )
        yours = None
        if posted.get("status"):
            yours = shown(posted["status"], posted.get("attendee"), posted.get("attendee_name", ""),
                          posted.get("deputising_for"), posted.get("notes", ""))  # fmt: skip
        if theirs != yours:
            conflicts.append((row["agency"].name, theirs, yours))
    data = request.POST.copy()
    data["revision"] = str(current.attendance_revision)
    form = RevisionForm(data)
    form.is_valid()
    form.add_error(None, error)
    return form, conflicts


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
    form = None
    if current is not None:
        initial = ItemMinutesForm.initial_for(current)
        draft = current.minutes_draft
        if draft and isinstance(draft.get("values"), dict):
            initial = {**initial, **draft["values"], "revision": draft.get("revision", current.revision)}
        form = ItemMinutesForm(initial=initial)
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
    if request.POST.get("then"):
        return _keep_draft(request, meeting, items, current, form)
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


def _keep_draft(
    request: HttpRequest, meeting: Meeting, items: list[AgendaItem], current: AgendaItem, form: ItemMinutesForm
) -> HttpResponse:
    """ "Set an action" (then=action), or a link on the screen followed with minutes typed (then=<a
    path on this site>, sent by unsaved-changes.mjs): keep the minutes as a draft, then go there."""
    then = request.POST["then"]
    screen = _screen_url(meeting, current)
    if then == "action":
        target = (
            f"{reverse('actions:new', args=[current.case.reference])}?{urlencode({'item': current.pk, 'next': screen})}"
        )
    elif then.startswith("/") and url_has_allowed_host_and_scheme(
        then, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = then
    else:
        raise BadRequest("Where to go after keeping the minutes is not a page of this service")
    values = {
        name: field.widget.value_from_datadict(request.POST, request.FILES, form.add_prefix(name))
        for name, field in form.fields.items()
        if name != "revision"
    }
    unstorable = [
        name
        for name, field in form.fields.items()
        if len(str(values.get(name) or "")) > (getattr(field, "max_length", None) or 200)
        or "\x00" in str(values.get(name) or "")
    ]
    try:
        revision = int(request.POST.get("revision", ""))
    except ValueError:
        revision = -1
    if unstorable or revision < 0:
        form.is_valid()  # shows why: the form refuses the same values
        return _render_screen(request, meeting, items, current, form, [])
    try:
        services.item_minutes_draft_save(item=current, by=request.user, values=values, revision=revision)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(screen)
    return redirect(target)


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
        # Before its day a meeting cannot be recorded as held: no minutes yet.
        "read_only": meeting.minutes_locked or meeting.status == Meeting.Status.CANCELLED or not meeting.may_be_held(),
        "not_yet": not meeting.minutes_locked
        and meeting.status != Meeting.Status.CANCELLED
        and not meeting.may_be_held(),
        "recorded_count": sum(1 for item in items if item.recorded_at),
        "draft_saved_at": None,
    }
    if current is not None:
        position = items.index(current)
        if request.method == "GET" and current.minutes_draft:
            context["draft_saved_at"] = parse_datetime(str(current.minutes_draft.get("saved_at", "")))
        shared = list(current.agency_information.select_related("agency").order_by("agency__name"))
        shared_ids = {info.agency_id for info in shared}
        context.update(
            {
                "position": position + 1,
                "previous": items[position - 1] if position else None,
                "next": items[position + 1] if position + 1 < len(items) else None,
                "subjects": current.case.subjects.select_related("person").order_by("pk"),
                "current_actions": action_table_rows(
                    Action.objects.visible_to(request.user).filter(case_id=current.case_id)
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
    if is_chair and not meeting.minutes_locked and meeting.may_be_held():
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
                locked = "These minutes are approved and locked."
                messages.error(request, locked if meeting.minutes_locked else services.not_held_yet(meeting))
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

    items = list(
        AgendaItem.objects.visible_to(user)
        .filter(meeting=meeting)
        .select_related("case", "lead_agency", "lead_officer", "recorded_by")
    )
    # What this person reads: the same rule as their minutes PDF (meetings.selectors.minutes_for).
    shown = minutes_for(user, meeting, items)
    if shown.items:
        audit_list(
            request=request,
            model=AgendaItem,
            what="Minutes",
            shown=[item.case.reference for item in shown.items],
            criteria={"meeting": meeting.pk},
        )
    locked = meeting.minutes_locked
    return render(
        request,
        "meetings/minutes.html",
        {
            "meeting": meeting,
            "items": shown.items,
            "general": shown.general,
            "invited": bool(items),
            "form": form,
            "saved_now": saved_now,
            "is_chair": is_chair,
            "can_approve": user.has_role(Role.CO_CHAIR),
            "can_correct": locked and user.has_role(Role.CO_CHAIR),
            "circulated": meeting.minutes_status != Meeting.MinutesStatus.DRAFT,
            "attendance": shown.attendance,
            "approved_by": meeting.minutes_approved_by if locked else None,
        },
    )
