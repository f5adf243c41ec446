"""Every meeting edit form carries a revision (ADR 0007): two people load, both save, the second
is refused with a clear error, nothing of theirs is saved, and their entries stay in the form."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from meetings import services
from meetings.models import AgendaItem, Attendance, Meeting
from tests.factories.accounts import CoordinatorFactory
from tests.factories.meetings import MeetingFactory
from tests.second_factor import signed_in

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
REFUSED = "Someone else saved changes here while you were editing"


@pytest.fixture
def meeting() -> Meeting:
    return MeetingFactory(starts_at=datetime(2030, 3, 14, 10, tzinfo=LONDON), venue="Town hall")


@pytest.fixture
def item(meeting, housing_case, housing, co_chair) -> AgendaItem:
    added = services.agenda_add_item(meeting=meeting, case=housing_case, item_type="review", by=co_chair)
    services.invite_agency_to_item(item=added, agency=housing, by=co_chair)
    return added


@pytest.fixture
def second_coordinator(coordinator):
    return CoordinatorFactory(email="second@cs.example", full_name="Sasha Second", agency=coordinator.agency)


def shown_revision(response, form: str = "form") -> int:
    return int(response.context[form]["revision"].value())


def refused(response) -> str:
    assert response.status_code == 200
    text = response.content.decode()
    assert REFUSED in text
    assert "govuk-error-summary" in text
    assert "Your changes have not been saved yet" in text  # the shared banner
    return text


def test_agenda_item_type_and_time(meeting, item, co_chair, coordinator) -> None:
    first, second = signed_in(co_chair), signed_in(coordinator)
    path = reverse("meetings:agenda-item", args=[meeting.pk, item.pk])
    one, two = shown_revision(first.get(path)), shown_revision(second.get(path))
    assert first.post(path, {"revision": one, "item_type": "closure", "minutes_allotted": "25"}).status_code == 302
    text = refused(second.post(path, {"revision": two, "item_type": "new", "minutes_allotted": "40"}))
    assert "Proposed for closure" in text  # saved now
    assert "New case" in text  # the second person's entry
    item.refresh_from_db()
    assert (item.item_type, item.minutes_allotted) == ("closure", 25)


def test_meeting_details(meeting, coordinator, second_coordinator, co_chair) -> None:
    first, second = signed_in(coordinator), signed_in(second_coordinator)
    path = reverse("meetings:change", args=[meeting.pk])
    one = shown_revision(first.get(path), "details_form")
    two = shown_revision(second.get(path), "details_form")
    posted = {"action": "details", "details-co_chairs": [co_chair.pk]}
    response = first.post(path, {**posted, "details-revision": one, "details-venue": "Room 4"})
    assert response.status_code == 302
    text = refused(second.post(path, {**posted, "details-revision": two, "details-venue": "Library"}))
    assert "Room 4" in text
    assert "Library" in text
    meeting.refresh_from_db()
    assert meeting.venue == "Room 4"


def test_moving_a_meeting(meeting, coordinator, second_coordinator) -> None:
    first, second = signed_in(coordinator), signed_in(second_coordinator)
    path = reverse("meetings:change", args=[meeting.pk])
    one, two = shown_revision(first.get(path), "move_form"), shown_revision(second.get(path), "move_form")
    posted = {"action": "move", "move-time": "09:30", "move-reason": "Room unavailable"}
    assert first.post(path, {**posted, "move-revision": one, "move-date": "2030-07-16"}).status_code == 302
    refused(second.post(path, {**posted, "move-revision": two, "move-date": "2030-08-20"}))
    meeting.refresh_from_db()
    assert meeting.starts_at == datetime(2030, 7, 16, 9, 30, tzinfo=LONDON)


def test_cancelling_a_meeting_someone_just_changed(meeting, coordinator, second_coordinator, co_chair) -> None:
    first, second = signed_in(coordinator), signed_in(second_coordinator)
    change, cancel = reverse("meetings:change", args=[meeting.pk]), reverse("meetings:cancel", args=[meeting.pk])
    one = shown_revision(first.get(change), "details_form")
    two = shown_revision(second.get(cancel))
    posted = {"action": "details", "details-revision": one, "details-venue": "Room 4", "details-co_chairs": []}
    assert first.post(change, posted).status_code == 302
    refused(second.post(cancel, {"revision": two, "reason": "Election period"}))
    meeting.refresh_from_db()
    assert meeting.status != Meeting.Status.CANCELLED
    # Saving again, having seen the change, is a deliberate choice and goes through.
    again = shown_revision(second.post(cancel, {"revision": two, "reason": "Election period"}))
    assert second.post(cancel, {"revision": again, "reason": "Election period"}).status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CANCELLED


def test_attendance(meeting, item, housing, police, housing_lead, co_chair, coordinator) -> None:
    first, second = signed_in(co_chair), signed_in(coordinator)
    path = reverse("meetings:attendance", args=[meeting.pk])
    one = int(first.get(path).context["revision_form"]["revision"].value())
    two = int(second.get(path).context["revision_form"]["revision"].value())
    response = first.post(
        path,
        {
            "action": "attendance",
            "revision": one,
            f"agency-{housing.pk}-status": "attended",
            f"agency-{housing.pk}-attendee": housing_lead.pk,
        },
    )
    assert response.status_code == 302
    text = refused(
        second.post(path, {"action": "attendance", "revision": two, f"agency-{housing.pk}-status": "absent"})
    )
    assert "Did not attend" in text
    assert housing.name in text
    assert list(Attendance.objects.values_list("agency", "status")) == [(housing.pk, "attended")]


def test_a_missing_or_malformed_revision_is_refused_not_an_error(meeting, item, co_chair) -> None:
    client = signed_in(co_chair)
    path = reverse("meetings:agenda-item", args=[meeting.pk, item.pk])
    for revision in ("", "abc", "-1"):
        response = client.post(path, {"revision": revision, "item_type": "closure", "minutes_allotted": "25"})
        assert response.status_code == 200
        assert "Reload the page and try again" in response.content.decode()
    item.refresh_from_db()
    assert item.item_type == "review"
