"""In a real browser: a coordinator makes a draft of the risk checklist, changes it and publishes
it, without JavaScript doing anything the buttons need; axe finds nothing on the pages."""

from __future__ import annotations

from typing import Any

import pytest

from referrals.checklists import checklist_current, checklist_questions
from referrals.models import ChecklistTemplate
from tests.browser.conftest import axe_violations, describe, overflow_at, sign_in
from tests.factories.accounts import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _check(page: Any) -> None:
    assert page.locator("h1").count() == 1
    violations = axe_violations(page)
    assert violations == [], f"{page.url}\n{describe(violations)}"
    assert overflow_at(page) == 0, f"{page.url} scrolls sideways at 320px"


def test_a_coordinator_drafts_edits_and_publishes_a_checklist(page: Any, coordinator) -> None:
    current = checklist_current()
    sign_in(page, coordinator.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.get_by_role("link", name="Manage risk checklists").click()
    page.wait_for_url("**/manage/checklists/")
    _check(page)
    page.get_by_role("link", name=f"Version {current.version}").click()
    page.wait_for_url(f"**/manage/checklists/{current.pk}/")
    _check(page)
    page.goto("/manage/checklists/")

    page.get_by_role("link", name="Make a new draft").click()
    page.wait_for_url("**/manage/checklists/new/")
    _check(page)
    page.get_by_role("button", name="Make a new draft").click()
    page.wait_for_url("**/manage/checklists/*/")
    draft = ChecklistTemplate.objects.get(status="draft")
    assert page.url.endswith(f"/manage/checklists/{draft.pk}/")
    _check(page)

    # Thresholds: a wrong pair first, then a right one.
    page.get_by_role("link", name="Change medium risk from score").click()
    page.wait_for_url(f"**/manage/checklists/{draft.pk}/thresholds/")
    _check(page)
    page.get_by_label("Medium risk from score").fill("12")
    page.get_by_label("High risk from score").fill("12")
    page.get_by_role("button", name="Save").click()
    page.locator(".govuk-error-summary").wait_for()
    assert page.title().startswith("Error:")
    _check(page)
    page.get_by_label("High risk from score").fill("20")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"**/manage/checklists/{draft.pk}/")

    # A question: change its score; then add one and move it up.
    first = checklist_questions(draft)[0]
    page.get_by_role("link", name=f"Change question: {first.text}").click()
    page.wait_for_url(f"**/manage/checklists/{draft.pk}/questions/{first.pk}/")
    _check(page)
    page.locator("#id_answer_1_score").fill("-2")
    page.get_by_role("button", name="Save").click()
    page.locator(".govuk-error-summary").wait_for()
    _check(page)
    page.locator("#id_answer_1_score").fill("6")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"**/manage/checklists/{draft.pk}/")

    page.get_by_role("link", name="Add a question").click()
    page.wait_for_url(f"**/manage/checklists/{draft.pk}/questions/add/")
    _check(page)
    page.get_by_label("Question", exact=True).fill("Is the household at risk of losing its home?")
    page.get_by_label("Section").fill("Housing")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"**/manage/checklists/{draft.pk}/")
    page.get_by_role("button", name="Move up the question: Is the household at risk of losing its home?").click()
    page.wait_for_url(f"**/manage/checklists/{draft.pk}/#question-*")
    questions = checklist_questions(draft)
    assert questions[-2].text == "Is the household at risk of losing its home?"
    _check(page)

    page.get_by_role("link", name=f"Remove question: {questions[-1].text}").click()
    page.wait_for_url("**/remove/")
    _check(page)
    page.get_by_role("button", name="Remove the question").click()
    page.wait_for_url(f"**/manage/checklists/{draft.pk}/")

    page.get_by_role("link", name="Publish this draft").click()
    page.wait_for_url(f"**/manage/checklists/{draft.pk}/publish/")
    assert "new referrals use it from now on" in page.content()
    _check(page)
    page.get_by_role("button", name="Publish").click()
    page.wait_for_url(f"**/manage/checklists/{draft.pk}/")
    _check(page)
    assert checklist_current().pk == draft.pk
    draft.refresh_from_db()
    assert (draft.medium_from, draft.high_from, draft.questions.count()) == (12, 20, current.questions.count())
    assert draft.questions.get(pk=first.pk).options.get(label="Yes").score == 6


def test_the_discard_page_has_no_accessibility_violations(page: Any, coordinator) -> None:
    current = checklist_current()
    sign_in(page, coordinator.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto("/manage/checklists/new/")
    page.get_by_role("button", name="Make a new draft").click()
    page.wait_for_url("**/manage/checklists/*/")
    page.get_by_role("link", name="Discard this draft").click()
    page.wait_for_url("**/discard/")
    _check(page)
    page.get_by_role("button", name="Discard the draft").click()
    page.wait_for_url("**/manage/checklists/")
    assert list(ChecklistTemplate.objects.values_list("pk", flat=True)) == [current.pk]
