"""In a real browser: an agency lead sees only their cases and opens one; axe finds nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import axe_violations, describe, sign_in
from tests.factories.accounts import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_agency_lead_sees_only_their_cases_and_opens_one(page: Any, housing_case, fire_case, housing_lead) -> None:
    sign_in(page, housing_lead.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.get_by_role("link", name="Cases").first.click()
    page.wait_for_url("**/cases/")
    table = page.locator("table").first.inner_text()
    assert housing_case.reference in table
    assert fire_case.reference not in table
    assert "Blackwater" not in page.content()
    violations = axe_violations(page)
    assert violations == [], describe(violations)

    page.get_by_role("link", name=housing_case.reference).click()
    page.wait_for_url(f"**/cases/{housing_case.reference}/")
    assert "Quillfeather" in page.content()
    violations = axe_violations(page)
    assert violations == [], describe(violations)


def test_searching_as_an_uninvolved_lead_finds_nothing(page: Any, housing_case, fire_case, fire_lead) -> None:
    sign_in(page, fire_lead.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto("/cases/")
    page.get_by_label("Search").fill("Quillfeather")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(lambda url: "search=" in url)
    assert "Quillfeather" not in page.url
    assert housing_case.reference not in page.content()
    page.goto(housing_case.get_absolute_url())
    assert "Page not found" in page.content()


@pytest.mark.parametrize(
    "path",
    [
        "/cases/new/",
        "{case}subjects/add/",
        "{case}close/",
        "/audit/",
    ],
)
def test_coordinator_pages_have_no_accessibility_violations(page: Any, path: str, housing_case, coordinator) -> None:
    sign_in(page, coordinator.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto(path.format(case=housing_case.get_absolute_url()))
    assert page.locator("h1").count() == 1
    violations = axe_violations(page)
    assert violations == [], describe(violations)


def test_form_errors_have_no_accessibility_violations(page: Any, housing_case, coordinator) -> None:
    sign_in(page, coordinator.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto("/cases/new/")
    page.get_by_role("button", name="Create case").click()
    page.locator(".govuk-error-summary").wait_for()
    assert page.title().startswith("Error:")
    violations = axe_violations(page)
    assert violations == [], describe(violations)


def test_coordinator_creates_a_case_and_closes_it(page: Any, coordinator, housing) -> None:
    sign_in(page, coordinator.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto("/cases/new/")
    page.get_by_label("Summary of the situation").fill("Persistent intimidation on a stairwell.")
    page.get_by_label("High", exact=True).check()
    page.get_by_label("Lead agency").select_option(label=housing.name)
    page.get_by_label("Victim", exact=True).check()
    page.get_by_label("First name").fill("Wren")
    page.get_by_label("Last name").fill("Oakridge")
    page.get_by_role("button", name="Create case").click()
    page.wait_for_url("**/cases/CM-*/")
    assert "Wren Oakridge" in page.content()
    page.get_by_role("link", name="Close case").click()
    page.get_by_label("Why is the case being closed?").fill("Victim rehoused; no further risk.")
    page.get_by_role("button", name="Close case").click()
    page.wait_for_url("**/cases/CM-*/")
    assert "Victim rehoused; no further risk." in page.content()
