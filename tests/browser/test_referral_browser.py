"""In a real browser: a referrer fills in a whole referral, sends it, and axe finds nothing on any step."""

from __future__ import annotations

from typing import Any

import pytest

from referrals.models import Referral
from tests.browser.conftest import axe_violations, describe, sign_in
from tests.factories.accounts import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_accessible(page: Any) -> None:
    assert page.locator("h1").count() == 1, page.url
    violations = axe_violations(page)
    assert violations == [], f"{page.url}\n{describe(violations)}"


def save(page: Any, button: str = "Save and return to your referral") -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


def follow(page: Any, link: str, role: str = "link") -> None:
    with page.expect_navigation():
        page.get_by_role(role, name=link).click()


def add_person(page: Any, role: str, given_name: str, family_name: str, postcode: str) -> None:
    page.get_by_label(role, exact=True).check()
    page.get_by_label("First name").fill(given_name)
    page.get_by_label("Last name").fill(family_name)
    page.get_by_label("Postcode").fill(postcode)
    assert_accessible(page)
    save(page, "Save and continue")


def test_a_referrer_fills_in_and_sends_a_whole_referral(page: Any, police_referrer, police) -> None:
    sign_in(page, police_referrer.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    with page.expect_navigation():
        page.get_by_role("link", name="My referrals").first.click()
    assert_accessible(page)
    follow(page, "Start a new referral", role="button")
    assert_accessible(page)
    assert not Referral.objects.exists()  # looking at the start page creates nothing
    save(page, "Start now")
    referral = Referral.objects.get()
    task_list = page.url
    assert task_list.endswith(referral.get_absolute_url())
    assert_accessible(page)

    # Your details (filled in from the account).
    follow(page, "Your details")
    assert page.get_by_label("Your email address").input_value() == police_referrer.email
    page.get_by_label("Your phone number").fill("020 7946 0123")
    assert_accessible(page)
    save(page)

    # Two people, with the add-another question between them.
    follow(page, "People involved")
    assert_accessible(page)
    follow(page, "Add a person", role="button")
    add_person(page, "Victim", "Wren", "Oakridge", "n7 8qt")
    assert "You have added 1 person" in page.content()
    assert_accessible(page)
    page.get_by_label("Yes", exact=True).check()
    save(page, "Continue")
    add_person(page, "Alleged perpetrator", "Pax", "Underhill", "N78QU")
    assert "You have added 2 people" in page.content()
    follow(page, "Remove Pax Underhill from the referral")
    assert_accessible(page)
    follow(page, "No, keep them")
    page.get_by_label("No", exact=True).check()
    save(page, "Continue")
    assert page.url == task_list

    # What is happening, first with a mistake: hate crime without its strand.
    follow(page, "What is happening")
    assert_accessible(page)
    page.get_by_label("Hate crime", exact=True).check()
    page.get_by_label("Harassment or intimidation").check()
    page.get_by_label("Summary of your concerns").fill("Abuse shouted at the victim on the stairs, every night.")
    save(page)
    page.locator(".govuk-error-summary").wait_for()
    assert page.title().startswith("Error:")
    assert_accessible(page)
    page.get_by_label("Religion or belief").check()
    page.get_by_label("Chronology of incidents").fill("March: graffiti. April: door kicked in.")
    page.get_by_label("What do you ask of the panel?").fill("A joint visit and an action plan.")
    save(page)
    assert page.url == task_list

    # The whole checklist, every answer Yes: a high score.
    follow(page, "Risk checklist")
    assert_accessible(page)
    yes_answers = page.locator("input[type=radio][id^='id_q'][id$='_0']")
    assert yes_answers.count() == referral.checklist.questions.count()
    for index in range(yes_answers.count()):
        yes_answers.nth(index).check()
    save(page, "Save and show the score")
    assert "high risk" in page.locator("#score").inner_text()
    assert_accessible(page)
    save(page)

    # Referral criteria: high risk by score is shown, not asked.
    follow(page, "Referral criteria")
    assert ": high risk" in page.locator("#high-risk-criterion").inner_text()
    page.get_by_label("A multi-agency approach is needed").check()
    assert_accessible(page)
    save(page)

    # Consent.
    follow(page, "Consent and information sharing")
    page.get_by_label("Yes, the subject consented").check()
    assert_accessible(page)
    save(page)

    assert page.locator(".govuk-task-list__status", has_text="Completed").count() == 6
    assert_accessible(page)
    follow(page, "Check your answers")
    content = page.content()
    for text in ("Wren Oakridge", "Pax Underhill", "N7 8QT", "Religion or belief", "A joint visit and an action plan."):
        assert text in content, text
    assert_accessible(page)
    save(page, "Accept and send")

    page.wait_for_url(f"**{referral.get_absolute_url()}submitted/")
    panel = page.locator(".govuk-panel").inner_text()
    assert "Referral sent" in panel
    assert referral.reference in panel
    assert "What happens next" in page.content()
    assert_accessible(page)
    referral.refresh_from_db()
    assert referral.status == Referral.Status.SUBMITTED
    assert referral.criterion_high_risk

    # The sent referral, read-only, from My referrals.
    follow(page, "See your referral")
    assert "Submitted" in page.content()
    assert_accessible(page)
