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
from django.core.exceptions import BadRequest, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from cmarac.accounts.roles import Role
from cmarac.cases.access import agency_sees_cases
from cmarac.core.audit import audit_list
from cmarac.core.dates import date_and_time
from cmarac.core.revisions import form_after_conflict
from meetings import calendar, services
from meetings.forms import (
    ExtraordinaryMeetingForm,
    MeetingCancelForm,
    MeetingDetailsForm,
    MeetingMoveForm,
    StartsAtForm,
)
from meetings.models import AgendaItem, Meeting
from meetings.views.helpers import (
    CHANGEABLE,
    PAST_PAGE_SIZE,
    UPCOMING_SHOWN,
    _add_service_error,
    _invitation_rows,
    _is_chair,
    _items_with_invitations,
    _meeting_for,
    _posted,
    _require_coordinator,
)
from meetings.work import MINUTES_FILTERS

# --- The list, and adding, moving and cancelling meetings ---------------------------------


# What a row of the meetings list shows (meetings/templatetags/meeting_rows.py), and nothing else.
MEETING_ROW_COLUMNS = ("kind", "starts_at", "status", "venue", "online_link")


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
    meetings = (
        Meeting.objects.visible_to(user)
        .only(*MEETING_ROW_COLUMNS)
        .annotate(visible_items=Coalesce(Subquery(visible_items, output_field=IntegerField()), 0))
    )
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    upcoming_meetings = meetings.filter(starts_at__gte=today).order_by("starts_at", "pk")
    minutes = request.GET.get("minutes", "")
    more_upcoming, all_upcoming = False, None
    if minutes in MINUTES_FILTERS:
        # From the home page: the meetings whose minutes wait for the coordinator or the chairs.
        upcoming = []
        past_meetings = meetings.filter(MINUTES_FILTERS[minutes][1])
    elif request.GET.get("show") == "upcoming":
        # Every upcoming meeting, a page at a time (the list itself shows the soonest).
        minutes, upcoming, past_meetings = "", [], meetings.none()
        all_upcoming = Paginator(upcoming_meetings, UPCOMING_SHOWN).get_page(request.GET.get("page"))
    else:
        minutes = ""
        upcoming = list(upcoming_meetings[: UPCOMING_SHOWN + 1])
        more_upcoming, upcoming = len(upcoming) > UPCOMING_SHOWN, upcoming[:UPCOMING_SHOWN]
        past_meetings = meetings.filter(starts_at__lt=today)
    past = Paginator(past_meetings.order_by("-starts_at"), PAST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "meetings/meeting_list.html",
        {
            "minutes_filter": MINUTES_FILTERS[minutes][0] if minutes else "",
            "query_string": f"minutes={minutes}" if minutes else "",
            "upcoming": upcoming,
            "more_upcoming": more_upcoming,
            "all_upcoming": all_upcoming,
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
    return date_and_time(meeting.starts_at, "day")


@require_http_methods(["GET", "POST"])
def meeting_change(request: HttpRequest, meeting_id: int) -> HttpResponse:
    _require_coordinator(request)
    meeting = _meeting_for(request, meeting_id)
    action = request.POST.get("action") if request.method == "POST" else None
    move_form = MeetingMoveForm(
        request.POST if action == "move" else None,
        initial={**StartsAtForm.initial_for(meeting.starts_at), "revision": meeting.revision},
        prefix="move",
    )
    details_form = MeetingDetailsForm(
        request.POST if action == "details" else None,
        initial={**_details(meeting), "revision": meeting.revision},
        prefix="details",
    )
    conflicts: list[tuple[str, Any, Any]] = []
    if action == "move" and move_form.is_valid():
        data = move_form.cleaned_data
        try:
            services.meeting_move(
                meeting=meeting, starts_at=data["starts_at"], reason=data["reason"], by=request.user,
                revision=data["revision"],
            )  # fmt: skip
        except services.StaleEdit as error:
            saved = Meeting.objects.get(pk=meeting.pk)
            move_form, conflicts = form_after_conflict(
                MeetingMoveForm, request.POST, revision=saved.revision, error=error, prefix="move",
                saved={**StartsAtForm.initial_for(saved.starts_at), "reason": saved.change_reason},
            )  # fmt: skip
        except ValidationError as error:
            _add_service_error(move_form, error, {"change_reason": "reason"})
        else:
            messages.success(request, f"Meeting moved to {_when(meeting)}")
            return redirect(meeting)
    elif action == "details" and details_form.is_valid():
        data = details_form.cleaned_data
        try:
            services.meeting_update_details(
                meeting=meeting, venue=data["venue"], online_link=data["online_link"],
                co_chairs=list(data["co_chairs"]), revision=data["revision"],
            )  # fmt: skip
        except services.StaleEdit as error:
            saved = Meeting.objects.get(pk=meeting.pk)
            details_form, conflicts = form_after_conflict(
                MeetingDetailsForm, request.POST, revision=saved.revision, saved=_details(saved), error=error,
                prefix="details",
            )  # fmt: skip
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
            "conflicts": conflicts,
        },
    )


def _details(meeting: Meeting) -> dict[str, Any]:
    return {"venue": meeting.venue, "online_link": meeting.online_link, "co_chairs": list(meeting.co_chairs.all())}


@require_http_methods(["GET", "POST"])
def meeting_cancel(request: HttpRequest, meeting_id: int) -> HttpResponse:
    _require_coordinator(request)
    meeting = _meeting_for(request, meeting_id)
    form = MeetingCancelForm(_posted(request), initial={"revision": meeting.revision})
    conflicts: list[tuple[str, Any, Any]] = []
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_cancel(
                meeting=meeting, reason=form.cleaned_data["reason"], by=request.user,
                revision=form.cleaned_data["revision"],
            )  # fmt: skip
        except services.StaleEdit as error:
            saved = Meeting.objects.get(pk=meeting.pk)
            form, conflicts = form_after_conflict(
                MeetingCancelForm, request.POST, revision=saved.revision, error=error,
                saved={"reason": saved.change_reason},
            )  # fmt: skip
        except ValidationError as error:
            _add_service_error(form, error, {"change_reason": "reason"})
        else:
            messages.success(request, f"Meeting on {_when(meeting)} cancelled")
            return redirect("meetings:list")
    return render(
        request,
        "meetings/meeting_cancel.html",
        {"meeting": meeting, "form": form, "can_cancel": meeting.status in CHANGEABLE, "conflicts": conflicts},
    )


# --- One meeting --------------------------------------------------------------------------


# What the meeting page shows of each item (meetings/meeting_detail.html): not its minutes, nor the
# case's summary and search text. Fewer columns are less for Django to build and read.
MEETING_PAGE_ITEM_COLUMNS = ("meeting", "case", "item_type", "minutes_allotted", "case__reference")


def meeting_detail(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = _meeting_for(request, meeting_id)
    user = request.user
    is_chair = _is_chair(user)
    own_agency = user.agency_id if agency_sees_cases(user) else None
    items = list(
        _items_with_invitations(AgendaItem.objects.visible_to(user).filter(meeting=meeting)).only(
            *MEETING_PAGE_ITEM_COLUMNS
        )
    )
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
            "co_chairs": meeting.co_chairs.only("full_name", "email"),  # as str(user) names them
            "is_chair": is_chair,
            "is_coordinator": user.has_role(Role.COORDINATOR),
            "can_change": meeting.status in CHANGEABLE,
            "total_minutes": sum(item.minutes_allotted for item in items),
            # As may_request_pack, from the items already fetched.
            "can_request_pack": is_chair or ((user.is_agency_lead or user.is_agency_deputy) and bool(items)),
            "can_request_minutes": meeting.status in (Meeting.Status.HELD, Meeting.Status.MINUTES_APPROVED),
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
