"""In a real browser: a date of birth is typed as day, month and year; a missing month is an error
the summary links to, the month box is marked, and axe finds nothing on the page with errors."""

from __future__ import annotations

from typing import Any

import pytest

from cmarac.cases.models import Person
from tests.browser.conftest import axe_violations, describe, sign_in
from tests.factories.accounts import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_date_of_birth_missing_its_month_is_shown_and_then_saved(page: Any, housing_case, coordinator) -> None:
    sign_in(page, coordinator.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto(f"{housing_case.get_absolute_url()}subjects/add/")
    assert page.locator('input[type="date"]').count() == 0
    page.get_by_label("Victim", exact=True).check()
    page.get_by_label("First name").fill("Wren")
    birth = page.get_by_role("group", name="Date of birth (optional)")
    birth.get_by_label("Day").fill("27")
    birth.get_by_label("Year").fill("1985")
    violations = axe_violations(page)
    assert violations == [], describe(violations)
    page.get_by_role("button", name="Save").click()

    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert summary.evaluate("element => element === document.activeElement")  # GOV.UK Frontend focuses it
    summary.get_by_role("link", name="Date of birth must include a month").click()
    month = page.locator("#id_date_of_birth_month")
    assert month.evaluate("element => element === document.activeElement")
    assert "govuk-input--error" in (month.get_attribute("class") or "")
    assert "govuk-input--error" not in (page.locator("#id_date_of_birth_day").get_attribute("class") or "")
    assert page.locator("#id_date_of_birth_day").input_value() == "27"
    violations = axe_violations(page)
    assert violations == [], describe(violations)

    month.fill("3")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"**{housing_case.get_absolute_url()}")
    assert str(Person.objects.get(given_name="Wren").date_of_birth) == "1985-03-27"
