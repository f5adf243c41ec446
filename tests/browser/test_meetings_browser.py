"""In a real browser: a co-chair builds, publishes and runs an agenda; an invited agency lead sees only
their item; axe finds nothing on the meeting pages, nor on an error state."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from cmarac.cases.models import Case, CaseSubject
from meetings.models import AgendaItem
from tests.browser.conftest import axe_violations, describe, sign_in
from tests.factories.accounts import TEST_PASSWORD
from tests.factories.cases import CaseFactory, PersonFactory
from tests.factories.meetings import MeetingFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LONDON = ZoneInfo("Europe/London")


def assert_accessible(page: Any) -> None:
    assert page.locator("h1").count() == 1
    violations = axe_violations(page)
    assert violations == [], describe(violations)


def banner(page: Any) -> str:
    return page.locator(".govuk-notification-banner").first.inner_text()


def test_a_co_chair_runs_a_meeting_and_an_invited_lead_sees_only_their_item(
    page: Any, browser: Any, live_server: Any, housing_case, fire_case, housing, fire, co_chair, housing_lead
) -> None:
    # Held yesterday: a meeting's minutes can only be recorded on or after its day.
    yesterday = datetime.now(LONDON).date() - timedelta(days=1)
    meeting = MeetingFactory(starts_at=datetime.combine(yesterday, time(10), tzinfo=LONDON))
    third = CaseFactory(subjects=[(PersonFactory(given_name="Tamsin", family_name="Rook"), CaseSubject.Role.VICTIM)])
    base = f"/meetings/{meeting.pk}/"
    sign_in(page, co_chair.email, TEST_PASSWORD)
    page.wait_for_url("**/")

    page.goto("/meetings/")
    assert_accessible(page)
    page.goto("/meetings/?show=upcoming")
    assert_accessible(page)

    # Build the agenda: three cases by reference, keyboard-friendly forms all the way.
    page.goto(f"{base}agenda/")
    for case in (housing_case, fire_case, third):
        page.get_by_label("Case reference").fill(case.reference)
        page.get_by_label("New case", exact=True).check()
        page.get_by_role("button", name="Add to agenda", exact=True).click()
        page.wait_for_load_state()
        assert f"{case.reference} added to the agenda" in banner(page)

    # One error state: a reference that does not exist.
    page.get_by_label("Case reference").fill("CM-1999-0000")
    page.get_by_label("Review", exact=True).check()
    page.get_by_role("button", name="Add to agenda", exact=True).click()
    page.locator(".govuk-error-summary").wait_for()
    assert page.title().startswith("Error:")
    assert "Enter the reference of an existing case" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)

    # Invite an agency to each of the first two items, then publish.
    page.get_by_label(f"Invite an agency to {housing_case.reference}").select_option(
        label=f"{housing.name} (core member)"
    )
    page.get_by_role("button", name=f"Invite the selected agency to {housing_case.reference}").click()
    page.wait_for_load_state()
    assert f"{housing.name} invited to {housing_case.reference}" in banner(page)
    page.get_by_label(f"Invite an agency to {fire_case.reference}").select_option(label=fire.name)
    page.get_by_role("button", name=f"Invite the selected agency to {fire_case.reference}").click()
    page.wait_for_load_state()
    page.get_by_role("button", name=f"Move up {third.reference}").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Publish agenda").click()
    page.wait_for_load_state()
    assert "Agenda published" in banner(page)
    assert_accessible(page)

    page.goto(base)
    assert_accessible(page)
    page.goto(f"{base}attendance/")
    assert_accessible(page)

    # Run the meeting: record the first item, and the screen moves on to the next.
    page.goto(f"{base}run/")
    assert housing_case.reference in page.locator("h2.govuk-heading-l").inner_text()
    assert_accessible(page)
    page.get_by_label("Summary of the discussion").fill("Joint visit by housing and police agreed.")
    page.get_by_label("High", exact=True).check()
    page.get_by_label("Lead agency").select_option(label=housing.name)
    page.get_by_label("Review at the next meeting").check()
    page.get_by_role("button", name="Save and go to next item").click()
    page.wait_for_url("**/run/?item=*")
    assert f"Minutes recorded for {housing_case.reference}" in banner(page)
    assert third.reference in page.locator("h2.govuk-heading-l").inner_text()  # moved up: now second
    case = Case.objects.get(pk=housing_case.pk)
    assert (case.risk_level, case.lead_agency_id) == ("high", housing.pk)
    assert AgendaItem.objects.get(meeting=meeting, case=housing_case).recorded_at is not None

    page.goto(f"{base}minutes/")
    assert "Joint visit by housing and police agreed." in page.content()
    assert_accessible(page)

    # The invited housing lead sees only their own item.
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    lead = context.new_page()
    lead.set_default_timeout(15_000)
    sign_in(lead, housing_lead.email, TEST_PASSWORD)
    lead.wait_for_url("**/")
    lead.goto(base)
    agenda = lead.locator("table").first.inner_text()
    assert housing_case.reference in agenda
    assert fire_case.reference not in lead.content()
    assert third.reference not in lead.content()
    assert "Rook" not in lead.content()
    assert_accessible(lead)

    lead.get_by_role("link", name=f"Share what your agency holds about {housing_case.reference}").click()
    lead.wait_for_url(f"**{base}items/*/information/")
    assert_accessible(lead)
    lead.get_by_label("What your agency holds").fill("Two tenancy warnings this year.")
    lead.get_by_role("button", name="Save information").click()
    lead.wait_for_url(f"**{base}")
    assert "Shared" in lead.locator("table").first.inner_text()
    context.close()
