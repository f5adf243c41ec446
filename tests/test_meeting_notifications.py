"""Every invited agency is told, or the chairs are told it was not: agenda invitations and minutes
go to each agency's contact address, lead and deputy; an agency nobody at which can be told is
named before and after publishing; nobody is told twice."""

from __future__ import annotations

from datetime import date

import pytest
from django.core import mail
from django.urls import reverse

from actions.services import action_set
from meetings import services
from meetings.notifications import agencies_nobody_can_tell, agenda_agencies
from meetings.tasks import send_agenda_published, send_minutes_circulated
from tests.factories.accounts import AgencyFactory
from tests.factories.cases import CaseFactory
from tests.factories.meetings import MeetingFactory, PastMeetingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting_with_three_agencies(co_chair, housing, housing_lead, fire):
    """Housing has a lead and a team mailbox; fire has only a mailbox; the third has nobody."""
    housing.contact_email = "housing-team@housing.example"
    housing.save()
    fire.contact_email = "fire-team@fire.example"
    fire.save()
    silent = AgencyFactory(name="Adult Safeguarding")
    meeting = MeetingFactory()
    for agency in (housing, fire, silent):
        item = services.agenda_add_item(meeting=meeting, case=CaseFactory(), item_type="new", by=co_chair)
        services.invite_agency_to_item(item=item, agency=agency, by=co_chair)
    return meeting, silent


def test_the_agenda_goes_to_each_agencys_mailbox_lead_and_deputy(meeting_with_three_agencies, housing_lead) -> None:
    meeting, _ = meeting_with_three_agencies
    assert send_agenda_published(meeting.pk) == 2
    sent = sorted(sorted(message.to) for message in mail.outbox)
    assert sent == [["fire-team@fire.example"], sorted(["housing-team@housing.example", housing_lead.email])]
    for message in mail.outbox:
        assert "Adult" not in message.body


def test_an_agency_nobody_can_tell_is_named_before_and_after_publishing(
    meeting_with_three_agencies, co_chair, as_user, django_capture_on_commit_callbacks
) -> None:
    meeting, silent = meeting_with_three_agencies
    assert agencies_nobody_can_tell(agenda_agencies(meeting)) == [silent.name]
    client = as_user(co_chair)
    builder = client.get(reverse("meetings:agenda", args=[meeting.pk])).content.decode()
    assert f"Nobody at {silent.name} will be told" in builder
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("meetings:agenda", args=[meeting.pk]), {"action": "publish"})
    followed = client.get(response["Location"]).content.decode()
    assert f"Nobody at {silent.name} has been told" in followed
    assert "Each invited agency has been emailed" not in followed
    assert len(mail.outbox) == 2


def test_minutes_reach_every_agency_with_an_item_or_an_action_attended_or_not(
    co_chair, housing, housing_lead, police
) -> None:
    """Housing sent apologies but is invited; the police own an action set at the meeting and were
    not invited; an agency with neither is not told."""
    police.contact_email = "police-team@police.example"
    police.save()
    meeting = PastMeetingFactory()
    item = services.agenda_add_item(meeting=meeting, case=CaseFactory(), item_type="new", by=co_chair)
    services.invite_agency_to_item(item=item, agency=housing, by=co_chair)
    services.confidentiality_confirm(meeting=meeting, by=co_chair)
    action_set(case=item.case, owner=police, description="Patrols", by=co_chair, due_on=date(2031, 1, 9),
               agenda_item=item)  # fmt: skip
    services.attendance_record(meeting=meeting, agency=housing, status="apologies")
    unrelated = AgencyFactory(contact_email="nobody-asked@agency.example")
    assert send_minutes_circulated(meeting.pk) == 2
    told = sorted(address for message in mail.outbox for address in message.to)
    assert told == sorted([housing_lead.email, "police-team@police.example"])
    assert unrelated.contact_email not in told
