"""In a real browser: a co-chair removes an item from an agenda through its confirmation page, which says
which invitations go with it, and marks a case as having reached the ASB Case Review threshold with a
reason; axe finds nothing on the new pages, nor on their error state."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from cmarac.cases.models import Case
from meetings import services
from meetings.models import AgendaItem
from tests.browser.conftest import axe_violations, describe, sign_in
from tests.factories.accounts import TEST_PASSWORD
from tests.factories.meetings import MeetingFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LONDON = ZoneInfo("Europe/London")


def assert_accessible(page: Any) -> None:
    assert page.locator("h1").count() == 1
    violations = axe_violations(page)
    assert violations == [], describe(violations)


def test_a_co_chair_confirms_removing_an_item_and_sees_which_invitations_go(
    page: Any, housing_case, housing, fire, co_chair
) -> None:
    meeting = MeetingFactory(starts_at=datetime(2030, 3, 14, 10, tzinfo=LONDON))
    item = services.agenda_add_item(meeting=meeting, case=housing_case, item_type="review", by=co_chair)
    services.invite_agency_to_item(item=item, agency=housing, by=co_chair)
    services.invite_agency_to_item(item=item, agency=fire, by=co_chair)
    reference = housing_case.reference
    sign_in(page, co_chair.email, TEST_PASSWORD)
    page.wait_for_url("**/")

    # An invitation first: the page says what access the agency loses.
    page.goto(f"/meetings/{meeting.pk}/agenda/")
    page.get_by_role("link", name=f"Remove invitation of {fire.name} to {reference}").click()
    page.wait_for_url("**/invitations/*/remove/")
    assert f"its people will no longer see {reference}" in page.locator("main").inner_text()
    assert_accessible(page)
    page.get_by_role("link", name="No, keep it").click()
    page.wait_for_url(f"**/meetings/{meeting.pk}/agenda/")

    # The item: the confirmation names the invitations that go with it, and nothing goes until confirmed.
    page.get_by_role("button", name=f"Remove from agenda {reference}").click()
    page.wait_for_url(f"**/agenda/items/{item.pk}/remove/")
    heading = page.locator("h1").inner_text()
    assert heading == f"Remove {reference} from the agenda of 14 March 2030?"
    going = page.locator("#invitations-going").inner_text()
    assert f"{fire.name}: invited only for this item, it will no longer see {reference}" in going
    assert f"{housing.name}: keeps access to {reference} (lead agency)" in going
    assert AgendaItem.objects.filter(pk=item.pk).exists()
    assert_accessible(page)

    # Meanwhile someone invites another agency: the confirmation is refused, with an error summary.
    services.agenda_item_update(item=item, item_type="new", minutes_allotted=20, revision=item.revision)
    page.get_by_role("button", name="Yes, remove it from the agenda").click()
    page.locator(".govuk-error-summary").wait_for()
    assert page.title().startswith("Error:")
    assert_accessible(page)
    assert AgendaItem.objects.filter(pk=item.pk).exists()

    page.get_by_role("button", name="Yes, remove it from the agenda").click()
    page.wait_for_url(f"**/meetings/{meeting.pk}/agenda/")
    assert f"{reference} removed from the agenda" in page.locator(".govuk-notification-banner").first.inner_text()
    assert not AgendaItem.objects.filter(pk=item.pk).exists()


def test_a_co_chair_marks_the_asb_case_review_threshold_with_a_reason(page: Any, housing_case, co_chair) -> None:
    sign_in(page, co_chair.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto(housing_case.get_absolute_url())
    page.get_by_role("link", name="Mark as reached").click()
    page.wait_for_url("**/asb-case-review/")
    assert_accessible(page)

    page.get_by_role("button", name="Mark as reached").click()
    page.locator(".govuk-error-summary").wait_for()
    assert "Enter why the threshold is reached" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)

    page.get_by_label("Why is the threshold reached?").fill("Three qualifying complaints since June.")
    page.get_by_role("button", name="Mark as reached").click()
    page.wait_for_url(f"**{housing_case.get_absolute_url()}")
    assert page.locator("#asb-threshold").inner_text() == "Yes"
    assert "Three qualifying complaints since June." in page.locator("main").inner_text()
    assert Case.objects.get(pk=housing_case.pk).asb_case_review_threshold_reached
    assert_accessible(page)

    page.goto("/cases/")
    page.get_by_label("Threshold reached").check()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**asb_case_review=reached**")
    assert housing_case.reference in page.locator("table").first.inner_text()
    assert_accessible(page)
