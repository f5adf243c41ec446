"""A small partnership history across two quarters (January to March and April to June 2026),
made through the services on the clock of each step, for the partnership report's tests. Every
figure the tests expect is counted by hand from this story (see test_report_figures.py).

Meetings (second Thursday, 10:00): 12 February, 12 March and 14 May are held; 11 June is not.

Referrals (police P, housing H):
  R1 P 10 Jan high   cuckooing                 accepted 12 Jan -> case C1 (high)
  R2 P 20 Jan std    noise, neighbour dispute  declined
  R3 H  5 Feb std    hoarding                  late, accepted as urgent, accepted -> C2 (standard)
  R4 H  5 Mar high   hate crime, ASB review    late, accepted -> C3 (high, ASB threshold flag)
  R5 P 20 Mar std    noise                     more information requested
  R6 P 15 Apr high   cuckooing (R1's victim)   a repeat; accepted into C1
  R7 H  1 May std    hoarding                  waiting for a decision

12 Feb: C1 (police invited, shares nothing), C2 (housing shares on 10 Feb, fire invited, shares
        nothing). Police and housing attend, fire sends apologies. Actions: A1 police on C1
        (due 11 Mar, completed 5 Mar), A2 housing on C2 (due 11 Mar, completed 20 Mar),
        A3 housing on C1 (due 11 Mar, not possible 12 Mar).
12 Mar: C1 (police invited, shares on 11 Mar; risk to medium), C2 (closed, standard).
        Police attend, housing sends apologies and information, fire absent.
        A4 police on C1 (due 8 Apr, not done 14 May).
14 May: C1 (police invited, shares nothing; closed at standard), C3 (housing invited, shares
        on 20 May, after the meeting). Police and housing attend.
        A5 housing on C3 (due 10 Jun, open), A6 police on C3 (due 30 Jul, open).
The report is read on 15 July 2026.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import time_machine

from actions import services as action_services
from actions.models import Action
from cmarac.accounts.models import Agency, User
from cmarac.cases.models import Case
from meetings import services as meeting_services
from meetings.models import Attendance, Meeting
from referrals import services as referral_services
from referrals.models import Referral
from tests.factories.accounts import ReferrerFactory
from tests.factories.meetings import MeetingFactory
from tests.factories.referrals import SubmittedReferralFactory, alleged_perpetrator, victim

LONDON = ZoneInfo("Europe/London")
ISSUE = Referral.IssueType


def at(month: int, day: int, hour: int = 9) -> time_machine.travel:
    return time_machine.travel(datetime(2026, month, day, hour, 0, tzinfo=LONDON), tick=False)


def meeting_on(month: int, day: int) -> Meeting:
    start = datetime(2026, month, day, 10, 0, tzinfo=LONDON)
    return MeetingFactory(starts_at=start, scheduled_for=start)


@dataclass
class History:
    cases: dict[str, Case]
    referrals: dict[str, Referral]
    meetings: dict[str, Meeting]
    actions: dict[str, Action]


# A cycle longer than the referrals of one history: within a history every name is new.
NAMES = itertools.cycle(["Aldous", "Brigid", "Caspian", "Delphine", "Evander", "Fenella", "Gideon", "Honora",
                         "Isidore", "Juniper", "Lysander", "Marisol", "Nerissa", "Oberon"])  # fmt: skip


def strangers() -> list[dict]:
    """A victim and an alleged perpetrator nobody else in the history is (the test factory's own
    names differ only by a number, which name matching ignores)."""
    first, second = next(NAMES), next(NAMES)
    return [victim(first, "Wrenfield", postcode="ZS1 1AA"), alleged_perpetrator(second, "Crowther", postcode="ZS2 2BB")]


def _refer(referrer: User, month: int, day: int, risk: str, issues: list[str], subjects=None) -> Referral:
    extra = {"hate_crime_strand": Referral.HateCrimeStrand.RACE} if ISSUE.HATE_CRIME in issues else {}
    with at(month, day):
        return SubmittedReferralFactory(
            referrer=referrer, risk=risk, issue_types=issues, subjects=subjects or strangers(), **extra,
            submitted_at=datetime(2026, month, day, 9, 0, tzinfo=LONDON),
        )  # fmt: skip


def _minutes(item, by: User, risk: str, decision: str, detail: str = "") -> None:
    meeting_services.item_minutes_record(
        item=item, by=by, revision=None, discussion="Discussed.", risk_level=risk, lead_agency=None,
        lead_officer=None, decision=decision, decision_detail=detail, next_review_on=date(2026, 12, 1),
    )  # fmt: skip


def _share(item, agency: Agency, by: User, month: int, day: int) -> None:
    with at(month, day):
        meeting_services.agency_information_save(
            item=item, agency=agency, by=by, revision=None, fields={"research_summary": "Two call-outs."}
        )


def _attend(meeting: Meeting, agency: Agency, status: str) -> None:
    meeting_services.attendance_record(meeting=meeting, agency=agency, status=status, attendee_name="A. Officer")


def _set(case: Case, owner: Agency, by: User, item, due: date) -> Action:
    return action_services.action_set(case=case, owner=owner, by=by, agenda_item=item, due_on=due,
                                      description="Joint visit.")  # fmt: skip


def _close(action: Action, by: User, status: str, month: int, day: int) -> None:
    with at(month, day, 15):
        action_services.action_close(action=action, by=by, status=status, reason="Reviewed.")


def two_quarters(
    *, coordinator: User, co_chair: User, police: Agency, housing: Agency, fire: Agency, police_referrer: User,
    housing_lead: User,
) -> History:  # fmt: skip
    housing_referrer = ReferrerFactory(email="referrer@housing.example", full_name="Hollis Referrer", agency=housing)
    repeat_victim = victim("Ottilie", "Marchbank", date_of_birth=date(1970, 3, 4), postcode="ZR1 2AA")
    r = {
        "R1": _refer(police_referrer, 1, 10, "high", [ISSUE.CUCKOOING],
                     [repeat_victim, alleged_perpetrator("Quentin", "Sallow", postcode="ZR1 2AB")]),
        "R2": _refer(police_referrer, 1, 20, "standard", [ISSUE.NOISE, ISSUE.NEIGHBOUR_DISPUTE]),
        "R3": _refer(housing_referrer, 2, 5, "standard", [ISSUE.HOARDING]),
        "R4": _refer(housing_referrer, 3, 5, "high", [ISSUE.HATE_CRIME, ISSUE.ASB_CASE_REVIEW]),
        "R5": _refer(police_referrer, 3, 20, "standard", [ISSUE.NOISE]),
    }  # fmt: skip
    c: dict[str, Case] = {}
    with at(1, 12):
        c["C1"] = referral_services.referral_accept(referral=r["R1"], by=coordinator)
    with at(1, 22):
        referral_services.referral_decline(referral=r["R2"], by=coordinator, reason="Below the threshold.")
    with at(2, 6):
        referral_services.referral_accept_as_urgent(referral=r["R3"], by=co_chair)
        c["C2"] = referral_services.referral_accept(referral=r["R3"], by=coordinator)
    with at(3, 6):
        c["C3"] = referral_services.referral_accept(referral=r["R4"], by=coordinator)
        Case.objects.filter(pk=c["C3"].pk).update(asb_case_review_threshold_reached=True)
    with at(3, 23):
        referral_services.referral_request_information(referral=r["R5"], by=coordinator, question="Which flat?")
    r["R6"] = _refer(police_referrer, 4, 15, "high", [ISSUE.CUCKOOING],
                     [repeat_victim, alleged_perpetrator("Quentin", "Sallow", postcode="ZR1 2AB")])  # fmt: skip
    with at(4, 16):
        referral_services.referral_accept(referral=r["R6"], by=coordinator, join_case=c["C1"])
    r["R7"] = _refer(housing_referrer, 5, 1, "standard", [ISSUE.HOARDING])

    m = {"M1": meeting_on(2, 12), "M2": meeting_on(3, 12), "M3": meeting_on(5, 14), "M4": meeting_on(6, 11)}
    a: dict[str, Action] = {}
    A = Attendance.Status
    with at(2, 1):
        m1c1 = meeting_services.agenda_add_item(meeting=m["M1"], case=c["C1"], item_type="new", by=co_chair)
        m1c2 = meeting_services.agenda_add_item(meeting=m["M1"], case=c["C2"], item_type="new", by=co_chair)
        meeting_services.invite_agency_to_item(item=m1c1, agency=police, by=co_chair)
        meeting_services.invite_agency_to_item(item=m1c2, agency=housing, by=co_chair)
        meeting_services.invite_agency_to_item(item=m1c2, agency=fire, by=co_chair)
    _share(m1c2, housing, housing_lead, 2, 10)
    with at(2, 12, 11):
        _attend(m["M1"], police, A.ATTENDED)
        _attend(m["M1"], housing, A.ATTENDED)
        _attend(m["M1"], fire, A.APOLOGIES)
        _minutes(m1c1, co_chair, "high", "review-next")
        _minutes(m1c2, co_chair, "standard", "keep-under-review")
        a["A1"] = _set(c["C1"], police, co_chair, m1c1, date(2026, 3, 11))
        a["A2"] = _set(c["C2"], housing, co_chair, m1c2, date(2026, 3, 11))
        a["A3"] = _set(c["C1"], housing, co_chair, m1c1, date(2026, 3, 11))
    _close(a["A1"], co_chair, Action.Status.COMPLETED, 3, 5)
    _close(a["A2"], co_chair, Action.Status.COMPLETED, 3, 20)
    _close(a["A3"], co_chair, Action.Status.NOT_POSSIBLE, 3, 12)

    with at(3, 1):
        m2c1 = meeting_services.agenda_add_item(meeting=m["M2"], case=c["C1"], item_type="review", by=co_chair)
        m2c2 = meeting_services.agenda_add_item(meeting=m["M2"], case=c["C2"], item_type="closure", by=co_chair)
        meeting_services.invite_agency_to_item(item=m2c1, agency=police, by=co_chair)
    _share(m2c1, police, co_chair, 3, 11)
    with at(3, 12, 11):
        _attend(m["M2"], police, A.ATTENDED)
        _attend(m["M2"], housing, A.INFORMATION_SENT)
        _attend(m["M2"], fire, A.ABSENT)
        _minutes(m2c1, co_chair, "medium", "review-next")
        a["A4"] = _set(c["C1"], police, co_chair, m2c1, date(2026, 4, 8))
        _minutes(m2c2, co_chair, "standard", "close", "Resolved.")

    with at(5, 1):
        m3c1 = meeting_services.agenda_add_item(meeting=m["M3"], case=c["C1"], item_type="review", by=co_chair)
        m3c3 = meeting_services.agenda_add_item(meeting=m["M3"], case=c["C3"], item_type="new", by=co_chair)
        meeting_services.invite_agency_to_item(item=m3c1, agency=police, by=co_chair)
        meeting_services.invite_agency_to_item(item=m3c3, agency=housing, by=co_chair)
    _close(a["A4"], co_chair, Action.Status.NOT_DONE, 5, 14)
    with at(5, 14, 11):
        _attend(m["M3"], police, A.ATTENDED)
        _attend(m["M3"], housing, A.ATTENDED)
        _minutes(m3c3, co_chair, "high", "keep-under-review")
        a["A5"] = _set(c["C3"], housing, co_chair, m3c3, date(2026, 6, 10))
        a["A6"] = _set(c["C3"], police, co_chair, m3c3, date(2026, 7, 30))
        _minutes(m3c1, co_chair, "standard", "close", "Safe now.")
    _share(m3c3, housing, housing_lead, 5, 20)
    for record in [*r.values(), *c.values(), *m.values(), *a.values()]:
        record.refresh_from_db()
    return History(cases=c, referrals=r, meetings=m, actions=a)
