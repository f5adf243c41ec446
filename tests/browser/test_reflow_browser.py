"""At 320 CSS pixels wide (WCAG 1.4.10), pages with tables reflow: only a table's own scrolling
box scrolls sideways, never the page. axe (WCAG 2.2 AA and best practice) runs on each."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from meetings import services as meeting_services
from tests.browser.conftest import axe_violations, describe, overflow_at, sign_in
from tests.factories.accounts import TEST_PASSWORD
from tests.factories.meetings import MeetingFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LONDON = ZoneInfo("Europe/London")


def test_pages_with_tables_reflow_at_320px(page: Any, housing_case, fire_case, co_chair, coordinator, housing) -> None:
    meeting = MeetingFactory(starts_at=datetime(2030, 3, 14, 10, tzinfo=LONDON))
    item = meeting_services.agenda_add_item(meeting=meeting, case=housing_case, item_type="new", by=co_chair)
    meeting_services.invite_agency_to_item(item=item, agency=housing, by=co_chair)
    sign_in(page, coordinator.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    pages = [
        "/cases/",
        f"/cases/{housing_case.reference}/",
        "/meetings/",
        f"/meetings/{meeting.pk}/",
        f"/meetings/{meeting.pk}/agenda/",
        f"/meetings/{meeting.pk}/run/",
        "/audit/",
        "/actions/",
    ]
    wide = {}
    for path in pages:
        page.goto(path)
        assert page.locator("h1").count() == 1, path
        overflow = overflow_at(page)
        if overflow > 0:
            wide[path] = overflow
        violations = axe_violations(page)
        assert violations == [], f"{path}: {describe(violations)}"
    assert wide == {}, f"pages that scroll sideways at 320px (px too wide): {wide}"
