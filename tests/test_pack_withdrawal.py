"""Access withdrawn means access withdrawn, packs included: when an agency's last reason to see a
case goes, or its invitation to an item, its people's packs that hold it are withdrawn at once, in
the same transaction, and their files deleted once it commits."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.urls import reverse

from cmarac.cases import services as case_services
from cmarac.cases.models import CaseInvolvement
from meetings import services
from meetings.models import AgendaItem, MeetingPack
from meetings.packs import pack_build
from tests.factories.accounts import AgencyStaffFactory, CoChairFactory
from tests.factories.cases import CaseFactory
from tests.factories.meetings import MeetingFactory
from tests.private_files import stored

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def agenda(co_chair, housing, fire, settings, tmp_path):
    """Two cases: housing is invited to the first, fire to the second."""
    settings.PRIVATE_FILES_DIR = tmp_path / "private"
    meeting = MeetingFactory()
    items = [
        services.agenda_add_item(meeting=meeting, case=CaseFactory(), item_type="new", by=co_chair) for _ in range(2)
    ]
    services.invite_agency_to_item(item=items[0], agency=housing, by=co_chair)
    services.invite_agency_to_item(item=items[1], agency=fire, by=co_chair)
    return meeting, items


def build(meeting, person) -> MeetingPack:
    pack = MeetingPack.objects.create(meeting=meeting, kind="pack", recipient=person)
    return pack_build(str(pack.pk), now=datetime(2026, 12, 1, 9, 30, tzinfo=LONDON))


def test_removing_an_invitation_withdraws_the_agencys_packs_at_once(
    agenda, co_chair, housing, housing_lead, fire_lead, as_user, django_capture_on_commit_callbacks
) -> None:
    meeting, items = agenda
    pack, fire_pack, chair_pack = build(meeting, housing_lead), build(meeting, fire_lead), build(meeting, co_chair)
    assert stored(pack)
    with django_capture_on_commit_callbacks(execute=True):
        services.uninvite_agency_from_item(item=items[0], agency=housing, by=co_chair)
    pack.refresh_from_db()
    assert (pack.status, pack.withdrawn_reason) == ("withdrawn", "access-ended")
    assert pack.withdrawn_at is not None
    assert not stored(pack)
    # Nobody else's pack is touched: another agency's, and the co-chair's (who sees every case).
    for other in (fire_pack, chair_pack):
        other.refresh_from_db()
        assert other.status == "ready"
        assert stored(other)

    client = as_user(housing_lead)
    page = client.get(reverse("meetings:pack", args=[pack.pk])).content.decode()
    assert "withdrawn" in page
    assert "your agency's access to a case in it has ended" in page
    assert '<p class="govuk-body" data-pack-download hidden>' in page
    assert client.get(reverse("meetings:pack-download", args=[pack.pk])).status_code == 404
    assert client.get(reverse("meetings:pack", args=[pack.pk]), {"format": "json"}).json()["download"] is None


def test_an_invitation_removed_while_the_agency_keeps_the_case_still_withdraws_the_pack(
    agenda, co_chair, housing, housing_lead, django_capture_on_commit_callbacks
) -> None:
    """Housing stays involved in the case (it is its lead agency), but no longer sees the item."""
    meeting, items = agenda
    case_services.case_set_lead(case=items[0].case, agency=housing, officer=None, by=co_chair)
    pack = build(meeting, housing_lead)
    with django_capture_on_commit_callbacks(execute=True):
        services.uninvite_agency_from_item(item=items[0], agency=housing, by=co_chair)
    pack.refresh_from_db()
    assert (pack.status, pack.withdrawn_reason) == ("withdrawn", "invitation-removed")
    assert not stored(pack)


def test_the_last_reason_going_through_the_case_service_withdraws_the_pack(
    agenda, co_chair, housing, housing_lead, django_capture_on_commit_callbacks
) -> None:
    """The case app tells the meetings app through its hooks, without importing it."""
    meeting, items = agenda
    pack = build(meeting, housing_lead)
    with django_capture_on_commit_callbacks(execute=True):
        still = case_services.withdraw_agency(
            case=items[0].case, agency=housing, reason=CaseInvolvement.Reason.INVITED,
            source=items[0].involvement_source, by=co_chair,
        )  # fmt: skip
    assert still is False
    pack.refresh_from_db()
    assert (pack.status, pack.withdrawn_reason) == ("withdrawn", "access-ended")
    assert not stored(pack)


def test_an_agency_that_keeps_another_reason_keeps_its_pack(agenda, co_chair, housing, housing_lead) -> None:
    meeting, items = agenda
    case_services.case_set_lead(case=items[0].case, agency=housing, officer=None, by=co_chair)
    pack = build(meeting, housing_lead)
    case_services.case_set_lead(case=items[0].case, agency=None, officer=None, by=co_chair)  # one reason goes
    pack.refresh_from_db()
    assert pack.status == "ready"


def test_a_co_chair_who_works_for_the_agency_keeps_their_pack(agenda, co_chair, housing) -> None:
    meeting, items = agenda
    chair_at_housing = CoChairFactory(agency=housing)
    pack = build(meeting, chair_at_housing)
    services.uninvite_agency_from_item(item=items[0], agency=housing, by=co_chair)
    pack.refresh_from_db()
    assert pack.status == "ready"


def test_every_person_of_the_agency_loses_their_pack(agenda, co_chair, housing, housing_lead) -> None:
    meeting, items = agenda
    deputy = AgencyStaffFactory(agency=housing)
    housing.deputy = deputy
    housing.save(update_fields=["deputy"])
    packs = [build(meeting, housing_lead), build(meeting, deputy)]
    services.uninvite_agency_from_item(item=items[0], agency=housing, by=co_chair)
    assert {pack.status for pack in MeetingPack.objects.filter(pk__in=[p.pk for p in packs])} == {"withdrawn"}


def test_the_withdrawal_is_part_of_the_change_and_rolls_back_with_it(
    agenda, co_chair, housing, housing_lead, django_capture_on_commit_callbacks
) -> None:
    meeting, items = agenda
    pack = build(meeting, housing_lead)

    def change_that_fails() -> None:
        with transaction.atomic():
            services.uninvite_agency_from_item(item=items[0], agency=housing, by=co_chair)
            raise RuntimeError("the change failed")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        change_that_fails()
    pack.refresh_from_db()
    assert pack.status == "ready"
    assert stored(pack)  # deleted only once the withdrawal commits
    assert AgendaItem.objects.get(pk=items[0].pk).invitations.filter(agency=housing).exists()


def test_the_withdrawal_is_in_the_audit_trail_without_content(agenda, co_chair, housing, housing_lead) -> None:
    from auditlog.models import LogEntry

    meeting, items = agenda
    pack = build(meeting, housing_lead)
    services.uninvite_agency_from_item(item=items[0], agency=housing, by=co_chair)
    entry = LogEntry.objects.filter(additional_data__pack=str(pack.pk), action=LogEntry.Action.UPDATE).latest("pk")
    assert "withdrawn" in str(entry.changes)
    assert "access-ended" in str(entry.changes)


def test_a_withdrawn_file_left_behind_is_deleted_by_the_sweeper(agenda, co_chair, housing, housing_lead) -> None:
    """If the process stops between the commit and the file's deletion, the sweeper deletes it."""
    from meetings.packs import packs_remove_expired

    meeting, items = agenda
    pack = build(meeting, housing_lead)
    services.uninvite_agency_from_item(item=items[0], agency=housing, by=co_chair)  # on-commit never runs here
    assert stored(pack)
    packs_remove_expired()
    assert not stored(pack)
