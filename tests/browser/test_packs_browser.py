"""In a real browser: a coordinator gets the full pack, an agency lead a pack of their items only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from meetings import services
from tests.browser.conftest import axe_violations, describe, sign_in
from tests.factories.accounts import TEST_PASSWORD
from tests.factories.cases import CaseFactory
from tests.factories.meetings import MeetingFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def meeting(co_chair, housing, fire, settings, tmp_path):
    settings.PRIVATE_FILES_DIR = tmp_path / "private"
    meeting = MeetingFactory()
    first, second = CaseFactory(), CaseFactory()
    item = services.agenda_add_item(meeting=meeting, case=first, item_type="new", by=co_chair)
    services.invite_agency_to_item(item=item, agency=housing, by=co_chair)
    other = services.agenda_add_item(meeting=meeting, case=second, item_type="new", by=co_chair)
    services.invite_agency_to_item(item=other, agency=fire, by=co_chair)
    return meeting, first, second


def download_pack(page: Any, meeting, recipient) -> str:
    """Ask for the pack from the meeting page, download it, and check every page's markings."""
    page.goto(meeting.get_absolute_url())
    page.get_by_role("button", name="Get the meeting pack").click()
    page.wait_for_url("**/meetings/packs/*/")
    link = page.get_by_role("link", name="Download the PDF")
    link.wait_for()
    violations = axe_violations(page)
    assert violations == [], describe(violations)
    with page.expect_download() as download:
        link.click()
    pages = [p.extract_text() for p in PdfReader(Path(download.value.path())).pages]
    for number, text in enumerate(pages, start=1):
        assert text.count("OFFICIAL-SENSITIVE") >= 2, number
        assert f"Page {number} of {len(pages)}" in text
        assert recipient.full_name in text
    return "\n".join(pages)


def test_coordinator_gets_the_full_pack_and_a_lead_only_their_items(page: Any, meeting, coordinator, housing_lead):
    meeting_record, first, second = meeting
    sign_in(page, coordinator.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    text = download_pack(page, meeting_record, coordinator)
    assert first.reference in text
    assert second.reference in text

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in/")
    sign_in(page, housing_lead.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    text = download_pack(page, meeting_record, housing_lead)
    assert first.reference in text
    assert second.reference not in text


def test_coordinator_makes_a_pack_for_an_agency_lead(page: Any, meeting, coordinator, housing_lead):
    """The page to choose the recipient, its error summary, and the pack page the coordinator sees."""
    meeting_record, first, second = meeting
    sign_in(page, coordinator.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto(meeting_record.get_absolute_url())
    page.get_by_role("link", name="Make a pack for a co-chair or an agency lead").click()
    page.wait_for_url("**/packs/for-someone/")
    violations = axe_violations(page)
    assert violations == [], describe(violations)

    page.get_by_role("button", name="Make it").click()  # nobody chosen
    page.get_by_text("There is a problem").wait_for()
    assert page.get_by_role("link", name="Select who the pack is for").is_visible()
    violations = axe_violations(page)
    assert violations == [], describe(violations)

    page.get_by_label("Harper Housing, lead, Council Housing").check()
    page.get_by_role("button", name="Make it").click()
    page.wait_for_url("**/meetings/packs/*/")
    link = page.get_by_role("link", name="Download the PDF")
    link.wait_for()
    assert page.get_by_text("You made this meeting pack for Harper Housing").is_visible()
    violations = axe_violations(page)
    assert violations == [], describe(violations)
    with page.expect_download() as download:
        link.click()
    text = "\n".join(p.extract_text() for p in PdfReader(Path(download.value.path())).pages)
    assert first.reference in text
    assert second.reference not in text  # the lead's need to know, not the coordinator's
    assert "Prepared for Harper Housing" in text


def test_coordinator_makes_the_packs_for_the_whole_meeting(page: Any, meeting, coordinator, co_chair, housing_lead):
    """Who gets one is listed before the button; afterwards each pack is listed with its status."""
    meeting_record, _first, _second = meeting
    sign_in(page, coordinator.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto(meeting_record.get_absolute_url())
    page.get_by_role("link", name="Make a pack for a co-chair or an agency lead").click()
    page.wait_for_url("**/packs/for-someone/")
    assert page.get_by_role("heading", name="Packs for the whole meeting").is_visible()
    assert page.get_by_role("listitem").filter(has_text="Harper Housing, lead, Council Housing").is_visible()
    violations = axe_violations(page)
    assert violations == [], describe(violations)

    page.get_by_role("button", name="for the whole meeting").click()
    page.get_by_text("being made: each one's status is below").wait_for()
    page.wait_for_url("**/packs/for-someone/")
    table = page.get_by_role("table", name="Packs you made for others for this meeting")
    assert table.get_by_role("row").filter(has_text="Harper Housing").count() == 1
    violations = axe_violations(page)
    assert violations == [], describe(violations)
