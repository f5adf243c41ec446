"""In a real browser: the coordinator sees a submitted referral with its score, level and meeting,
accepts it, and the referrer sees the new status; axe finds nothing on the triage pages."""

from __future__ import annotations

from typing import Any

import pytest

from cmarac.cases.models import Case
from referrals.models import Referral
from tests.browser.conftest import axe_violations, describe, sign_in
from tests.factories.accounts import TEST_PASSWORD
from tests.referral_builders import submitted_referral

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_accepts_and_the_referrer_sees_it(page: Any, police_referrer, coordinator, fire_lead) -> None:
    referral = submitted_referral(police_referrer)
    sign_in(page, coordinator.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.get_by_role("link", name="Referrals", exact=True).first.click()
    row = page.locator("tr", has_text=referral.reference)
    assert str(referral.score) in row.inner_text()
    assert "High" in row.inner_text()
    assert f"{referral.meeting_date:%-d %b %Y}" in row.inner_text()
    violations = axe_violations(page)
    assert violations == [], describe(violations)

    row.get_by_role("link", name=referral.reference).click()
    page.get_by_label("Create a new case").check()
    violations = axe_violations(page)
    assert violations == [], describe(violations)
    page.get_by_role("button", name="Accept referral").click()
    page.wait_for_url("**/cases/CM-*/")
    case = Case.objects.get()
    assert case.reference in page.content()

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, police_referrer.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto("/referrals/mine/")
    assert "Accepted" in page.locator("tr", has_text=referral.reference).inner_text()
    assert Referral.objects.get(pk=referral.pk).status == "accepted"
    assert not Case.objects.visible_to(fire_lead).exists()


def test_triage_errors_have_no_accessibility_violations(page: Any, police_referrer, coordinator) -> None:
    referral = submitted_referral(police_referrer)
    sign_in(page, coordinator.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto(f"/referrals/{referral.reference}/triage/")
    page.get_by_role("button", name="Decline referral").click()
    page.locator(".govuk-error-summary").wait_for()
    violations = axe_violations(page)
    assert violations == [], describe(violations)
