"""In a real browser: nobody is silently left out, and approved minutes stay as approved.

- A co-chair publishes an agenda that invites an agency nobody at which can be told (no contact
  address, no lead, no deputy): the builder names it before publishing, and the message after
  publishing names it again and never claims it was emailed.
- A co-chair approves a meeting's minutes, then tries to set an action against one of its items
  by typing the address: the form answers with an error summary and nothing is saved.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from actions.models import Action
from cmarac.accounts.models import Agency
from meetings import services
from meetings.models import Meeting
from tests.browser.conftest import axe_violations, describe, sign_in
from tests.factories.accounts import TEST_PASSWORD, FlexibleAgencyFactory
from tests.factories.meetings import MeetingFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LONDON = ZoneInfo("Europe/London")


def assert_accessible(page: Any) -> None:
    violations = axe_violations(page)
    assert violations == [], describe(violations)


def test_publishing_names_an_invited_agency_nobody_can_tell(page: Any, housing_case, housing, co_chair) -> None:
    unreachable = FlexibleAgencyFactory(name="Adult Safeguarding", short_name="adult-safeguarding", contact_email="")
    assert unreachable.notify_addresses() == []
    housing.contact_email = "housing-team@example.test"  # a team mailbox: housing can be told
    housing.save()
    meeting = MeetingFactory(starts_at=datetime(2031, 3, 13, 10, tzinfo=LONDON))
    item = services.agenda_add_item(meeting=meeting, case=housing_case, item_type="new", by=co_chair)
    services.invite_agency_to_item(item=item, agency=housing, by=co_chair)
    services.invite_agency_to_item(item=item, agency=unreachable, by=co_chair)

    sign_in(page, co_chair.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto(f"/meetings/{meeting.pk}/agenda/")
    warning = page.locator(".govuk-warning-text").inner_text()
    assert "Nobody at Adult Safeguarding will be told" in warning
    assert housing.name not in warning
    assert_accessible(page)

    page.get_by_role("button", name="Publish agenda").click()
    page.wait_for_load_state()
    message = page.locator(".govuk-notification-banner").first.inner_text()
    assert "Agenda published" in message
    assert "Adult Safeguarding" in message
    # Housing's mailbox was emailed; nothing was sent for Adult Safeguarding, and the page says so.
    assert [sent.to for sent in mail.outbox] == [["housing-team@example.test"]]
    assert Meeting.objects.get(pk=meeting.pk).agenda_published_at is not None
    assert_accessible(page)


def test_after_approval_an_action_set_by_address_against_an_item_is_refused(
    page: Any, housing_case, housing, fire, co_chair
) -> None:
    meeting = MeetingFactory(starts_at=datetime(2026, 11, 12, 10, tzinfo=LONDON))  # already held
    item = services.agenda_add_item(meeting=meeting, case=housing_case, item_type="new", by=co_chair)
    services.invite_agency_to_item(item=item, agency=housing, by=co_chair)
    services.confidentiality_confirm(meeting=meeting, by=co_chair)
    services.item_minutes_record(
        item=item,
        by=co_chair,
        revision=None,
        discussion="Joint visit agreed.",
        risk_level="high",
        lead_agency=housing,
        lead_officer=None,
        decision="review-next",
    )
    services.minutes_circulate(meeting=meeting, by=co_chair)
    actions_before = Action.objects.count()

    sign_in(page, co_chair.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto(f"/meetings/{meeting.pk}/minutes/")
    page.get_by_role("button", name="Approve minutes").click()
    page.wait_for_load_state()
    assert Meeting.objects.get(pk=meeting.pk).minutes_locked

    # By address, as if following an old link from the meeting screen.
    page.goto(f"/actions/new/{housing_case.reference}/?item={item.pk}")
    page.get_by_label("What should the agency do?").fill("Fit a door camera.")
    page.get_by_label("Owning agency").select_option(label=fire.name)  # an agency not yet involved
    page.get_by_role("button", name="Set action").click()
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert "approved and locked" in summary.inner_text()
    assert_accessible(page)
    assert Action.objects.count() == actions_before
    assert not housing_case.involvements.filter(agency=fire).exists()
    assert Agency.objects.get(pk=fire.pk).is_active
