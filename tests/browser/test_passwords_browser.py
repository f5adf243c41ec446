"""In a real browser: the password pages, with and without errors, have no accessibility problems."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail

from cmarac.accounts.models import User
from tests.browser.conftest import axe_violations, describe, sign_in
from tests.factories.accounts import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_changing_a_password_in_the_browser(page: Any, housing_lead: User) -> None:
    sign_in(page, housing_lead.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.get_by_role("banner").get_by_role("link", name="Your account").click()
    page.wait_for_url("**/account/")
    page.get_by_role("link", name="Change your password").click()
    page.wait_for_url("**/account/password/")
    assert axe_violations(page) == []
    page.get_by_label("Current password").fill("not-my-password")
    page.get_by_label("New password", exact=True).fill("harper housing")
    page.get_by_label("Confirm new password").fill("harper housing")
    page.get_by_role("button", name="Change password").click()
    page.locator(".govuk-error-summary").wait_for()
    assert page.title().startswith("Error: Change your password")
    violations = axe_violations(page)
    assert violations == [], describe(violations)


def test_resetting_a_password_in_the_browser(page: Any, housing_lead: User) -> None:
    page.goto("/sign-in/")
    page.get_by_role("link", name="reset your password").click()
    page.wait_for_url("**/sign-in/reset/")
    violations = axe_violations(page)
    assert violations == [], describe(violations)
    page.get_by_label("Email address").fill(housing_lead.email.upper())
    page.get_by_role("button", name="Send a reset link").click()
    page.wait_for_url("**/sign-in/reset/sent/")
    violations = axe_violations(page)
    assert violations == [], describe(violations)

    [link] = re.findall(r"https?://\S+", mail.outbox[0].body)
    page.goto(re.sub(r"^https?://[^/]+", "", link))
    page.wait_for_url("**/set-password/")
    violations = axe_violations(page)
    assert violations == [], describe(violations)
    page.get_by_label("New password", exact=True).fill("a-new-long-passphrase-2026")
    page.get_by_label("Confirm new password").fill("a-new-long-passphrase-2026")
    page.get_by_role("button", name="Reset password").click()
    page.wait_for_url("**/sign-in/")
    assert "Your password has been reset" in page.content()
