"""A meeting becomes "held" only on or after its day (in London): nothing that records it as held
(the confidentiality statement, item or general minutes, circulating them) happens before, by any
route, and the pages do not offer it."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from meetings import services
from meetings.models import AgendaItem, Meeting
from tests.factories.cases import CaseFactory
from tests.factories.meetings import MeetingFactory, moved_to_the_past

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
UTC = ZoneInfo("UTC")
HELD_FROM = "You can record this meeting as held from 14 March 2030"


@pytest.fixture
def future_item(co_chair, housing):
    meeting = MeetingFactory(starts_at=datetime(2030, 3, 14, 10, tzinfo=LONDON))
    item = services.agenda_add_item(meeting=meeting, case=CaseFactory(), item_type="new", by=co_chair)
    services.invite_agency_to_item(item=item, agency=housing, by=co_chair)
    return item


def _record(item: AgendaItem, by) -> AgendaItem:
    return services.item_minutes_record(
        item=item, by=by, revision=None, discussion="Visit agreed.", risk_level="high",
        lead_agency=None, lead_officer=None, decision="review-next",
    )  # fmt: skip


def test_nothing_records_a_meeting_as_held_before_its_day(future_item, co_chair) -> None:
    meeting = future_item.meeting
    refused = [
        lambda: services.confidentiality_confirm(meeting=meeting, by=co_chair),
        lambda: _record(future_item, co_chair),
        lambda: services.meeting_minutes_save(meeting=meeting, by=co_chair, revision=None, general_minutes="Early"),
        lambda: services.minutes_circulate(meeting=meeting, by=co_chair),
    ]
    for attempt in refused:
        with pytest.raises(ValidationError, match="on 14 March 2030"):
            attempt()
    saved = Meeting.objects.get(pk=meeting.pk)
    assert (saved.status, saved.confidentiality_confirmed_at, saved.general_minutes) == ("scheduled", None, "")
    item = AgendaItem.objects.get(pk=future_item.pk)
    assert (item.discussion, item.recorded_at) == ("", None)
    assert not item.case.events.filter(kind="discussed").exists()


def test_the_day_is_the_meetings_day_in_london_not_in_utc(co_chair) -> None:
    """A summer meeting: 00:30 on its day in London is still the day before in UTC."""
    meeting = MeetingFactory(starts_at=datetime(2031, 7, 17, 10, tzinfo=LONDON))
    with time_machine.travel(datetime(2031, 7, 16, 23, 29, tzinfo=LONDON), tick=False), pytest.raises(ValidationError):
        services.confidentiality_confirm(meeting=meeting, by=co_chair)
    with time_machine.travel(datetime(2031, 7, 16, 23, 30, tzinfo=UTC), tick=False):  # 00:30 on the 17th in London
        services.confidentiality_confirm(meeting=meeting, by=co_chair)
    assert Meeting.objects.get(pk=meeting.pk).status == "held"


def test_on_its_day_before_it_starts_the_meeting_can_be_held(future_item, co_chair) -> None:
    with time_machine.travel(datetime(2030, 3, 14, 8, 55, tzinfo=LONDON), tick=False):
        _record(future_item, co_chair)
    assert Meeting.objects.get(pk=future_item.meeting_id).status == "held"


def test_the_pages_do_not_offer_holding_a_meeting_before_its_day(future_item, co_chair, as_user) -> None:
    meeting = future_item.meeting
    client = as_user(co_chair)
    pages = {
        name: client.get(reverse(f"meetings:{name}", args=[meeting.pk])).content.decode()
        for name in ("detail", "attendance", "run", "minutes")
    }
    for name, text in pages.items():
        assert HELD_FROM in text, name
    assert 'value="confirm"' not in pages["attendance"]
    assert reverse("meetings:item-minutes", args=[meeting.pk, future_item.pk]) not in pages["run"]
    assert 'name="general_minutes"' not in pages["minutes"]
    assert "Circulate to attendees" not in pages["minutes"]


def test_posting_before_the_day_is_refused_with_a_clear_error_and_changes_nothing(
    future_item, co_chair, as_user
) -> None:
    meeting = future_item.meeting
    client = as_user(co_chair)
    response = client.post(reverse("meetings:attendance", args=[meeting.pk]), {"action": "confirm"}, follow=True)
    assert "You can record it as held from that day" in response.content.decode()
    data = {"discussion": "Early", "risk_level": "high", "lead_agency": "", "lead_officer": "",
            "decision": "review-next", "decision_detail": "", "next_review_on": "",
            "revision": future_item.revision}  # fmt: skip
    response = client.post(reverse("meetings:item-minutes", args=[meeting.pk, future_item.pk]), data)
    assert response.status_code == 200
    text = response.content.decode()
    assert "govuk-error-summary" in text
    assert "on 14 March 2030" in text
    response = client.post(
        reverse("meetings:minutes", args=[meeting.pk]),
        {"action": "save", "general_minutes": "Early", "revision": 0},
        follow=True,
    )
    assert "You can record it as held from that day" in response.content.decode()
    response = client.post(reverse("meetings:minutes", args=[meeting.pk]), {"action": "circulate"}, follow=True)
    assert "You can record it as held from that day" in response.content.decode()
    saved = Meeting.objects.get(pk=meeting.pk)
    assert (saved.status, saved.confidentiality_confirmed_at, saved.general_minutes, saved.minutes_status) == (
        "scheduled", None, "", "draft",
    )  # fmt: skip
    assert AgendaItem.objects.get(pk=future_item.pk).recorded_at is None


def test_from_its_day_the_pages_offer_it(future_item, co_chair, as_user) -> None:
    meeting = moved_to_the_past(future_item.meeting, days=0)
    client = as_user(co_chair)
    attendance = client.get(reverse("meetings:attendance", args=[meeting.pk])).content.decode()
    assert 'value="confirm"' in attendance
    assert "You can record this meeting as held from" not in attendance
    screen = client.get(reverse("meetings:run", args=[meeting.pk])).content.decode()
    assert reverse("meetings:item-minutes", args=[meeting.pk, future_item.pk]) in screen
    assert 'name="general_minutes"' in client.get(reverse("meetings:minutes", args=[meeting.pk])).content.decode()
