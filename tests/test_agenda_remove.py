"""Removing an item from an agenda, or an agency's invitation, is confirmed on its own page that says
what goes with it (which invitations, and which agencies lose the case); nothing goes on a GET, a
stale confirmation changes nothing, and a locked meeting refuses."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from meetings import services
from meetings.models import AgendaInvitation, AgendaItem
from tests.factories.accounts import AgencyFactory, AgencyStaffFactory
from tests.factories.meetings import MeetingFactory, moved_to_the_past

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def item(housing_case, housing, fire, co_chair) -> AgendaItem:
    """The housing case (led by housing, referred by the police) on the 14 March 2030 agenda, with housing
    and the fire brigade invited: the fire brigade has no other reason to see the case."""
    meeting = MeetingFactory(starts_at=datetime(2030, 3, 14, 10, tzinfo=LONDON))
    added = services.agenda_add_item(meeting=meeting, case=housing_case, item_type="review", by=co_chair)
    services.invite_agency_to_item(item=added, agency=housing, by=co_chair)
    services.invite_agency_to_item(item=added, agency=fire, by=co_chair)
    return added


def remove_url(item: AgendaItem) -> str:
    return reverse("meetings:item-remove", args=[item.meeting_id, item.pk])


def uninvite_url(item: AgendaItem, agency) -> str:
    return reverse("meetings:invitation-remove", args=[item.meeting_id, item.pk, agency.pk])


def text(response) -> str:
    return response.content.decode()


# --- Who may open the pages ----------------------------------------------------------------------


@pytest.fixture
def housing_member(housing):
    return AgencyStaffFactory(email="member@housing.example", agency=housing)


@pytest.fixture
def other_member():
    return AgencyStaffFactory(email="member@elsewhere.example", agency=AgencyFactory(name="Elsewhere"))


PEOPLE = {
    "coordinator": 200,
    "co_chair": 200,
    "housing_lead": 403,  # invited agency's lead
    "housing_member": 403,
    "fire_lead": 403,  # invited only for this item
    "other_member": 403,  # an agency with nothing to do with the case
    "police_referrer": 403,
    "auditor": 403,
    "administrator": 403,
}


@pytest.mark.parametrize("page", ["item", "invitation"])
@pytest.mark.parametrize("person", [*sorted(PEOPLE), None])
def test_only_the_chairs_open_the_confirmations(page, person, item, fire, request, as_user) -> None:
    address = remove_url(item) if page == "item" else uninvite_url(item, fire)
    client = as_user(request.getfixturevalue(person) if person else None)
    response = client.get(address)
    if person is None:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == PEOPLE[person]
    # Chairs are told the stale confirmation changed nothing; everyone else is refused.
    posted = client.post(address, {"revision": 0, "invited": "", "invitation": 0})
    assert posted.status_code == (302 if person is None else PEOPLE[person])
    assert AgendaItem.objects.filter(pk=item.pk).exists()
    assert item.invitations.count() == 2


def test_an_item_of_another_meeting_or_an_agency_not_invited_is_not_found(item, police, co_chair, as_user) -> None:
    other = MeetingFactory(starts_at=datetime(2030, 4, 11, 10, tzinfo=LONDON))
    client = as_user(co_chair)
    assert client.get(reverse("meetings:item-remove", args=[other.pk, item.pk])).status_code == 404
    assert client.get(uninvite_url(item, police)).status_code == 404


# --- Removing an item ----------------------------------------------------------------------------


def test_the_confirmation_says_which_invitations_go_and_who_loses_the_case(item, co_chair, as_user) -> None:
    response = as_user(co_chair).get(remove_url(item))
    page = text(response)
    question = f"Remove {item.case.reference} from the agenda of 14 March 2030?"
    assert f"<title>{question}" in page
    assert f">{question}</h1>" in page
    assert f"Fire Brigade: invited only for this item, it will no longer see {item.case.reference}" in page
    assert f"Council Housing: keeps access to {item.case.reference} (lead agency)" in page
    assert AgendaItem.objects.filter(pk=item.pk).exists()  # nothing removed on a GET
    entry = LogEntry.objects.get(actor=co_chair, additional_data__what="Removing an agenda item")
    assert (entry.action, entry.additional_data["case"]) == (LogEntry.Action.ACCESS, item.case.reference)


def test_confirming_removes_the_item_and_its_invitations(item, fire, housing, fire_lead, co_chair, as_user) -> None:
    case_url = item.case.get_absolute_url()
    assert as_user(fire_lead).get(case_url).status_code == 200
    client = as_user(co_chair)
    response = client.post(remove_url(item), {"revision": item.revision, "invited": f"{housing.pk},{fire.pk}"})
    assert response.status_code == 302
    assert f"{item.case.reference} removed from the agenda" in text(client.get(response["Location"]))
    assert not AgendaItem.objects.filter(pk=item.pk).exists()
    assert not AgendaInvitation.objects.filter(item_id=item.pk).exists()
    assert as_user(fire_lead).get(case_url).status_code == 404
    assert item.case.events.filter(kind="removed-from-agenda").exists()


def test_a_confirmation_made_before_someone_invited_another_agency_removes_nothing(
    item, fire, housing, police, co_chair, as_user
) -> None:
    client = as_user(co_chair)
    client.get(remove_url(item))
    services.invite_agency_to_item(item=item, agency=police, by=co_chair)  # meanwhile
    response = client.post(remove_url(item), {"revision": item.revision, "invited": f"{housing.pk},{fire.pk}"})
    assert response.status_code == 200
    page = text(response)
    assert "govuk-error-summary" in page
    assert "The agencies invited to this item changed while you were looking" in page
    assert "Partnership Policing Team: keeps access" in page  # shown as it is now
    assert AgendaItem.objects.filter(pk=item.pk).exists()
    assert item.invitations.count() == 3


def test_a_stale_revision_or_bad_input_removes_nothing(item, fire, housing, co_chair, as_user) -> None:
    client = as_user(co_chair)
    services.agenda_item_update(item=item, item_type="new", minutes_allotted=20, revision=item.revision)
    response = client.post(remove_url(item), {"revision": 0, "invited": f"{housing.pk},{fire.pk}"})
    assert "Someone else saved changes here" in text(response)
    response = client.post(remove_url(item), {"revision": "x", "invited": "y"})
    assert response.status_code == 200
    assert "govuk-error-summary" in text(response)
    assert AgendaItem.objects.filter(pk=item.pk).exists()


def test_a_locked_meeting_offers_no_removal_and_refuses_one(item, fire, housing, co_chair, as_user) -> None:
    meeting = moved_to_the_past(item.meeting)
    services.confidentiality_confirm(meeting=meeting, by=co_chair)
    services.minutes_circulate(meeting=meeting, by=co_chair)
    services.minutes_approve(meeting=meeting, by=co_chair)
    client = as_user(co_chair)
    for address, data in (
        (remove_url(item), {"revision": item.revision, "invited": f"{housing.pk},{fire.pk}"}),
        (uninvite_url(item, fire), {"invitation": item.invitations.get(agency=fire).pk}),
    ):
        page = text(client.get(address))
        assert "This meeting&#x27;s agenda can no longer be changed." in page
        assert "Yes, remove" not in page
        response = client.post(address, data)
        assert response.status_code == 200
        assert "govuk-error-summary" in text(response)
    assert AgendaItem.objects.filter(pk=item.pk).exists()
    assert item.invitations.count() == 2


# --- Removing an invitation ----------------------------------------------------------------------


def test_removing_an_invitation_says_what_access_goes(item, fire, housing, co_chair, as_user) -> None:
    client = as_user(co_chair)
    fire_page = text(client.get(uninvite_url(item, fire)))
    assert f"Remove the invitation to Fire Brigade for {item.case.reference}?" in fire_page
    assert f"its people will no longer see {item.case.reference}" in fire_page
    housing_page = text(client.get(uninvite_url(item, housing)))
    assert f"Council Housing keeps access to {item.case.reference}: lead agency." in housing_page
    assert item.invitations.count() == 2  # nothing removed on a GET


def test_confirming_removes_the_invitation_and_the_access(item, fire, fire_lead, co_chair, as_user) -> None:
    client = as_user(co_chair)
    invitation = item.invitations.get(agency=fire)
    response = client.post(uninvite_url(item, fire), {"invitation": invitation.pk})
    assert response.status_code == 302
    assert f"Invitation to Fire Brigade for {item.case.reference} removed" in text(client.get(response["Location"]))
    assert not item.invitations.filter(agency=fire).exists()
    assert as_user(fire_lead).get(item.case.get_absolute_url()).status_code == 404


def test_an_invitation_removed_and_made_again_meanwhile_is_not_removed(item, fire, co_chair, as_user) -> None:
    client = as_user(co_chair)
    shown = item.invitations.get(agency=fire).pk
    services.uninvite_agency_from_item(item=item, agency=fire, by=co_chair)
    services.invite_agency_to_item(item=item, agency=fire, by=co_chair)
    response = client.post(uninvite_url(item, fire), {"invitation": shown})
    assert response.status_code == 200
    assert "The invitation to Fire Brigade changed while you were looking" in text(response)
    assert item.invitations.filter(agency=fire).exists()


def test_the_builder_links_to_the_confirmations_and_no_longer_removes_by_one_click(
    item, fire, co_chair, as_user
) -> None:
    client = as_user(co_chair)
    builder = text(client.get(reverse("meetings:agenda", args=[item.meeting_id])))
    assert f'href="{remove_url(item)}"' in builder
    assert f'href="{uninvite_url(item, fire)}"' in builder
    response = client.post(reverse("meetings:agenda", args=[item.meeting_id]), {"action": "remove", "item": item.pk})
    assert response.status_code == 400
    response = client.post(
        reverse("meetings:agenda", args=[item.meeting_id]), {"action": "uninvite", "item": item.pk, "agency": fire.pk}
    )
    assert response.status_code == 400
    assert AgendaItem.objects.filter(pk=item.pk).exists()
    assert item.invitations.count() == 2


# --- Queries -------------------------------------------------------------------------------------

# session, user (with their agency), OTP device, role groups, the meeting, the item (with case and
# leads), its invitations (with agencies), the other reasons of the invited agencies, the shared
# information count, the audit entry; session save (savepoint, update, release)
REMOVE_PAGE_QUERIES = 13


@pytest.mark.parametrize("count", [1, 8])
def test_the_confirmation_takes_the_same_queries_however_many_invitations(
    count, housing_case, co_chair, as_user, django_assert_num_queries
) -> None:
    meeting = MeetingFactory(starts_at=datetime(2030, 3, 14, 10, tzinfo=LONDON))
    added = services.agenda_add_item(meeting=meeting, case=housing_case, item_type="review", by=co_chair)
    for number in range(count):
        services.invite_agency_to_item(item=added, agency=AgencyFactory(name=f"Agency {number}"), by=co_chair)
    client = as_user(co_chair)
    client.get(remove_url(added))
    with django_assert_num_queries(REMOVE_PAGE_QUERIES):
        response = client.get(remove_url(added))
    assert len(response.context["going"]) == count
