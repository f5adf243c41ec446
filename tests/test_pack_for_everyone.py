"""The coordinator makes the meeting pack for everyone at once: every co-chair and the lead (the
deputy where there is no lead) of every invited agency. One task builds them all, laying out each
distinct section once; each pack holds what its recipient may see, the same text as the pack
made for that person alone, and becomes ready or failed on its own. ADR 0037."""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cmarac.outbox.models import OutboxMessage
from meetings import printing, services
from meetings.models import MeetingPack
from meetings.pack_batch import meeting_pack_recipients, packs_build, packs_request_for_meeting
from meetings.packs import pack_build
from tests.factories.accounts import AgencyFactory, AgencyStaffFactory
from tests.factories.cases import CaseFactory
from tests.factories.meetings import MeetingFactory
from tests.private_files import pdf_copy, stored
from tests.second_factor import signed_in
from tests.services import require

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
MADE_AT = datetime(2026, 12, 1, 9, 30, tzinfo=LONDON)


@pytest.fixture
def police_lead(police):
    lead = AgencyStaffFactory(email="lead@police.example", full_name="Pat Police", agency=police)
    police.lead = lead
    police.save(update_fields=["lead"])
    return lead


@pytest.fixture
def probation_deputy():
    """An agency with a deputy and no lead."""
    probation = AgencyFactory(name="Probation Service", short_name="probation")
    deputy = AgencyStaffFactory(full_name="Quinn Probation", agency=probation)
    probation.deputy = deputy
    probation.save(update_fields=["deputy"])
    return deputy


@pytest.fixture
def agenda(co_chair, housing, police, police_lead, housing_lead, housing_deputy, probation_deputy, settings, tmp_path):
    """Housing is invited to the first case, police to the first and second, probation to the
    third; fire to nothing."""
    settings.PRIVATE_FILES_DIR = tmp_path / "private"
    meeting = MeetingFactory(starts_at=datetime(2026, 12, 10, 10, tzinfo=LONDON))
    cases = [CaseFactory(summary=f"Summary of case {n}. " * 20) for n in range(3)]
    items = [services.agenda_add_item(meeting=meeting, case=c, item_type="new", by=co_chair) for c in cases]
    services.invite_agency_to_item(item=items[0], agency=housing, by=co_chair)
    services.invite_agency_to_item(item=items[0], agency=police, by=co_chair)
    services.invite_agency_to_item(item=items[1], agency=police, by=co_chair)
    services.invite_agency_to_item(item=items[2], agency=probation_deputy.agency, by=co_chair)
    return meeting, cases


def page_url(meeting) -> str:
    return reverse("meetings:pack-for-someone", args=[meeting.pk])


def everyone_url(meeting) -> str:
    return reverse("meetings:packs-for-everyone", args=[meeting.pk])


def pdf_pages(path) -> list[str]:
    text = subprocess.run(  # noqa: S603 - poppler's own tool, on a file this test made
        [shutil.which("pdftotext") or "pdftotext", "-layout", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return text.split("\f")[:-1]


def test_who_gets_a_pack_for_the_whole_meeting(
    agenda, co_chair, housing_lead, housing_deputy, police_lead, probation_deputy, fire_lead, police_referrer
) -> None:
    meeting, _ = agenda
    assert meeting_pack_recipients(meeting) == [co_chair, housing_lead, police_lead, probation_deputy]  # by name
    # Not the housing deputy (housing has a lead), not fire (not invited), not a referrer.
    assert housing_deputy not in meeting_pack_recipients(meeting)
    assert fire_lead not in meeting_pack_recipients(meeting)


def test_an_agency_whose_lead_has_left_gets_its_deputys_pack(agenda, housing_lead, housing_deputy) -> None:
    meeting, _ = agenda
    housing_lead.is_active = False
    housing_lead.save(update_fields=["is_active"])
    people = meeting_pack_recipients(meeting)
    assert housing_deputy in people
    assert housing_lead not in people


def test_the_coordinator_is_told_who_gets_one_before_making_them(agenda, coordinator) -> None:
    meeting, _ = agenda
    page = signed_in(coordinator).get(page_url(meeting)).content.decode()
    assert "Packs for the whole meeting" in page
    assert "4 packs will be made, for:" in page
    labels = ("Chris Chair, co-chair", "Harper Housing, lead, Council Housing",
              "Pat Police, lead, Partnership Policing Team", "Quinn Probation, deputy, Probation Service")  # fmt: skip
    for label in labels:
        assert f"<li>{label}</li>" in page
    assert "<li>Dana Deputy" not in page
    assert f'action="{everyone_url(meeting)}"' in page
    assert "Make 4 packs for the whole meeting" in page


def test_the_coordinator_makes_them_in_one_step_with_one_task_of_ids(
    agenda, coordinator, co_chair, housing_lead, police_lead, probation_deputy
) -> None:
    meeting, _ = agenda
    response = signed_in(coordinator).post(everyone_url(meeting))
    assert response.status_code == 302
    assert response["Location"] == page_url(meeting)
    packs = list(MeetingPack.objects.order_by("recipient__full_name"))
    assert [pack.recipient for pack in packs] == [co_chair, housing_lead, police_lead, probation_deputy]
    assert {(pack.kind, pack.made_by, pack.status) for pack in packs} == {("pack", coordinator, "queued")}
    message = OutboxMessage.objects.get()  # one task for them all, with the packs' ids only
    assert message.task == "meetings.build_packs"
    assert sorted(message.args) == sorted(str(pack.pk) for pack in packs)


def test_a_large_meeting_is_split_into_tasks_that_each_make_a_few(
    agenda, coordinator, settings, django_capture_on_commit_callbacks
) -> None:
    settings.PACK_BATCH_SIZE = 3
    meeting, _ = agenda
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(coordinator).post(everyone_url(meeting))
    messages = list(OutboxMessage.objects.order_by("pk"))
    assert [len(message.args) for message in messages] == [3, 1]  # four packs, at most three a task
    ids = [pack_id for message in messages for pack_id in message.args]
    assert sorted(ids) == sorted(str(pk) for pk in MeetingPack.objects.values_list("pk", flat=True))
    assert set(MeetingPack.objects.values_list("status", flat=True)) == {"ready"}


def test_each_pack_becomes_ready_and_the_page_lists_them_with_their_status(
    agenda, coordinator, django_capture_on_commit_callbacks
) -> None:
    meeting, _ = agenda
    client = signed_in(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(everyone_url(meeting), follow=True)
    assert "4 meeting packs are being made" in response.content.decode()
    page = client.get(page_url(meeting)).content.decode()
    assert set(MeetingPack.objects.values_list("status", flat=True)) == {"ready"}
    for pack in MeetingPack.objects.select_related("recipient"):
        assert reverse("meetings:pack", args=[pack.pk]) in page
        assert stored(pack)
    assert page.count(">Ready</td>") == 4


@pytest.mark.parametrize("role", ["co_chair", "housing_lead", "fire_lead", "police_referrer", "auditor",
                                  "administrator"])  # fmt: skip
def test_nobody_but_the_coordinator_may_make_them(role, request, agenda) -> None:
    meeting, _ = agenda
    assert signed_in(request.getfixturevalue(role)).post(everyone_url(meeting)).status_code == 403
    assert not MeetingPack.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_signed_out_people_are_sent_to_sign_in_and_get_is_refused(agenda, client, coordinator) -> None:
    meeting, _ = agenda
    response = client.post(everyone_url(meeting))
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")
    assert signed_in(coordinator).get(everyone_url(meeting)).status_code == 405
    assert (
        signed_in(coordinator).post(reverse("meetings:packs-for-everyone", args=[meeting.pk + 999])).status_code == 404
    )
    assert not MeetingPack.objects.exists()


def test_a_meeting_with_nobody_to_make_a_pack_for_says_so(coordinator, settings, tmp_path) -> None:
    meeting = MeetingFactory()
    response = signed_in(coordinator).post(everyone_url(meeting), follow=True)
    assert "There is nobody to make a pack for yet." in response.content.decode()
    assert not MeetingPack.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_the_packs_hold_the_same_text_as_packs_made_one_by_one(agenda, coordinator, settings) -> None:
    require(shutil.which("pdftotext"), "pdftotext (poppler-utils)")
    settings.PACK_RENDER_PROCESSES = 2
    meeting, _ = agenda
    together = packs_request_for_meeting(meeting=meeting, by=coordinator)
    packs_build([str(pack.pk) for pack in together], now=MADE_AT)
    for pack in together:
        pack.refresh_from_db()
        alone = MeetingPack.objects.create(meeting=meeting, kind="pack", recipient=pack.recipient, made_by=coordinator)
        alone = pack_build(str(alone.pk), now=MADE_AT)
        assert (pack.status, alone.status) == ("ready", "ready")
        assert (pack.pages, pack.item_ids) == (alone.pages, alone.item_ids)
        assert pdf_pages(pdf_copy(pack)) == pdf_pages(pdf_copy(alone)), pack.recipient.full_name


def test_an_agency_leads_pack_holds_no_other_agencys_case(agenda, coordinator, housing_lead, probation_deputy) -> None:
    require(shutil.which("pdftotext"), "pdftotext (poppler-utils)")
    meeting, cases = agenda
    packs = packs_request_for_meeting(meeting=meeting, by=coordinator)
    packs_build([str(pack.pk) for pack in packs], now=MADE_AT)
    by_recipient = {pack.recipient: MeetingPack.objects.get(pk=pack.pk) for pack in packs}
    housing_text = "\n".join(pdf_pages(pdf_copy(by_recipient[housing_lead])))
    assert cases[0].reference in housing_text
    assert cases[1].reference not in housing_text
    assert cases[2].reference not in housing_text
    assert "Prepared for Harper Housing" in housing_text
    probation_text = "\n".join(pdf_pages(pdf_copy(by_recipient[probation_deputy])))
    assert cases[2].reference in probation_text
    assert cases[0].reference not in probation_text
    assert cases[1].reference not in probation_text
    assert by_recipient[housing_lead].item_ids == [meeting.items.get(case=cases[0]).pk]


def test_each_shared_section_is_laid_out_once(agenda, coordinator, settings, monkeypatch) -> None:
    settings.PACK_RENDER_PROCESSES = 1  # laid out here, where the layouts can be counted
    meeting, cases = agenda
    item = meeting.items.get(case=cases[0])  # in the co-chair's, the housing lead's and the police lead's packs
    laid_out: list[str] = []
    real_layout = printing.layout

    def counting(html: str) -> object:
        laid_out.append(html)
        return real_layout(html)

    monkeypatch.setattr(printing, "layout", counting)
    packs = packs_request_for_meeting(meeting=meeting, by=coordinator)
    packs_build([str(pack.pk) for pack in packs], now=MADE_AT)
    assert set(MeetingPack.objects.values_list("status", flat=True)) == {"ready"}
    assert sum(f'id="item-{item.pk}"' in html for html in laid_out) == 1
    assert sum('id="action-log"' in html for html in laid_out) <= len(packs)


def test_packs_of_one_page_count_share_their_page_numbers(agenda, coordinator, settings, monkeypatch) -> None:
    """The page-number layer depends on the page count alone: packs of the same length (here the
    three agency leads', one item each) have theirs laid out once."""
    settings.PACK_RENDER_PROCESSES = 1  # laid out here, where the layouts can be counted
    meeting, _ = agenda
    numbered: list[str] = []
    real_layout = printing.layout

    def counting(html: str) -> object:
        if "<title>Page numbers</title>" in html:
            numbered.append(html)
        return real_layout(html)

    monkeypatch.setattr(printing, "layout", counting)
    packs = packs_request_for_meeting(meeting=meeting, by=coordinator)
    packs_build([str(pack.pk) for pack in packs], now=MADE_AT)
    built = MeetingPack.objects.filter(pk__in=[pack.pk for pack in packs])
    assert set(built.values_list("status", flat=True)) == {"ready"}
    page_counts = set(built.values_list("pages", flat=True))
    assert len(page_counts) < len(packs)
    assert len(numbered) == len(set(numbered)) == len(page_counts)


def test_a_pack_that_fails_fails_on_its_own(agenda, coordinator, housing_lead, monkeypatch) -> None:
    from meetings import pack_batch

    meeting, _ = agenda
    real_context = pack_batch.pack_context

    def failing(pack, now):
        if pack.recipient == housing_lead:
            raise ValueError("this one")
        return real_context(pack, now)

    monkeypatch.setattr(pack_batch, "pack_context", failing)
    packs = packs_request_for_meeting(meeting=meeting, by=coordinator)
    packs_build([str(pack.pk) for pack in packs], now=MADE_AT)
    statuses = dict(MeetingPack.objects.values_list("recipient__full_name", "status"))
    assert statuses == {"Chris Chair": "ready", "Harper Housing": "failed", "Pat Police": "ready",
                        "Quinn Probation": "ready"}  # fmt: skip
    assert not stored(MeetingPack.objects.get(recipient=housing_lead))


def test_the_batch_queries_grow_by_a_fixed_amount_per_recipient(agenda, coordinator, co_chair, settings) -> None:
    """More recipients of the same kind cost the same number of queries each, and no more."""
    settings.PACK_RENDER_PROCESSES = 1
    meeting, cases = agenda
    item = meeting.items.get(case=cases[1])
    counts = []
    for _ in range(3):
        agency = AgencyFactory()
        agency.lead = AgencyStaffFactory(agency=agency)
        agency.save(update_fields=["lead"])
        services.invite_agency_to_item(item=item, agency=agency, by=co_chair)
        MeetingPack.objects.all().delete()
        packs = packs_request_for_meeting(meeting=meeting, by=coordinator)
        with CaptureQueriesContext(connection) as queries:
            packs_build([str(pack.pk) for pack in packs], now=MADE_AT)
        assert set(MeetingPack.objects.values_list("status", flat=True)) == {"ready"}
        counts.append(len(queries))
    per_recipient = counts[1] - counts[0]
    assert counts[2] - counts[1] == per_recipient  # a fixed amount for each recipient more
    # a recipient's items and everything the pack prints (pack_items), the pack fetched, marked,
    # saved and audited, and its access checked once made
    assert per_recipient <= 25, counts
    assert counts[0] <= 25 * len(packs), counts
