"""Everyday pages say things plainly: the checklist is "not scored yet" until a question is
answered, the action page's heading says what is to be done, a missing online link is "Not given",
the audit trail names an action update by its case and a referral list as referrals, and the long
case page has a contents list."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from actions.models import ActionUpdate
from actions.services import action_set, action_update
from referrals.models import Referral
from tests.factories.meetings import MeetingFactory
from tests.factories.referrals import DraftReferralFactory
from tests.referral_builders import submitted_referral

pytestmark = pytest.mark.django_db
DUE = date(2031, 1, 15)


def test_the_checklist_is_not_scored_until_a_question_is_answered(police_referrer, as_user) -> None:
    referral = DraftReferralFactory(referrer=police_referrer)
    client = as_user(police_referrer)
    page = client.get(reverse("referrals:section", args=[referral.reference, "checklist"])).content.decode()
    assert "Not scored yet" in page
    assert "Your checklist score is 0" not in page
    criteria = client.get(reverse("referrals:section", args=[referral.reference, "criteria"])).content.decode()
    assert "not scored yet" in criteria
    assert "Your checklist score is 0" not in criteria
    check = client.get(reverse("referrals:check", args=[referral.reference])).content.decode()
    assert "Not scored yet" in check
    assert "Standard" not in check.split("Risk checklist", 1)[1].split("Risk level", 1)[0]


def test_a_scored_checklist_still_shows_its_score(police_referrer, coordinator, as_user) -> None:
    referral = submitted_referral(police_referrer)
    page = as_user(police_referrer).get(reverse("referrals:detail", args=[referral.reference])).content.decode()
    assert "Not scored yet" not in page
    assert str(Referral.objects.get(pk=referral.pk).score) in page


def test_the_action_page_heading_says_what_is_to_be_done(housing_case, housing, co_chair, as_user) -> None:
    action = action_set(
        case=housing_case, owner=housing, by=co_chair, description="Change the locks at the flat", due_on=DUE
    )
    page = as_user(co_chair).get(action.get_absolute_url()).content.decode()
    assert '<h1 class="govuk-heading-l govuk-!-margin-bottom-3">Change the locks at the flat</h1>' in page
    assert f"Case {housing_case.reference}: action for {housing.name}" in page


def test_a_meeting_without_an_online_link_says_not_given(coordinator, as_user) -> None:
    meeting = MeetingFactory(starts_at=datetime(2030, 3, 14, 10, tzinfo=ZoneInfo("Europe/London")), online_link="")
    page = as_user(coordinator).get(meeting.get_absolute_url()).content.decode()
    online = page.split("Online link", 1)[1][:200]
    assert "Not given" in online
    assert "None" not in online


def test_the_audit_trail_names_an_action_update_by_its_case(housing_case, housing, co_chair, housing_lead) -> None:
    action = action_set(case=housing_case, owner=housing, by=co_chair, description="Visit", due_on=DUE)
    action_update(action=action, by=housing_lead, status="in-progress", text="Booked for Monday", revision=None)
    update = ActionUpdate.objects.get()
    assert str(update) == f"update {update.pk} to action {action.pk} on {housing_case.reference}"


def test_the_audit_trail_labels_a_referral_list_as_referrals(police_referrer, coordinator, auditor, as_user) -> None:
    submitted_referral(police_referrer)
    as_user(coordinator).get(reverse("referrals:list"))
    page = as_user(auditor).get(reverse("audit:trail")).content.decode()
    assert "Referrals shown:" in page


def test_the_case_page_has_a_contents_list(housing_case, coordinator, as_user) -> None:
    page = as_user(coordinator).get(housing_case.get_absolute_url()).content.decode()
    contents = page.split('id="contents-title"', 1)[1].split("</nav>", 1)[0]
    for anchor in ("details", "subjects", "actions", "agencies", "history", "timeline"):
        assert f'href="#{anchor}"' in contents
        assert f'id="{anchor}"' in page


def test_the_audit_trail_names_guests_acknowledgements_and_packs_by_their_meetings_date(co_chair) -> None:
    from meetings.models import ConfidentialityAcknowledgement, Guest, MeetingPack

    meeting = MeetingFactory(starts_at=datetime(2026, 11, 12, 10, tzinfo=ZoneInfo("Europe/London")))
    guest = Guest.objects.create(meeting=meeting, name="Invented Guest", organisation="Invented Org")
    pack = MeetingPack(meeting=meeting, kind=MeetingPack.Kind.PACK, recipient=co_chair)
    acknowledgement = ConfidentialityAcknowledgement(meeting=meeting, recorded_by=co_chair)
    for record in (guest, pack, acknowledgement):
        assert "the meeting of 12 November 2026" in str(record)
        assert f"meeting {meeting.pk}" not in str(record)
    assert "Invented" not in str(guest)
