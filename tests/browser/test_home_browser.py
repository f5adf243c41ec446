"""In a real browser: the home page's work queues for three roles, and "Your account", have no
accessibility problems, and a queue's line leads to the list it counts."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import axe_violations, describe, sign_in
from tests.factories.accounts import TEST_PASSWORD
from tests.test_home_work import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(coordinator, co_chair, housing, police_referrer, auditor, housing_lead) -> World:
    return World(
        coordinator=coordinator, co_chair=co_chair, housing=housing, police_referrer=police_referrer, auditor=auditor
    ).add(2)


@pytest.mark.parametrize(
    ("person", "section", "line", "lands_on"),
    [
        ("coordinator", "Coordinator", "4 referrals waiting for triage", "**/referrals/?tab=waiting"),
        ("housing_lead", "Agency lead, Council Housing", "2 actions of your agency overdue", "**/actions/?*"),
        ("auditor", "Information governance and audit", "2 subject access exports ready to download", "**/exports/"),
    ],
)
def test_a_roles_home_page_in_the_browser(page: Any, request, world, person, section, line, lands_on) -> None:
    user = request.getfixturevalue(person)
    sign_in(page, user.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    assert page.get_by_role("heading", name=section, level=2).is_visible()
    violations = axe_violations(page)
    assert violations == [], describe(violations)

    page.get_by_role("link", name=line, exact=True).click()
    page.wait_for_url(lands_on)

    page.get_by_role("banner").get_by_role("link", name="Your account").click()
    page.wait_for_url("**/account/")
    assert page.get_by_role("link", name="Change your password").is_visible()
    violations = axe_violations(page)
    assert violations == [], describe(violations)
