"""A small, invented world for subject access tests: one person on a case with another subject,
with a referral, an agenda item and its minutes, agency information and an action on that case,
and a case and referral about other people that the person's export must not hold.

Every text carries a marker, so a test can tell which records reached an export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from actions.models import Action
from actions.services import action_update
from cmarac.accounts.models import Agency, User
from cmarac.cases.models import Case, CaseSubject, Person
from meetings import services as meeting_services
from referrals.models import Referral, ReferralSubject
from referrals.services import referral_accept
from tests.factories.actions import ActionFactory
from tests.factories.cases import CaseFactory, PersonFactory
from tests.factories.meetings import PastMeetingFactory
from tests.factories.referrals import SubmittedReferralFactory, alleged_perpetrator, victim

# Markers in the records about Verity (and, in passing, Pax, the other subject of her case).
THEIRS = {
    "case": "CASE-SUMMARY-MARKER",
    "referral": "REFERRAL-CHRONOLOGY-MARKER",
    "minutes": "MINUTES-DISCUSSION-MARKER",
    "agency information": "AGENCY-INFORMATION-MARKER",
    "action": "ACTION-DESCRIPTION-MARKER",
    "action update": "ACTION-UPDATE-MARKER",
    "unlinked referral": "UNLINKED-REFERRAL-MARKER",
    "general minutes": "GENERAL-MINUTES-MARKER",
}
# Markers in records about other people only.
NOT_THEIRS = [
    "OTHER-CASE-MARKER", "OTHER-ACTION-MARKER", "OTHER-REFERRAL-MARKER", "OTHER-GENERAL-MINUTES-MARKER", "Orrin",
    "Blackwater",
]  # fmt: skip


@dataclass
class World:
    verity: Person
    pax: Person
    case: Case
    referral: Referral
    unlinked_referral: Referral
    unlinked_subject: ReferralSubject
    other_case: Case
    other_referral: Referral
    action: Action


def build_world(
    *, housing: Agency, police: Agency, fire: Agency, coordinator: User, co_chair: User, housing_lead: User,
    police_referrer: User,
) -> World:  # fmt: skip
    verity = PersonFactory(
        given_name="Verity", family_name="Quillfeather", postcode="ZX9 4QT", date_of_birth=date(1988, 4, 2),
        vulnerabilities="Anxious about leaving the flat.",
    )  # fmt: skip
    pax = PersonFactory(given_name="Pax", family_name="Underhill", postcode="ZX9 4QU")
    case = CaseFactory(
        subjects=[(verity, CaseSubject.Role.VICTIM), (pax, CaseSubject.Role.ALLEGED_PERPETRATOR)],
        involve=[police],
        summary=f"{THEIRS['case']}: threats on the shared stairwell.",
    )
    referral = SubmittedReferralFactory(
        referrer=police_referrer,
        subjects=[victim("Verity", "Quillfeather", postcode="ZX9 4QT"),
                  alleged_perpetrator("Pax", "Underhill", postcode="ZX9 4QU")],
        concerns="Pax Underhill waits on the stairs and shouts.",
        chronology=f"{THEIRS['referral']}: letters and a damaged door.",
    )  # fmt: skip
    referral_accept(referral=referral, by=coordinator, join_case=case)

    meeting = PastMeetingFactory()
    item = meeting_services.agenda_add_item(meeting=meeting, case=case, item_type="new", by=co_chair)
    meeting_services.invite_agency_to_item(item=item, agency=housing, by=co_chair)
    meeting_services.agency_information_save(
        item=item, agency=housing, by=housing_lead, revision=None,
        fields={"research_summary": f"{THEIRS['agency information']}: tenancy in good order.",
                "known_risks": "Underhill has visited at night."},
    )  # fmt: skip
    meeting_services.item_minutes_record(
        item=item, by=co_chair, revision=None, discussion=f"{THEIRS['minutes']}: the panel agreed a plan.",
        risk_level="high", lead_agency=housing, lead_officer=None, decision="keep-under-review",
    )  # fmt: skip
    meeting_services.meeting_minutes_save(
        meeting=meeting, by=co_chair, revision=None,
        general_minutes=f"{THEIRS['general minutes']}: the chair thanked Ms Quillfeather's neighbours; Pax Underhill "
        "did not attend.",
    )  # fmt: skip
    action = ActionFactory(case=case, owner=housing, by=co_chair, description=f"{THEIRS['action']}: fit a door camera.")
    action_update(action=action, by=co_chair, status="in-progress", text=f"{THEIRS['action update']}: ordered.",
                  revision=None)  # fmt: skip

    # A referral about Verity still waiting for triage: her details as the referrer gave them.
    unlinked = SubmittedReferralFactory(
        referrer=police_referrer,
        subjects=[victim("Verity", "Quillfeather", postcode="ZX94QT")],
        concerns=f"{THEIRS['unlinked referral']}: a new incident.",
    )

    hoarder = PersonFactory(given_name="Orrin", family_name="Blackwater", postcode="ZF1 2AB")
    other_case = CaseFactory(
        subjects=[(hoarder, CaseSubject.Role.VICTIM)], involve=[fire], summary="OTHER-CASE-MARKER: hoarding."
    )
    ActionFactory(case=other_case, owner=fire, by=co_chair, description="OTHER-ACTION-MARKER: fire safety visit.")
    other_meeting = PastMeetingFactory()
    meeting_services.meeting_minutes_save(
        meeting=other_meeting, by=co_chair, revision=None,
        general_minutes="OTHER-GENERAL-MINUTES-MARKER: Mr Blackwater's flat was cleared; quill pens were bought.",
    )  # fmt: skip
    other_referral = SubmittedReferralFactory(
        referrer=police_referrer, concerns="OTHER-REFERRAL-MARKER: noise from a party flat."
    )
    return World(
        verity=verity, pax=pax, case=case, referral=referral, unlinked_referral=unlinked,
        unlinked_subject=unlinked.subjects.get(), other_case=other_case, other_referral=other_referral, action=action,
    )  # fmt: skip
