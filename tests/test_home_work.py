"""The home page's work queues: each role's section, its counts and links against a small world,
nothing from another agency, and a query count that does not grow with the rows."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cmarac.accounts.models import User
from cmarac.audit.chain import Verification
from cmarac.audit.tasks import record_check
from cmarac.cases.models import Case
from cmarac.governance.subject_access_models import SubjectAccessExport
from meetings import services as meeting_services
from meetings.models import AgendaInvitation, AgendaItem, Meeting, MeetingPack
from meetings.work import information_needed_line
from referrals import services as referral_services
from referrals.models import Referral
from tests.conftest import CAST
from tests.factories.accounts import AgencyFactory, AgencyStaffFactory
from tests.factories.actions import ActionFactory
from tests.factories.cases import CaseFactory, ClosedCaseFactory
from tests.factories.referrals import SubmittedReferralFactory
from tests.second_factor import verified_login

pytestmark = pytest.mark.django_db

HOME = reverse("home")


def today() -> date:
    return timezone.localdate()


def text_of(response) -> str:
    """The page's text, tags removed and spaces collapsed, to read lines as a person would."""
    assert response.status_code == 200
    html = response.content.decode()
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def links_of(response) -> dict[str, str]:
    """Each link's text -> its address."""
    html = response.content.decode()
    return {
        re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", text))).strip(): unescape(href)
        for href, text in re.findall(r'<a class="govuk-link" href="([^"]+)">(.*?)</a>', html, flags=re.S)
    }


_slot = iter(range(1, 10_000))


def past_meeting(**fields) -> Meeting:
    starts = timezone.now() - timedelta(days=40 + next(_slot))
    return Meeting.objects.create(starts_at=starts, scheduled_for=starts, **fields)


class World:
    """A partnership with work waiting: `add(n)` adds n of every kind of row."""

    def __init__(self, *, coordinator, co_chair, housing, police_referrer, auditor) -> None:
        self.coordinator, self.co_chair, self.housing = coordinator, co_chair, housing
        self.referrer, self.auditor = police_referrer, auditor
        starts = timezone.now() + timedelta(days=10)
        self.meeting = Meeting.objects.create(starts_at=starts, scheduled_for=starts, venue="Town Hall")
        self.cases: list[Case] = []

    def add(self, n: int) -> World:
        for _ in range(n):
            case = CaseFactory()
            self.cases.append(case)
            item = meeting_services.agenda_add_item(meeting=self.meeting, case=case, item_type="new", by=self.co_chair)
            meeting_services.invite_agency_to_item(item=item, agency=self.housing, by=self.co_chair)
            # Overdue for 20 days (so escalated), and one due in two days.
            ActionFactory(case=case, owner=self.housing, by=self.co_chair, due_on=today() - timedelta(days=20))
            ActionFactory(case=case, owner=self.housing, by=self.co_chair, due_on=today() + timedelta(days=2))
            # Whether a referral sent now is late depends on today's date: say which it is.
            in_time = SubmittedReferralFactory(referrer=self.referrer)
            Referral.objects.filter(pk=in_time.pk).update(is_late=False)
            late = SubmittedReferralFactory(referrer=self.referrer)
            Referral.objects.filter(pk=late.pk).update(is_late=True)
            asked = SubmittedReferralFactory(referrer=self.referrer)
            referral_services.referral_request_information(
                referral=asked, by=self.coordinator, question="Who else lives at the address?", revision=None
            )
            past_meeting(status=Meeting.Status.HELD)
            past_meeting(status=Meeting.Status.HELD, minutes_status=Meeting.MinutesStatus.CIRCULATED)
            closed = ClosedCaseFactory()
            Case.objects.filter(pk=closed.pk).update(closed_on=date(2015, 1, 1))
            SubjectAccessExport.objects.create(
                made_by=self.auditor, request_reference="SAR-1", status=SubjectAccessExport.Status.READY
            )
            MeetingPack.objects.create(
                meeting=self.meeting, kind="pack", recipient=self.co_chair, status=MeetingPack.Status.READY
            )
        record_check(Verification(entries=3))
        return self


@pytest.fixture
def world(coordinator, co_chair, housing, police_referrer, auditor, housing_lead, fire_lead) -> World:
    return World(
        coordinator=coordinator, co_chair=co_chair, housing=housing, police_referrer=police_referrer, auditor=auditor
    )


# --- Who sees which section ---------------------------------------------------------------------

SECTIONS = {
    "coordinator": ["Coordinator"],
    "co_chair": ["Co-chair", "Agency member, Partnership Policing Team"],
    "housing_lead": ["Agency lead, Council Housing", "Your referrals"],
    "fire_lead": ["Agency lead, Fire Brigade", "Your referrals"],
    "police_referrer": ["Your referrals"],
    "auditor": ["Information governance and audit"],
    "administrator": [],
}
ALL_SECTIONS = {"Coordinator", "Co-chair", "Your referrals", "Information governance and audit"}


@pytest.mark.parametrize("person", CAST)
def test_each_role_sees_its_own_sections(person, request, as_user, world) -> None:
    world.add(1)
    user = request.getfixturevalue(person)
    html = as_user(user).get(HOME).content.decode()
    headings = re.findall(r'<h2 class="govuk-heading-m" id="work-\d+">([^<]+)</h2>', html)
    assert [unescape(h) for h in headings] == SECTIONS[person]


def test_a_person_with_several_roles_sees_each_section(community_safety, as_user, world) -> None:
    from cmarac.accounts.roles import Role
    from tests.factories.accounts import UserFactory

    both = UserFactory(roles=(Role.COORDINATOR, Role.AUDITOR, Role.REFERRER), agency=community_safety)
    world.add(1)
    html = as_user(both).get(HOME).content.decode()
    headings = re.findall(r'<h2 class="govuk-heading-m" id="work-\d+">([^<]+)</h2>', html)
    assert headings == ["Coordinator", "Your referrals", "Information governance and audit"]
    # The retention line is counted once and shown in both sections.
    assert html.count("1 record due for retention review this month") == 2


def test_an_agency_member_whose_agency_keeps_its_cases_from_members_has_no_agency_section(
    housing, as_user, world
) -> None:
    housing.members_see_cases = False
    housing.save(update_fields=["members_see_cases"])
    member = AgencyStaffFactory(agency=housing)
    world.add(1)
    html = as_user(member).get(HOME).content.decode()
    headings = re.findall(r'<h2 class="govuk-heading-m" id="work-\d+">([^<]+)</h2>', html)
    assert headings == ["Your referrals"]


# --- What each section says, and where it leads -------------------------------------------------


def test_the_coordinators_queue(coordinator, as_user, world) -> None:
    world.add(2)
    response = as_user(coordinator).get(HOME)
    links = links_of(response)
    assert links["4 referrals waiting for triage"] == "/referrals/?tab=waiting"
    assert links["Agenda not published yet"] == reverse("meetings:agenda", args=[world.meeting.pk])
    assert links["0 invited agencies with nobody to tell (no contact address, lead or deputy)"]
    assert links["1 invited agency of 1 not yet sharing information on every item"] == world.meeting.get_absolute_url()
    assert links["2 meeting packs made for this meeting"] == world.meeting.get_absolute_url()
    assert links["2 meetings with minutes waiting to be circulated"] == "/meetings/?minutes=to-circulate"
    assert links["2 meetings with minutes waiting for approval"] == "/meetings/?minutes=to-approve"
    assert links["2 actions overdue for more than 14 days (escalated)"] == "/actions/?show=all&due=escalated"
    assert links["2 records due for retention review this month"] == reverse("governance:retention_queue")
    page = text_of(response)
    assert f"Next meeting: {timezone.localtime(world.meeting.starts_at):%A}" in page
    assert "2 items on the agenda; agenda not published yet." in page
    # The oldest waiting referrals are listed with the days left before their meeting.
    oldest = Referral.objects.filter(status="submitted").order_by("submitted_at", "pk").first()
    assert links[oldest.reference] == reverse("referrals:triage", args=[oldest.reference])
    assert "to decide" in page or "has passed" in page


def test_invitations_nobody_can_be_told_of(coordinator, co_chair, world, as_user) -> None:
    silent = AgencyFactory(name="Silent Trust", short_name="silent", contact_email="")
    world.add(1)
    meeting_services.invite_agency_to_item(item=world.meeting.items.get(), agency=silent, by=co_chair)
    links = links_of(as_user(coordinator).get(HOME))
    assert links["1 invited agency with nobody to tell (no contact address, lead or deputy)"] == reverse(
        "manage:agencies"
    )
    assert links["Silent Trust"] == reverse("manage:agencies")
    assert links["2 invited agencies of 2 not yet sharing information on every item"]


def test_the_co_chairs_queue(co_chair, as_user, world) -> None:
    world.add(3)
    links = links_of(as_user(co_chair).get(HOME))
    assert links["3 late referrals that could be heard as urgent"] == "/referrals/?tab=waiting&late=1"
    assert links["3 actions overdue for more than 14 days (escalated)"] == "/actions/?show=all&due=escalated"
    assert links["3 meetings with minutes waiting for approval"] == "/meetings/?minutes=to-approve"
    assert any(text.startswith("Next meeting: ") for text in links)


def test_an_agencys_queue(housing_lead, as_user, world) -> None:
    world.add(2)
    response = as_user(housing_lead).get(HOME)
    links = links_of(response)
    assert links["2 actions of your agency overdue"] == "/actions/?show=mine&due=overdue"
    assert links["2 actions of your agency due in the next 7 days"] == "/actions/?show=mine&due=soon"
    line = "2 agenda items your agency is invited to and has not shared information on"
    assert links[line] == reverse("meetings:list")
    item = world.meeting.items.order_by("position", "pk").first()
    assert links[item.case.reference] == reverse("meetings:information", args=[world.meeting.pk, item.pk])
    assert "share before the meeting on" in text_of(response)
    assert links[f"Your agency's next meeting: {_long(world.meeting.starts_at)}"] == world.meeting.get_absolute_url()
    new = "2 cases newly shared with your agency in the last 14 days"
    assert links[new].startswith("/cases/?status=all&shared_since=")


def test_information_needed_is_the_agencys_items_of_coming_meetings(co_chair, housing_lead, housing, world) -> None:
    world.add(2)
    for starts, status in [(timezone.now() - timedelta(days=30), "held"), (world.meeting.starts_at, "cancelled")]:
        other = Meeting.objects.create(starts_at=starts + timedelta(hours=1), status=status)
        item = AgendaItem.objects.create(meeting=other, case=CaseFactory(), position=1)
        AgendaInvitation.objects.create(item=item, agency=housing, invited_by=co_chair)
    assert information_needed_line(housing_lead, today=today()).count == 2  # not the past or cancelled ones
    # The co-chair sees every item; their own agency is invited to none of them.
    assert information_needed_line(co_chair, today=today()).count == 0
    item = world.meeting.items.order_by("pk").first()
    meeting_services.invite_agency_to_item(item=item, agency=co_chair.agency, by=co_chair)
    line = information_needed_line(co_chair, today=today())
    assert (line.count, [entry.label for entry in line.items]) == (1, [item.case.reference])
    # One query, which reads the agency's invitations once: a second, joined copy of the condition
    # made PostgreSQL start from every invitation the agency ever had (docs/performance.md).
    with CaptureQueriesContext(connection) as queries:
        information_needed_line(housing_lead, today=today())
    assert [q["sql"].count('"meetings_agendainvitation"') for q in queries.captured_queries] == [1]
    # More than are listed: the count is of them all, the first five listed, soonest first.
    world.add(5)
    line = information_needed_line(housing_lead, today=today())
    assert (line.count, len(line.items), line.more) == (7, 5, 2)
    assert [entry.label for entry in line.items] == [case.reference for case in world.cases[:5]]


def _long(moment) -> str:
    local = timezone.localtime(moment)
    return f"{local:%A} {local.day} {local:%B %Y} at {local:%H:%M}"


def test_sharing_information_takes_an_item_off_the_agencys_queue(housing_lead, housing, as_user, world) -> None:
    world.add(2)
    item = world.meeting.items.order_by("position", "pk").first()
    meeting_services.agency_information_save(
        item=item, agency=housing, by=housing_lead, fields={"research_summary": "Known to us."}, revision=None
    )
    links = links_of(as_user(housing_lead).get(HOME))
    assert "1 agenda item your agency is invited to and has not shared information on" in links
    assert item.case.reference not in links


def test_newly_shared_counts_from_the_previous_sessions_visit(client, housing_lead, co_chair, housing, world) -> None:
    world.add(1)
    verified_login(client, housing_lead)
    assert "1 case newly shared with your agency in the last 14 days" in links_of(client.get(HOME))
    # The same session keeps its count when the page is reloaded.
    assert "1 case newly shared with your agency in the last 14 days" in links_of(client.get(HOME))
    client.logout()
    world.add(2)
    verified_login(client, housing_lead)
    links = links_of(client.get(HOME))
    url = links["2 cases newly shared with your agency since your last visit"]
    listed = client.get(url)
    assert listed.status_code == 200
    assert sorted(case.reference for case in listed.context["cases"]) == sorted(c.reference for c in world.cases[1:])


def test_the_referrers_queue(police_referrer, as_user, world) -> None:
    world.add(2)
    response = as_user(police_referrer).get(HOME)
    links = links_of(response)
    assert links["2 referrals asking you for more information"] == "/referrals/mine/?status=more-information"
    assert links["4 referrals sent and waiting for triage"] == "/referrals/mine/?status=submitted"
    assert links["0 referrals not sent yet (drafts)"] == "/referrals/mine/?status=draft"
    asked = Referral.objects.filter(status="more-information").first()
    assert links[asked.reference] == asked.get_absolute_url()


def test_the_auditors_queue(auditor, as_user, world) -> None:
    world.add(2)
    response = as_user(auditor).get(HOME)
    links = links_of(response)
    assert links["2 subject access exports ready to download"] == reverse("governance:subject_access_exports")
    assert links["2 records due for retention review this month"] == reverse("governance:retention_queue")
    checked = [text for text in links if text.startswith("The audit trail's seals were last checked on")]
    assert checked
    assert checked[0].endswith(": no problems")
    record_check(Verification(entries=3, problems=["entry 4 was altered"]))
    assert "found 1 problem" in text_of(as_user(auditor).get(HOME))


def test_an_auditor_is_told_when_the_trail_was_never_checked(auditor, as_user) -> None:
    assert "have not been checked yet" in text_of(as_user(auditor).get(HOME))


# --- Nothing from another agency ----------------------------------------------------------------


def test_an_uninvolved_agency_counts_nothing_of_the_cases_it_cannot_see(fire_lead, fire_case, as_user, world) -> None:
    world.add(3)
    page = text_of(as_user(fire_lead).get(HOME))
    assert "0 actions of your agency overdue" in page
    assert "0 actions of your agency due in the next 7 days" in page
    assert "0 agenda items your agency is invited to and has not shared information on" in page
    # The fire brigade's own case is new to it; none of the three housing cases is counted.
    assert "1 case newly shared with your agency in the last 14 days" in page
    assert "Your agency is not invited to a coming meeting" in page
    for case in world.cases:
        assert case.reference not in page


def test_another_agencys_actions_are_not_counted_as_ours(housing_lead, housing_case, police, co_chair, as_user, world):
    world.add(1)
    # An overdue action of the police on a case housing leads: housing sees it on the case, but it
    # is not housing's to do.
    ActionFactory(case=housing_case, owner=police, by=co_chair, due_on=today() - timedelta(days=3))
    assert "1 action of your agency overdue" in text_of(as_user(housing_lead).get(HOME))


# --- A fixed number of queries ------------------------------------------------------------------

# Every role: the session, the user (with their agency), the second-factor device, the roles (groups), and saving the
# session (savepoint, update, release): 7. Then its sections. A list under a count is read only
# when the count is not zero: in this world only the referrer has referrals, and only housing is
# invited to items.
#   coordinator (13): triage counts, the oldest waiting, the next meeting (items and packs as
#     subqueries), minutes, escalated actions, retention (holds, closed cases, declined referrals,
#     drafts), the invited agencies, the agencies without information, their own
#     referrals (counts; none asking for information), lapsed sharing agreements.
#   co-chair (10): triage counts and oldest, next meeting, minutes, escalated actions; their
#     agency's section (actions, items needing information, newly shared, next
#     meeting); their own referrals (counts, none asking).
#   housing lead (5): the agency's section (actions, items needing information (counted and
#     listed by one query), newly shared, next meeting), their own referrals (counts, none asking).
#   fire lead (5): as housing's.
#   referrer (2): their referrals (counts, and those asking for information).
#   auditor (6): the last audit trail check, retention (four), subject access exports.
QUERIES = {
    "coordinator": 7 + 13,
    "co_chair": 7 + 10,
    "housing_lead": 7 + 5,
    "fire_lead": 7 + 5,
    "police_referrer": 7 + 2,
    "auditor": 7 + 6,
    "administrator": 7,
}


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(HOME).status_code == 200
    return len(queries)


@pytest.mark.parametrize("person", CAST)
def test_the_home_page_costs_the_same_queries_with_one_row_and_with_many(person, request, as_user, world) -> None:
    user: User = request.getfixturevalue(person)
    client = as_user(user)
    world.add(1)
    client.get(HOME)  # the first visit of a session also notes the visit (one update, see below)
    with_one = _queries(client)
    world.add(4)
    with_many = _queries(client)
    assert (with_one, with_many) == (QUERIES[person], QUERIES[person])


def test_the_first_home_page_of_a_session_notes_the_visit(client, housing_lead, world) -> None:
    world.add(1)
    verified_login(client, housing_lead)
    first = _queries(client)
    assert _queries(client) == first - 1  # the one update of home_seen_at
    housing_lead.refresh_from_db()
    assert housing_lead.home_seen_at is not None
