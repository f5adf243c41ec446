"""In a real browser: an agency lead updates one action and completes another; axe finds nothing on
the action pages, with and without errors."""

from __future__ import annotations

from typing import Any

import pytest

from actions.models import Action
from tests.browser.conftest import axe_violations, describe, sign_in
from tests.factories.accounts import TEST_PASSWORD
from tests.factories.actions import ActionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_accessible(page: Any) -> None:
    violations = axe_violations(page)
    assert violations == [], describe(violations)


@pytest.fixture
def housing_actions(housing_case, housing, police, co_chair) -> dict[str, Action]:
    return {
        "visit": ActionFactory(case=housing_case, owner=housing, by=co_chair, description="Visit the victim at home"),
        "locks": ActionFactory(case=housing_case, owner=housing, by=co_chair, description="Change the locks"),
        "patrol": ActionFactory(case=housing_case, owner=police, by=co_chair, description="Patrol the estate"),
    }


def test_an_agency_lead_updates_one_action_and_completes_another(page: Any, housing_actions, housing_lead) -> None:
    sign_in(page, housing_lead.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto("/actions/")
    table = page.locator("table").inner_text()
    assert "Visit the victim at home" in table
    assert "Patrol the estate" not in table  # another agency's: behind the "all actions" switch
    assert_accessible(page)

    page.get_by_role("link", name="Visit the victim at home").click()
    page.wait_for_url(f"**{housing_actions['visit'].get_absolute_url()}")
    assert_accessible(page)  # the detail page with the update form

    page.get_by_role("button", name="Save update").click()  # nothing entered
    page.locator(".govuk-error-summary").wait_for()
    assert page.title().startswith("Error:")
    assert_accessible(page)  # an error state

    page.get_by_label("In progress", exact=True).check()
    page.get_by_label("What has happened?").fill("Visit booked for Tuesday with the police.")
    page.get_by_role("button", name="Save update").click()
    page.get_by_text("Update saved").wait_for()
    assert "Visit booked for Tuesday with the police." in page.locator(".moj-timeline").inner_text()

    page.goto("/actions/")
    page.get_by_role("link", name="Change the locks").click()
    page.get_by_label("Completed", exact=True).check()
    page.get_by_label("What has happened?").fill("Locks changed on Monday; the victim has the new keys.")
    page.get_by_role("button", name="Save update").click()
    page.get_by_text("Action completed").wait_for()
    assert page.get_by_role("button", name="Save update").count() == 0
    locks = Action.objects.get(pk=housing_actions["locks"].pk)
    assert (locks.status, locks.outcome) == ("completed", "Locks changed on Monday; the victim has the new keys.")
    assert Action.objects.get(pk=housing_actions["visit"].pk).status == "in-progress"


def test_chairs_pages_have_no_accessibility_violations(page: Any, housing_actions, housing_case, co_chair) -> None:
    sign_in(page, co_chair.email, TEST_PASSWORD)
    page.wait_for_url("**/")

    page.goto(f"/actions/new/{housing_case.reference}/")
    assert page.locator("h1").inner_text() == "Set an action"
    assert_accessible(page)
    page.get_by_role("button", name="Set action").click()
    page.locator(".govuk-error-summary").wait_for()
    assert_accessible(page)

    action = housing_actions["visit"]
    page.goto(f"/actions/{action.pk}/review/")
    assert_accessible(page)
    page.get_by_label("Reassign it to another agency or officer").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Why is it being reassigned?").wait_for()  # the chosen decision's questions
    assert_accessible(page)
    page.get_by_role("button", name="Save decision").click()
    page.locator(".govuk-error-summary").wait_for()
    assert "Enter why the action is being reassigned" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)  # an error state

    page.get_by_label("Close it").check()
    page.get_by_role("button", name="Save decision").click()  # shows the closing questions instead
    page.get_by_label("Not possible because circumstances changed").check()
    page.get_by_label("Outcome or reason").fill("The tenant moved out of the borough.")
    page.get_by_role("button", name="Save decision").click()
    page.get_by_text("Action closed: not possible").wait_for()
    assert Action.objects.get(pk=action.pk).status == "not-possible"
