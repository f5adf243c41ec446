"""In a real browser: nothing typed is lost. Leaving an edited form asks first (and sending it does
not); on the meeting screen, "Next", the side navigation and "Set an action" keep the typed minutes
and bring them back; axe finds nothing on the screen showing a kept draft."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from meetings import services
from meetings.models import AgendaItem
from tests.browser.conftest import axe_violations, describe, sign_in
from tests.factories.accounts import TEST_PASSWORD
from tests.factories.meetings import MeetingFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def screen(housing_case, fire_case, co_chair) -> tuple[str, AgendaItem, AgendaItem]:
    meeting = MeetingFactory(starts_at=datetime(2026, 3, 12, 10, tzinfo=LONDON))  # held: its day has come
    first = services.agenda_add_item(meeting=meeting, case=housing_case, item_type="review", by=co_chair)
    second = services.agenda_add_item(meeting=meeting, case=fire_case, item_type="new", by=co_chair)
    return f"/meetings/{meeting.pk}/run/", first, second


def dialogs(page: Any, accept: bool) -> list[str]:
    seen: list[str] = []

    def answer(dialog: Any) -> None:
        seen.append(dialog.type)
        dialog.accept() if accept else dialog.dismiss()

    page.on("dialog", answer)
    return seen


def test_leaving_an_edited_form_asks_first_and_saving_it_does_not(page: Any, screen, co_chair) -> None:
    address, first, _ = screen
    sign_in(page, co_chair.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto(f"{address}?item={first.pk}")
    asked = dialogs(page, accept=False)

    # Unchanged: leaving does not ask.
    page.get_by_role("link", name="Back to the meeting").click()
    page.wait_for_url("**/meetings/*/")
    assert asked == []

    page.go_back()
    page.get_by_label("Summary of the discussion").click()
    page.keyboard.type("The panel agreed a joint visit")  # real key presses: the browser asks only after them
    page.get_by_role("link", name="Back to the meeting").click()
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"]
    assert "/run/" in page.url  # stayed
    assert page.get_by_label("Summary of the discussion").input_value() == "The panel agreed a joint visit"

    page.get_by_label("Review at the next meeting").check()
    page.get_by_role("button", name="Save and go to next item").click()
    page.get_by_text(f"Minutes recorded for {first.case.reference}").wait_for()
    assert asked == ["beforeunload"]  # sending the form did not ask


def test_next_side_navigation_and_set_an_action_keep_the_typed_minutes(page: Any, screen, co_chair, housing) -> None:
    address, first, second = screen
    sign_in(page, co_chair.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto(f"{address}?item={first.pk}")
    asked = dialogs(page, accept=True)
    discussion = page.get_by_label("Summary of the discussion")

    # "Next" with minutes typed: kept as a draft, the next item opens, nothing asks.
    discussion.click()
    page.keyboard.type("Typed before moving on")
    page.get_by_role("link", name="Next item").click()
    page.wait_for_url(f"**?item={second.pk}")
    assert asked == []
    saved = AgendaItem.objects.get(pk=first.pk)
    assert (saved.recorded_at, saved.minutes_draft["values"]["discussion"]) == (None, "Typed before moving on")

    # Back through the side navigation: the minutes are in the form, with a note saying so.
    page.get_by_role("navigation", name="Agenda items").get_by_role("link", name=first.case.reference).click()
    page.wait_for_url(f"**?item={first.pk}")
    assert discussion.input_value() == "Typed before moving on"
    assert "were kept and are in the form below" in page.locator(".govuk-inset-text").inner_text()
    violations = axe_violations(page)
    assert violations == [], describe(violations)

    # "Set an action" keeps what was added since, and the action form brings the chair back.
    discussion.click()
    page.keyboard.press("End")
    page.keyboard.type(", and more")
    page.get_by_role("button", name="Set an action").click()
    page.wait_for_url("**/actions/new/**")
    page.get_by_label("What should the agency do?").fill("Visit the victim at home")
    page.get_by_label("Owning agency").select_option(label=housing.name)
    due = page.get_by_role("group", name="Due date")
    for part, value in (("Day", "10"), ("Month", "4"), ("Year", "2030")):
        due.get_by_label(part).fill(value)
    page.get_by_role("button", name="Set action").click()
    page.wait_for_url(f"**?item={first.pk}")
    assert discussion.input_value() == "Typed before moving on, and more"
    assert "Visit the victim at home" in page.locator("table").first.inner_text()
    assert asked == []


def test_the_closing_reason_and_the_panel_are_revealed_by_their_decision(page: Any, screen, co_chair) -> None:
    address, first, _ = screen
    sign_in(page, co_chair.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto(f"{address}?item={first.pk}")
    reason = page.get_by_label("Why is the case closed?")
    panel = page.get_by_label("Which panel is it referred to, and why?")
    assert not reason.is_visible()
    assert not panel.is_visible()
    page.get_by_label("Close the case").check()
    assert reason.is_visible()
    page.get_by_label("Refer to another panel").check()
    assert panel.is_visible()
    assert not reason.is_visible()
    page.get_by_role("button", name="Save and go to next item").click()
    page.locator(".govuk-error-summary").get_by_role("link", name="Enter the panel it is referred to").wait_for()
    assert panel.is_visible()
    violations = axe_violations(page)
    assert violations == [], describe(violations)
