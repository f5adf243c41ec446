"""In a real browser: a coordinator proposes a co-chair, a co-chair approves; axe finds nothing on
the Manage agencies and users pages."""

from __future__ import annotations

from typing import Any

import pytest

from cmarac.accounts.models import User
from cmarac.accounts.roles import Role
from tests.browser.conftest import axe_violations, describe, overflow_at, sign_in
from tests.factories.accounts import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _check(page: Any) -> None:
    assert page.locator("h1").count() == 1
    violations = axe_violations(page)
    assert violations == [], f"{page.url}\n{describe(violations)}"
    assert overflow_at(page) == 0, f"{page.url} scrolls sideways at 320px"


def test_manage_pages_have_no_accessibility_violations(page: Any, coordinator, housing_lead) -> None:
    housing = housing_lead.agency
    sign_in(page, coordinator.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    for path in [
        "/manage/people/",
        f"/manage/people/{housing_lead.pk}/",
        f"/manage/people/{housing_lead.pk}/edit/",
        f"/manage/people/{housing_lead.pk}/roles/add/",
        f"/manage/people/{housing_lead.pk}/deactivate/",
        "/manage/people/invite/",
        "/manage/role-requests/",
        "/manage/agency-changes/",
        "/manage/agencies/",
        f"/manage/agencies/{housing.pk}/",
        f"/manage/agencies/{housing.pk}/edit/",
        "/manage/agencies/add/",
    ]:
        page.goto(path)
        _check(page)
    page.goto("/manage/people/invite/")
    page.get_by_role("button", name="Send invitation").click()
    page.locator(".govuk-error-summary").wait_for()
    assert page.title().startswith("Error:")
    _check(page)


def test_one_proposes_a_co_chair_and_another_approves(page: Any, coordinator, co_chair, housing_lead) -> None:
    sign_in(page, coordinator.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.get_by_role("link", name="Manage agencies and users").first.click()
    page.wait_for_url("**/manage/people/")
    page.get_by_role("link", name=housing_lead.full_name).click()
    page.wait_for_url(f"**/manage/people/{housing_lead.pk}/")
    page.get_by_role("link", name="Give a role").click()
    page.wait_for_url(f"**/manage/people/{housing_lead.pk}/roles/add/")
    page.get_by_label("Co-chair (needs approval").check()
    page.get_by_label("Why does this person need the role?").fill("Joins the panel")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"**/manage/people/{housing_lead.pk}/")
    assert "Another co-chair or coordinator must approve it" in page.content()
    assert not User.objects.get(pk=housing_lead.pk).has_role(Role.CO_CHAIR)

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in/")
    sign_in(page, co_chair.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto("/manage/role-requests/")
    _check(page)
    page.get_by_role("link", name="Decide").click()
    page.wait_for_url("**/manage/role-requests/*/")
    _check(page)
    page.get_by_label("Approve: give the role now").check()
    page.get_by_role("button", name="Save decision").click()
    page.wait_for_url("**/manage/role-requests/")
    assert User.objects.get(pk=housing_lead.pk).has_role(Role.CO_CHAIR)
