"""In a real browser: a co-chair corrects approved minutes with a reason, sees the error summary
first, then the confirmation, and the minutes marked as corrected; axe finds nothing on the way."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from meetings import services
from meetings.models import MinutesCorrection
from tests.browser.conftest import axe_violations, describe, overflow_at, sign_in
from tests.factories.accounts import TEST_PASSWORD
from tests.factories.meetings import MeetingFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LONDON = ZoneInfo("Europe/London")


def assert_accessible(page: Any) -> None:
    assert page.locator("h1").count() == 1
    violations = axe_violations(page)
    assert violations == [], describe(violations)
    assert overflow_at(page) == 0


def test_a_co_chair_corrects_approved_minutes(page: Any, housing_case, housing, police, co_chair) -> None:
    meeting = MeetingFactory(starts_at=datetime(2030, 3, 14, 10, tzinfo=LONDON))
    item = services.agenda_add_item(meeting=meeting, case=housing_case, item_type="review", by=co_chair)
    services.invite_agency_to_item(item=item, agency=housing, by=co_chair)
    services.item_minutes_record(item=item, by=co_chair, revision=None, discussion="Weekly visits agreed.",
                                 risk_level="high", lead_agency=None, lead_officer=None,
                                 decision="review-next")  # fmt: skip
    services.attendance_record(meeting=meeting, agency=police, status="attended", attendee=co_chair)
    services.minutes_circulate(meeting=meeting, by=co_chair)
    services.minutes_approve(meeting=meeting, by=co_chair)

    sign_in(page, co_chair.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto(f"/meetings/{meeting.pk}/minutes/")
    page.get_by_role("link", name=f"Correct the discussion of {housing_case.reference}").click()
    page.wait_for_load_state()
    assert_accessible(page)

    # No reason: the error summary, and nothing saved.
    page.get_by_label("Corrected text").fill("Fortnightly visits agreed.")
    page.get_by_role("button", name="Record the correction").click()
    page.locator(".govuk-error-summary").wait_for()
    assert page.title().startswith("Error:")
    assert "Enter why the minutes need correcting" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    assert not MinutesCorrection.objects.exists()

    page.get_by_label("Why the minutes need correcting").fill("The visit frequency was minuted wrongly")
    page.get_by_role("button", name="Record the correction").click()
    page.locator(".govuk-panel--confirmation").wait_for()
    assert "Correction recorded" in page.locator("h1").inner_text()
    assert_accessible(page)

    page.get_by_role("link", name="Back to the minutes").click()
    page.wait_for_load_state()
    body = page.locator("main").inner_text()
    assert "Fortnightly visits agreed." in body
    assert "The visit frequency was minuted wrongly" in body
    page.get_by_text("Superseded text").click()
    assert page.get_by_text("Weekly visits agreed.").is_visible()
    assert_accessible(page)
