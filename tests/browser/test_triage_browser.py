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
    page.get_by_label("Accept it into a new case").check()
    violations = axe_violations(page)
    assert violations == [], describe(violations)
    page.get_by_role("button", name="Save decision").click()
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
    page.get_by_role("button", name="Save decision").click()
    page.locator(".govuk-error-summary").wait_for()
    violations = axe_violations(page)
    assert violations == [], describe(violations)


def test_each_decision_reveals_only_its_own_question(page: Any, police_referrer, coordinator) -> None:
    referral = submitted_referral(police_referrer)
    sign_in(page, coordinator.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto(f"/referrals/{referral.reference}/triage/")
    question = page.get_by_label("What information do you need?")
    reason = page.get_by_label("Why is the referral declined?")
    reference = page.get_by_label("Reference of the open case")
    assert not question.is_visible()
    assert not reason.is_visible()
    assert not reference.is_visible()

    page.get_by_label("Decline it").check()
    assert reason.is_visible()
    assert not question.is_visible()
    assert page.get_by_label("Decline it").get_attribute("aria-expanded") == "true"
    page.get_by_label("Ask the referrer for more information").check()
    assert question.is_visible()
    assert not reason.is_visible()
    violations = axe_violations(page)
    assert violations == [], describe(violations)

    # Sent without the question: the error is shown under the revealed answer, which stays open.
    page.get_by_role("button", name="Save decision").click()
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    summary.get_by_role("link", name="Enter what information you need").click()
    assert question.evaluate("element => element === document.activeElement")
    assert question.is_visible()
    violations = axe_violations(page)
    assert violations == [], describe(violations)

    question.fill("Are there children in the household?")
    page.get_by_role("button", name="Save decision").click()
    page.wait_for_url("**/referrals/")
    assert Referral.objects.get(pk=referral.pk).status == "more-information"
