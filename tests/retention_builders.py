"""A case with personal data in every part (referral, subjects, meeting, shared information,
actions, a pack), closed at a meeting, for the retention tests. Everything here is invented."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import time_machine

from actions import services as action_services
from actions.models import Action
from cmarac.accounts.models import Agency, User
from cmarac.cases.models import Case
from meetings import services as meeting_services
from meetings.models import AgendaItem, Meeting
from referrals import services as referral_services
from tests.factories.actions import ActionFactory
from tests.factories.meetings import PastMeetingFactory
from tests.factories.referrals import SubmittedReferralFactory, alleged_perpetrator, victim

LONDON = ZoneInfo("Europe/London")

# Every piece of personal data the case holds: none may survive anonymisation anywhere.
PERSONAL = (
    "Marigold",
    "Fenwhistle",
    "Tobias",
    "Grimsditch",
    "Lanternfly",
    "ZQ7 3LP",
    "ZQ7 3LQ",
    "07700 900461",
    "marigold@example.invalid",
)


def at(year: int, month: int, day: int, hour: int = 9) -> time_machine.travel:
    """The clock stopped at this local time."""
    return time_machine.travel(datetime(year, month, day, hour, 0, tzinfo=LONDON), tick=False)


@dataclass
class FullCase:
    case: Case
    meeting: Meeting
    item: AgendaItem
    action: Action


def full_case(
    *, co_chair: User, coordinator: User, housing: Agency, housing_lead: User, police_referrer: User
) -> FullCase:
    """Referred, accepted, discussed at a meeting with housing's information, given an action,
    and closed by the panel (today, on the clock the caller set)."""
    referral = SubmittedReferralFactory(
        referrer=police_referrer,
        concerns="Marigold Fenwhistle is afraid to leave her flat at 14 Lanternfly Court.",
        chronology="Tobias Grimsditch shouted threats on the stairs in March.",
        subjects=[
            victim(
                "Marigold",
                "Fenwhistle",
                address="14 Lanternfly Court",
                postcode="ZQ7 3LP",
                date_of_birth=date(1984, 5, 2),
                phone="07700 900461",
                email="marigold@example.invalid",
                vulnerabilities="Marigold has a heart condition.",
            ),
            alleged_perpetrator("Tobias", "Grimsditch", address="3 Lanternfly Court", postcode="ZQ7 3LQ"),
        ],
    )
    case = referral_services.referral_accept(referral=referral, by=coordinator)
    meeting = PastMeetingFactory()
    item = meeting_services.agenda_add_item(meeting=meeting, case=case, item_type="new", by=co_chair)
    meeting_services.invite_agency_to_item(item=item, agency=housing, by=co_chair)
    meeting_services.agency_information_save(
        item=item,
        agency=housing,
        by=housing_lead,
        revision=None,
        fields={"research_summary": "Tobias Grimsditch has two tenancy warnings at 3 Lanternfly Court."},
    )
    action = ActionFactory(
        case=case, owner=housing, by=co_chair, description="Visit Marigold Fenwhistle at 14 Lanternfly Court"
    )
    action_services.action_update(
        action=action, by=co_chair, status=Action.Status.COMPLETED, text="Marigold Fenwhistle visited.", revision=None
    )
    meeting_services.item_minutes_record(
        item=item,
        by=co_chair,
        revision=None,
        discussion="Tobias Grimsditch was seen at ZQ7 3LP again.",
        risk_level="high",
        lead_agency=housing,
        lead_officer=None,
        decision="close",
        decision_detail="Marigold Fenwhistle has moved away from Lanternfly Court.",
    )
    case.refresh_from_db()
    action.refresh_from_db()
    item.refresh_from_db()
    return FullCase(case=case, meeting=meeting, item=item, action=action)
