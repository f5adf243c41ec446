"""In a real browser: a co-chair opens the partnership report from the navigation, chooses a
quarter, reads its charts and tables (reflowing at 320 pixels), gets an error for impossible
dates; axe finds nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import axe_violations, describe, overflow_at, sign_in
from tests.factories.accounts import TEST_PASSWORD
from tests.report_builders import two_quarters

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_co_chair_reads_the_report_for_a_quarter(
    page: Any, coordinator, co_chair, police, housing, fire, police_referrer, housing_lead
) -> None:
    two_quarters(
        coordinator=coordinator, co_chair=co_chair, police=police, housing=housing, fire=fire,
        police_referrer=police_referrer, housing_lead=housing_lead,
    )  # fmt: skip
    sign_in(page, co_chair.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.get_by_role("link", name="Report", exact=True).first.click()
    page.wait_for_url("**/reports/")
    violations = axe_violations(page)
    assert violations == [], describe(violations)

    page.get_by_label("A quarter", exact=True).check()
    page.get_by_label("Quarter", exact=True).select_option(label="January to March 2026")
    page.get_by_role("button", name="Show the report").click()
    page.wait_for_url(lambda url: "period=quarter" in url)
    assert page.get_by_role("img", name="Referrals received, by referring agency").is_visible()
    assert page.get_by_role("img", name="Actions, by owning agency").is_visible()
    table = page.get_by_role("table", name="Referrals received in the period, by referring agency and what was decided")
    assert "Partnership Policing Team" in table.inner_text()
    violations = axe_violations(page)
    assert violations == [], describe(violations)
    assert overflow_at(page, 320) == 0  # charts and tables scroll in their own boxes

    page.get_by_label("Between two dates").check()
    page.locator("#id_from_day").fill("31")
    page.locator("#id_from_month").fill("2")
    page.locator("#id_from_year").fill("2026")
    page.get_by_role("button", name="Show the report").click()
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert "The start date must be a real date" in summary.inner_text()
    assert "Enter the end date" in summary.inner_text()
    violations = axe_violations(page)
    assert violations == [], describe(violations)
