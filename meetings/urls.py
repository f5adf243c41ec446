from django.urls import path

from meetings.models import MinutesCorrection
from meetings.views import agenda as views_agenda
from meetings.views import agenda_remove as views_remove
from meetings.views import corrections as views_corrections
from meetings.views import meeting as views_meeting
from meetings.views import meetings as views
from meetings.views import packs as views_packs

app_name = "meetings"

urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("new/", views.meeting_add, name="add"),
    path("calendar.ics", views.calendar_feed, name="calendar"),
    path("calendar/", views.calendar_subscribe, name="calendar-subscribe"),
    path("<int:meeting_id>/", views.meeting_detail, name="detail"),
    path("<int:meeting_id>/change/", views.meeting_change, name="change"),
    path("<int:meeting_id>/cancel/", views.meeting_cancel, name="cancel"),
    path("<int:meeting_id>/agenda/", views_agenda.agenda_builder, name="agenda"),
    path("<int:meeting_id>/agenda/items/<int:item_id>/", views_agenda.agenda_item_edit, name="agenda-item"),
    path("<int:meeting_id>/agenda/items/<int:item_id>/remove/", views_remove.agenda_item_remove, name="item-remove"),
    path(
        "<int:meeting_id>/agenda/items/<int:item_id>/invitations/<int:agency_id>/remove/",
        views_remove.invitation_remove,
        name="invitation-remove",
    ),
    path("<int:meeting_id>/items/<int:item_id>/information/", views_agenda.agency_information, name="information"),
    path("<int:meeting_id>/attendance/", views_meeting.attendance, name="attendance"),
    path("<int:meeting_id>/run/", views_meeting.meeting_screen, name="run"),
    path("<int:meeting_id>/run/<int:item_id>/", views_meeting.item_minutes, name="item-minutes"),
    path("<int:meeting_id>/minutes/", views_meeting.minutes, name="minutes"),
    # Corrections of approved minutes, by a co-chair (ADR 0020): one address per text corrected.
    path(
        "<int:meeting_id>/minutes/correct/",
        views_corrections.minutes_correct,
        {"kind": MinutesCorrection.Field.GENERAL_MINUTES},
        name="correct-general",
    ),
    path(
        "<int:meeting_id>/minutes/items/<int:item_id>/correct/discussion/",
        views_corrections.minutes_correct,
        {"kind": MinutesCorrection.Field.DISCUSSION},
        name="correct-discussion",
    ),
    path(
        "<int:meeting_id>/minutes/items/<int:item_id>/correct/decision/",
        views_corrections.minutes_correct,
        {"kind": MinutesCorrection.Field.DECISION_DETAIL},
        name="correct-decision",
    ),
    path(
        "<int:meeting_id>/minutes/corrections/<int:correction_id>/",
        views_corrections.correction_done,
        name="correction",
    ),
    path("<int:meeting_id>/packs/", views_packs.pack_ask, name="pack-ask"),
    path("<int:meeting_id>/packs/for-someone/", views_packs.pack_for_someone, name="pack-for-someone"),
    path("<int:meeting_id>/packs/for-everyone/", views_packs.packs_for_everyone, name="packs-for-everyone"),
    path("packs/<uuid:pack_id>/", views_packs.pack_status, name="pack"),
    path("packs/<uuid:pack_id>/download/", views_packs.pack_download, name="pack-download"),
]
