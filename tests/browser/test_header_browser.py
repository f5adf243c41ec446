"""In a real browser: the header's service navigation is one row for every role at desktop width,
the administration pages sit behind one "Manage" link, and axe finds nothing on the Manage page."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import axe_violations, describe, sign_in
from tests.conftest import CAST
from tests.factories.accounts import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("person", CAST)
def test_the_navigation_is_one_row(page: Any, person: str, request) -> None:
    user = request.getfixturevalue(person)
    page.set_viewport_size({"width": 1024, "height": 768})
    sign_in(page, user.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    tops = page.locator(".govuk-service-navigation__item").evaluate_all(
        "items => items.map(item => Math.round(item.getBoundingClientRect().top))"
    )
    assert tops, "no navigation"
    assert len(set(tops)) == 1, f"the navigation wraps onto {len(set(tops))} rows"
    height = page.locator(".govuk-service-navigation").evaluate("element => element.getBoundingClientRect().height")
    assert height < 120, f"the header is {height}px high"


def test_manage_gathers_the_administration_pages(page: Any, coordinator) -> None:
    sign_in(page, coordinator.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.locator(".govuk-service-navigation").get_by_role("link", name="Manage", exact=True).click()
    page.wait_for_url("**/manage/")
    assert page.locator("h1").inner_text() == "Manage"
    violations = axe_violations(page)
    assert violations == [], describe(violations)
    page.get_by_role("link", name="Audit trail").click()
    page.wait_for_url("**/audit/")
    current = page.locator(".govuk-service-navigation__item--active")
    assert current.inner_text().strip() == "Manage"


def test_list_pages_use_more_of_a_wide_screen(page: Any, coordinator, housing_case) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, coordinator.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    width = "() => document.querySelector('main').parentElement.getBoundingClientRect().width"
    page.goto("/cases/")
    assert page.evaluate(width) > 1200  # not the 960px of a reading page
    violations = axe_violations(page)
    assert violations == [], describe(violations)
    page.goto(housing_case.get_absolute_url())
    assert page.evaluate(width) == 960
