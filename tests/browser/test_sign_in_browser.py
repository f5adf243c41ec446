"""In a real browser: sign in, reach home, sign out; axe finds nothing on either page."""

from __future__ import annotations

from typing import Any

import pytest

from cmarac.accounts.models import User
from tests.browser.conftest import axe_violations, describe, sign_in
from tests.factories.accounts import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_reaches_home_and_sign_out_returns(page: Any, housing_lead: User) -> None:
    sign_in(page, housing_lead.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    assert page.locator("h1").first.inner_text()
    assert housing_lead.full_name in page.content()
    assert page.title().endswith("CMARAC case manager")

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in/")
    assert "You have signed out" in page.content()


def test_a_wrong_password_shows_the_error_summary_with_focus(page: Any, housing_lead: User) -> None:
    sign_in(page, housing_lead.email, "not-the-password")
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert "Enter a correct email address and password" in summary.inner_text()
    assert page.title().startswith("Error:")


def test_sign_in_page_has_no_accessibility_violations(page: Any) -> None:
    page.goto("/sign-in/")
    violations = axe_violations(page)
    assert violations == [], describe(violations)


def test_sign_in_error_state_has_no_accessibility_violations(page: Any, housing_lead: User) -> None:
    sign_in(page, housing_lead.email, "not-the-password")
    page.locator(".govuk-error-summary").wait_for()
    violations = axe_violations(page)
    assert violations == [], describe(violations)


@pytest.mark.parametrize("person", ["coordinator", "co_chair", "housing_lead", "police_referrer", "auditor"])
def test_home_has_no_accessibility_violations(page: Any, person: str, request: pytest.FixtureRequest) -> None:
    user = request.getfixturevalue(person)
    sign_in(page, user.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    violations = axe_violations(page)
    assert violations == [], describe(violations)


def test_accessibility_statement_has_no_accessibility_violations(page: Any) -> None:
    page.goto("/accessibility/")
    violations = axe_violations(page)
    assert violations == [], describe(violations)
