"""The coordinator makes a pack for a co-chair or an invited agency's lead or deputy: the
recipient's need to know and markings apply, it is audited as made by the coordinator for that
person, and only the recipient and that coordinator (while they may see every item) reach it."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from cmarac.accounts.roles import Role
from meetings import services
from meetings.models import MeetingPack
from meetings.packs import pack_read
from tests.factories.accounts import AgencyFactory, AgencyStaffFactory, CoChairFactory, CoordinatorFactory
from tests.factories.cases import CaseFactory
from tests.factories.meetings import MeetingFactory
from tests.second_factor import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def agenda(co_chair, housing, police, settings, tmp_path):
    """Housing is invited to the first case, police to the second; fire to nothing."""
    settings.PRIVATE_FILES_DIR = tmp_path / "private"
    meeting = MeetingFactory()
    cases = [CaseFactory() for _ in range(2)]
    items = [services.agenda_add_item(meeting=meeting, case=c, item_type="new", by=co_chair) for c in cases]
    services.invite_agency_to_item(item=items[0], agency=housing, by=co_chair)
    services.invite_agency_to_item(item=items[1], agency=police, by=co_chair)
    return meeting, cases


@pytest.fixture
def housing_member(housing):
    return AgencyStaffFactory(full_name="Morgan Member", agency=housing)


def page_url(meeting) -> str:
    return reverse("meetings:pack-for-someone", args=[meeting.pk])


def make(client, meeting, recipient, capture, kind="pack"):
    with capture(execute=True):
        return client.post(page_url(meeting), {"recipient": recipient.pk, "kind": kind})


def test_the_coordinator_sees_whom_they_may_make_a_pack_for(
    agenda, coordinator, co_chair, housing_lead, housing_deputy, housing_member, fire_lead, police_referrer
) -> None:
    meeting, _ = agenda
    page = signed_in(coordinator).get(page_url(meeting)).content.decode()
    assert "Make a pack for someone" in page
    for person in (co_chair, housing_lead, housing_deputy):
        assert f'value="{person.pk}"' in page, person.full_name
    for person in (housing_member, fire_lead, police_referrer, coordinator):
        assert f'value="{person.pk}"' not in page, person.full_name  # not a lead, or not invited
    assert "Chris Chair, co-chair" in page
    assert "Harper Housing, lead, Council Housing" in page
    assert "Dana Deputy, deputy, Council Housing" in page


@pytest.mark.parametrize("role", ["co_chair", "housing_lead", "housing_member", "fire_lead", "police_referrer",
                                  "auditor", "administrator"])  # fmt: skip
def test_nobody_but_the_coordinator_may_make_a_pack_for_someone(role, request, agenda, housing_lead) -> None:
    meeting, _ = agenda
    client = signed_in(request.getfixturevalue(role))
    assert client.get(page_url(meeting)).status_code == 403
    assert client.post(page_url(meeting), {"recipient": housing_lead.pk, "kind": "pack"}).status_code == 403
    assert not MeetingPack.objects.exists()


def test_signed_out_people_are_sent_to_sign_in(agenda, client) -> None:
    meeting, _ = agenda
    response = client.get(page_url(meeting))
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


def test_a_pack_made_for_an_agency_lead_holds_what_they_may_see_and_names_them(
    agenda, coordinator, housing_lead, django_capture_on_commit_callbacks
) -> None:
    from auditlog.models import LogEntry

    meeting, cases = agenda
    response = make(signed_in(coordinator), meeting, housing_lead, django_capture_on_commit_callbacks)
    pack = MeetingPack.objects.get()
    assert response["Location"] == reverse("meetings:pack", args=[pack.pk])
    assert (pack.recipient, pack.made_by, pack.status) == (housing_lead, coordinator, "ready")
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(pack_read(pack))).pages]
    text = "\n".join(pages)
    assert cases[0].reference in text
    assert cases[1].reference not in text  # the housing lead's need to know, not the coordinator's
    assert "Only the agenda items your agency is invited to (1)" in text
    for page in (" ".join(page.split()) for page in pages):  # the margin line may wrap
        assert "Prepared for Harper Housing, Council Housing" in page
        assert "by Casey Coordinator (coordinator)" in page
    # Audited as made by the coordinator for that person.
    made = LogEntry.objects.get(additional_data__pack=str(pack.pk), action=LogEntry.Action.CREATE)
    assert made.actor == coordinator
    assert made.additional_data["recipient"] == str(housing_lead.pk)
    assert made.additional_data["made_by"] == str(coordinator.pk)


def test_a_pack_made_for_a_co_chair_holds_every_item(
    agenda, coordinator, co_chair, django_capture_on_commit_callbacks
) -> None:
    meeting, cases = agenda
    make(signed_in(coordinator), meeting, co_chair, django_capture_on_commit_callbacks)
    pack = MeetingPack.objects.get()
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pack_read(pack))).pages)
    assert all(case.reference in text for case in cases)
    assert "Prepared for Chris Chair" in text


def test_who_can_see_and_download_a_pack_made_for_someone(
    agenda, coordinator, co_chair, housing_lead, housing_deputy, housing_member, fire_lead, police_referrer,
    auditor, administrator, django_capture_on_commit_callbacks,
) -> None:  # fmt: skip
    meeting, _ = agenda
    make(signed_in(coordinator), meeting, housing_lead, django_capture_on_commit_callbacks)
    pack = MeetingPack.objects.get()
    status, download = reverse("meetings:pack", args=[pack.pk]), reverse("meetings:pack-download", args=[pack.pk])

    # The recipient: told who made it for them, and downloads it.
    client = signed_in(housing_lead)
    page = client.get(status).content.decode()
    assert "the coordinator, Casey Coordinator, asked for it for you" in page
    assert client.get(download).status_code == 200
    # The coordinator who made it (who may see every item): sees it and downloads it.
    client = signed_in(coordinator)
    page = client.get(status).content.decode()
    assert "You made this meeting pack for Harper Housing" in page
    assert client.get(status, {"format": "json"}).json()["download"] == download
    assert client.get(download).status_code == 200
    # Anyone else, another coordinator and the co-chair included: 404, as for a pack that does not exist.
    other_coordinator = CoordinatorFactory()
    for person in (other_coordinator, co_chair, housing_deputy, housing_member, fire_lead, police_referrer, auditor,
                   administrator):  # fmt: skip
        client = signed_in(person)
        assert client.get(status).status_code == 404, person.full_name
        assert client.get(download).status_code == 404, person.full_name


def test_the_maker_who_may_no_longer_see_every_item_cannot_download(
    agenda, coordinator, housing_lead, django_capture_on_commit_callbacks
) -> None:
    """Safest: the coordinator downloads only while they may see everything in it."""
    meeting, _ = agenda
    make(signed_in(coordinator), meeting, housing_lead, django_capture_on_commit_callbacks)
    pack = MeetingPack.objects.get()
    coordinator.groups.remove(coordinator.groups.get(name=Role.COORDINATOR.group_name))
    client = signed_in(coordinator)
    assert client.get(reverse("meetings:pack-download", args=[pack.pk])).status_code == 404
    assert client.get(reverse("meetings:pack", args=[pack.pk]), {"format": "json"}).json()["download"] is None
    assert signed_in(housing_lead).get(reverse("meetings:pack-download", args=[pack.pk])).status_code == 200


def test_only_co_chairs_and_invited_leads_and_deputies_can_be_chosen(
    agenda, coordinator, fire_lead, housing_member, police_referrer
) -> None:
    meeting, _ = agenda
    client = signed_in(coordinator)
    for person in (fire_lead, housing_member, police_referrer):
        response = client.post(page_url(meeting), {"recipient": person.pk, "kind": "pack"})
        assert response.status_code == 200
        assert "govuk-error-summary" in response.content.decode()
        assert "Select who the pack is for" in response.content.decode()
    assert not MeetingPack.objects.exists()


def test_bad_input_is_refused_with_an_error_summary(agenda, coordinator, housing_lead) -> None:
    meeting, _ = agenda
    client = signed_in(coordinator)
    for data in ({}, {"recipient": "x", "kind": "pack"}, {"recipient": housing_lead.pk, "kind": "minutes"}):
        page = client.post(page_url(meeting), data).content.decode()
        assert "govuk-error-summary" in page, data
    assert not MeetingPack.objects.exists()  # minutes only once the meeting is held


def test_the_meeting_page_links_the_coordinator_to_it(agenda, coordinator, co_chair) -> None:
    meeting, _ = agenda
    link = page_url(meeting)
    assert link in signed_in(coordinator).get(meeting.get_absolute_url()).content.decode()
    assert link not in signed_in(co_chair).get(meeting.get_absolute_url()).content.decode()


@pytest.mark.parametrize("agencies", [1, 6])
def test_the_page_costs_the_same_whatever_the_number_of_people(
    agencies, agenda, coordinator, co_chair, django_assert_num_queries
) -> None:
    meeting, cases = agenda
    for _ in range(agencies):
        agency = AgencyFactory()
        agency.lead = AgencyStaffFactory(agency=agency)
        agency.deputy = AgencyStaffFactory(agency=agency)
        agency.save(update_fields=["lead", "deputy"])
        services.invite_agency_to_item(item=meeting.items.get(case=cases[0]), agency=agency, by=co_chair)
        CoChairFactory()
    client = signed_in(coordinator)
    # session, the user (with their agency), second-factor device, their roles, the meeting, the
    # people who may be chosen (with their agencies), who gets a pack for the whole meeting, the
    # packs this coordinator made for this meeting; then the session saved (savepoint, update,
    # release)
    with django_assert_num_queries(11):
        response = client.get(page_url(meeting))
    assert response.status_code == 200
