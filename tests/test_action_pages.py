"""Action pages: who reaches which page, updates by the owning agency only, review, filters and the CSV log."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import timedelta
from urllib.parse import parse_qs

import pytest
from auditlog.models import LogEntry
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from actions import services
from actions.models import Action, ActionUpdate
from actions.selectors import action_table_rows
from cmarac.core.dates import long_date
from meetings import services as meeting_services
from tests.conftest import CAST
from tests.factories.accounts import AgencyStaffFactory
from tests.factories.actions import ActionFactory, CompletedActionFactory
from tests.factories.cases import CaseFactory
from tests.factories.meetings import MeetingFactory, PastMeetingFactory

pytestmark = pytest.mark.django_db
LIST = reverse("actions:list")
EXPORT = reverse("actions:export")


def today():
    return timezone.localdate()


@pytest.fixture
def ours(housing_case, housing, co_chair) -> Action:
    """Housing's action on the case housing leads."""
    return ActionFactory(case=housing_case, owner=housing, by=co_chair, description="Visit the victim at home")


@pytest.fixture
def theirs(housing_case, police, co_chair) -> Action:
    """The police's action on the same case: housing can read it, not update it."""
    return ActionFactory(case=housing_case, owner=police, by=co_chair, description="Patrol the estate at night")


@pytest.fixture
def fire_action(fire_case, fire, co_chair) -> Action:
    return ActionFactory(case=fire_case, owner=fire, by=co_chair, description="Fire safety check of the flat")


def ids(response) -> set[int]:
    return {action.pk for action in response.context["actions"]}


# --- Who reaches which page ----------------------------------------------------------------

PEOPLE = [*CAST, "anonymous"]

ACCESS = {
    # person:          list export new detail review
    "coordinator": (200, 200, 200, 200, 200),
    "co_chair": (200, 200, 200, 200, 200),
    "housing_lead": (200, 200, 403, 200, 403),
    "fire_lead": (200, 200, 404, 404, 404),
    "police_referrer": (403, 403, 404, 404, 404),
    "auditor": (403, 403, 404, 404, 404),
    "administrator": (403, 403, 404, 404, 404),
    "anonymous": (302, 302, 302, 302, 302),
}
PAGES = ["list", "export", "new", "detail", "review"]


@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize("page", PAGES)
def test_who_reaches_which_page(page, person, ours, housing_case, request, as_user) -> None:
    """The detail and review pages are on an action of housing_case, which the fire brigade is not
    involved in (404, as for a missing action); the new page is for that case."""
    user = None if person == "anonymous" else request.getfixturevalue(person)
    url = {
        "list": LIST,
        "export": EXPORT,
        "new": reverse("actions:new", args=[housing_case.reference]),
        "detail": reverse("actions:detail", args=[ours.pk]),
        "review": reverse("actions:review", args=[ours.pk]),
    }[page]
    response = as_user(user).get(url)
    assert response.status_code == ACCESS[person][PAGES.index(page)]
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("login"))


def test_a_missing_action_and_case_are_404(coordinator, as_user) -> None:
    client = as_user(coordinator)
    assert client.get(reverse("actions:detail", args=[999999])).status_code == 404
    assert client.get(reverse("actions:review", args=[999999])).status_code == 404
    assert client.get(reverse("actions:new", args=["CM-1999-0001"])).status_code == 404


def test_a_refused_action_page_is_audited(fire_lead, ours, as_user) -> None:
    as_user(fire_lead).get(reverse("actions:detail", args=[ours.pk]))
    entry = LogEntry.objects.filter(actor=fire_lead).latest("pk")
    assert entry.additional_data["refused"] is True


def test_pages_showing_actions_are_audited(housing_lead, ours, as_user) -> None:
    client = as_user(housing_lead)
    client.get(LIST)
    entry = LogEntry.objects.filter(actor=housing_lead, action=LogEntry.Action.ACCESS).latest("pk")
    assert (entry.additional_data["what"], entry.changes["shown"]) == ("Action list", [ours.case.reference])
    client.get(ours.get_absolute_url())
    entry = LogEntry.objects.filter(actor=housing_lead, action=LogEntry.Action.ACCESS).latest("pk")
    assert (entry.additional_data["what"], entry.additional_data["case"]) == ("Action page", ours.case.reference)


# --- Updating: the owning agency only -------------------------------------------------------


def update(client, action: Action, status: str = "in-progress", text: str = "Visit booked", revision=None):
    revision = action.revision if revision is None else revision
    return client.post(action.get_absolute_url(), {"status": status, "text": text, "revision": revision})


def test_an_agency_updates_its_own_action(housing_lead, ours, as_user) -> None:
    client = as_user(housing_lead)
    page = client.get(ours.get_absolute_url()).content.decode()
    assert "Add an update" in page
    response = update(client, ours, text="Visit booked for Tuesday")
    assert response.status_code == 302
    assert response["Location"] == ours.get_absolute_url()
    ours.refresh_from_db()
    assert (ours.status, ours.updates.get().text) == ("in-progress", "Visit booked for Tuesday")
    page = client.get(ours.get_absolute_url()).content.decode()
    assert "Update saved" in page
    assert "Visit booked for Tuesday" in page


def test_another_agencys_action_is_read_only_and_a_post_is_refused(housing_lead, theirs, as_user) -> None:
    client = as_user(housing_lead)
    response = client.get(theirs.get_absolute_url())
    assert response.status_code == 200
    assert response.context["form"] is None
    assert "Add an update" not in response.content.decode()
    assert "Patrol the estate at night" in response.content.decode()
    assert update(client, theirs, status="completed", text="Done by housing").status_code == 403
    theirs.refresh_from_db()
    assert theirs.status == "not-started"
    assert not ActionUpdate.objects.exists()


def test_the_named_officer_gets_the_update_form(housing_case, co_chair, police, as_user) -> None:
    member = AgencyStaffFactory(agency=police)
    action = ActionFactory(case=housing_case, owner=police, by=co_chair, officer=member)
    assert as_user(member).get(action.get_absolute_url()).context["form"] is not None


def test_completing_records_the_outcome_and_closes_the_action(housing_lead, ours, as_user) -> None:
    client = as_user(housing_lead)
    response = update(client, ours, status="completed", text="")
    assert response.status_code == 200
    assert "Enter the outcome of the action" in response.content.decode()
    assert response.context["form"].errors
    ours.refresh_from_db()
    assert ours.is_open

    response = update(client, ours, status="completed", text="Victim visited; locks changed.")
    assert response.status_code == 302
    ours.refresh_from_db()
    assert (ours.status, ours.outcome) == ("completed", "Victim visited; locks changed.")
    response = client.get(ours.get_absolute_url())
    page = response.content.decode()
    assert "Action completed" in page
    assert "Victim visited; locks changed." in page
    assert response.context["form"] is None  # closed: no more updates
    update(client, ours, status="in-progress", text="Again")
    assert ours.updates.count() == 1


def test_a_bad_update_saves_nothing(housing_lead, ours, as_user) -> None:
    response = update(as_user(housing_lead), ours, status="", text="")
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert "Select the action&#x27;s status" in page
    assert "Enter what has happened" in page
    assert not ours.updates.exists()


def test_a_stale_update_is_refused_keeps_the_text_and_shows_the_newer_update(
    housing_lead, co_chair, ours, as_user
) -> None:
    client = as_user(housing_lead)
    seen = client.get(ours.get_absolute_url()).context["form"].initial["revision"]
    services.action_update(action=ours, by=co_chair, status="in-progress", text="Police visited first", revision=None)

    response = update(client, ours, text="My note about the visit", revision=seen)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Someone else updated this action while you were writing" in page
    assert "govuk-error-summary" in page
    assert "Police visited first" in page
    form = response.context["form"]
    assert form["text"].value() == "My note about the visit"
    assert ours.updates.count() == 1  # nothing of theirs saved

    response = update(client, ours, text="My note about the visit", revision=form["revision"].value())
    assert response.status_code == 302
    assert ours.updates.count() == 2


def test_an_update_to_an_action_closed_meanwhile_keeps_the_text(housing_lead, co_chair, ours, as_user) -> None:
    client = as_user(housing_lead)
    services.action_close(action=ours, by=co_chair, status="not-possible", reason="Tenant moved away")
    response = update(client, ours, text="My unsaved words", revision=0)
    assert response.status_code == 200
    page = response.content.decode()
    assert "This action has been closed, so your update has not been saved" in page
    assert "My unsaved words" in page
    assert ours.updates.count() == 1  # the chair's closing update only


def test_chairs_get_a_review_link_others_do_not(co_chair, housing_lead, ours, as_user) -> None:
    review = reverse("actions:review", args=[ours.pk])
    assert review in as_user(co_chair).get(ours.get_absolute_url()).content.decode()
    assert review not in as_user(housing_lead).get(ours.get_absolute_url()).content.decode()


# --- The list's filters ---------------------------------------------------------------------


def test_agency_staff_see_their_agencys_actions_with_a_switch_to_all_on_their_cases(
    housing_lead, co_chair, ours, theirs, fire_action, as_user
) -> None:
    client = as_user(housing_lead)
    assert ids(client.get(LIST)) == {ours.pk}
    assert ids(client.get(LIST, {"show": "all"})) == {ours.pk, theirs.pk}
    page = client.get(LIST, {"show": "all"}).content.decode()
    assert "Fire safety check" not in page
    assert ids(as_user(co_chair).get(LIST)) == {ours.pk, theirs.pk, fire_action.pk}


def test_the_overdue_boundary(housing_case, housing, co_chair, housing_lead, as_user) -> None:
    yesterday = ActionFactory(case=housing_case, owner=housing, by=co_chair, due_on=today() - timedelta(days=1))
    due_today = ActionFactory(case=housing_case, owner=housing, by=co_chair, due_on=today())
    client = as_user(housing_lead)
    assert ids(client.get(LIST, {"due": "overdue"})) == {yesterday.pk}
    page = client.get(LIST).content.decode()
    assert page.count(">Overdue</strong>") == 1
    assert ids(client.get(LIST)) == {yesterday.pk, due_today.pk}


@pytest.mark.parametrize(("due_in", "listed"), [(-1, False), (0, True), (7, True), (8, False)])
def test_due_soon_boundary(due_in, listed, housing_case, housing, co_chair, housing_lead, settings, as_user) -> None:
    settings.ACTION_DUE_SOON_DAYS = 7
    action = ActionFactory(case=housing_case, owner=housing, by=co_chair, due_on=today() + timedelta(days=due_in))
    assert (action.pk in ids(as_user(housing_lead).get(LIST, {"due": "soon"}))) is listed


@pytest.mark.parametrize(("days_overdue", "listed"), [(14, False), (15, True)])
def test_the_escalation_link(days_overdue, listed, housing_case, housing, co_chair, settings, as_user) -> None:
    settings.ACTION_ESCALATION_DAYS = 14
    action = ActionFactory(case=housing_case, owner=housing, by=co_chair, due_on=today() - timedelta(days=days_overdue))
    response = as_user(co_chair).get(LIST, {"overdue": "escalated"})
    assert (action.pk in ids(response)) is listed
    assert response.context["form"]["due"].value() == "escalated"


def test_status_filter_open_by_default(housing_case, housing, co_chair, ours, as_user) -> None:
    done = CompletedActionFactory(case=housing_case, owner=housing, by=co_chair)
    client = as_user(co_chair)
    assert ids(client.get(LIST)) == {ours.pk}
    assert ids(client.get(LIST, {"status": "all"})) == {ours.pk, done.pk}
    assert ids(client.get(LIST, {"status": "completed"})) == {done.pk}
    assert ids(client.get(LIST, {"status": "in-progress"})) == set()


def test_case_and_meeting_filters(housing_case, fire_case, housing, fire, co_chair, ours, fire_action, as_user):
    meeting = MeetingFactory()
    item = meeting_services.agenda_add_item(meeting=meeting, case=fire_case, item_type="review", by=co_chair)
    at_meeting = ActionFactory(case=fire_case, owner=fire, by=co_chair, agenda_item=item)
    client = as_user(co_chair)
    assert ids(client.get(LIST, {"case": housing_case.reference})) == {ours.pk}
    assert ids(client.get(LIST, {"case": housing_case.reference.lower()})) == {ours.pk}
    assert ids(client.get(LIST, {"meeting": meeting.pk})) == {at_meeting.pk}
    response = client.get(LIST, {"meeting": 999999})
    assert ids(response) == set()  # an invalid filter matches nothing...
    assert "Select a meeting from the list" in response.content.decode()  # ...and says why
    assert ids(client.get(LIST, {"meeting": "9" * 30})) == set()
    # A meeting without actions is not offered, but a link to it works.
    quiet = MeetingFactory()
    response = client.get(LIST, {"meeting": quiet.pk})
    assert (ids(response), response.context["form"].errors) == (set(), {})
    offered = [str(label) for _, label in response.context["form"].fields["meeting"].choices]
    assert offered == ["Any meeting", str(quiet), str(meeting)]
    assert f'<option value="{quiet.pk}" selected>' in response.content.decode()
    assert f'<option value="{meeting.pk}">' in response.content.decode()


def test_with_no_meeting_chosen_the_filter_offers_the_latest_meetings_with_actions(
    fire_case, fire, co_chair, as_user, monkeypatch
) -> None:
    from datetime import timedelta

    from actions import forms as action_forms

    monkeypatch.setattr(action_forms, "MEETINGS_OFFERED", 2)
    first = MeetingFactory()
    made = [first, *(MeetingFactory(starts_at=first.starts_at + timedelta(days=n)) for n in (1, 2))]
    for meeting in made:
        item = meeting_services.agenda_add_item(meeting=meeting, case=fire_case, item_type="review", by=co_chair)
        ActionFactory(case=fire_case, owner=fire, by=co_chair, agenda_item=item)
    MeetingFactory(starts_at=first.starts_at + timedelta(days=3))  # the newest, but no action was set at it
    response = as_user(co_chair).get(LIST)
    offered = [str(label) for _, label in response.context["form"].fields["meeting"].choices]
    assert offered == ["Any meeting", str(made[2]), str(made[1])]


def test_the_csv_link_carries_the_filters(co_chair, ours, as_user) -> None:
    response = as_user(co_chair).get(LIST, {"due": "overdue", "case": ours.case.reference})
    href = re.search(rf'href="{EXPORT}\?([^"]*)"', response.content.decode()).group(1)
    assert parse_qs(html.unescape(href)) == {
        "show": ["all"],
        "status": ["open"],
        "due": ["overdue"],
        "case": [ours.case.reference],
    }


def test_user_text_is_escaped(housing_case, housing, co_chair, as_user) -> None:
    action = ActionFactory(case=housing_case, owner=housing, by=co_chair, description="<script>alert(1)</script>")
    for url in (LIST, action.get_absolute_url()):
        page = as_user(co_chair).get(url).content.decode()
        assert "<script>alert(1)" not in page
        assert "&lt;script&gt;alert(1)" in page


# --- Query counts ---------------------------------------------------------------------------

# session, user (with their agency), OTP device, role groups,
# the list's action ids up to the count's bound (the count and the page at once), the page's actions
# (with case, owner and officer), their updates with authors (one prefetch), the audit entry
# (content type cached), the meetings offered in the meeting filter, session save (savepoint,
# update, release).
ACTION_LIST_QUERIES = 12


@pytest.mark.parametrize("person", ["co_chair", "housing_lead"])
@pytest.mark.parametrize("total", [3, 30])
def test_list_query_count_does_not_grow(
    person, total, housing_case, housing, co_chair, request, as_user, django_assert_num_queries
) -> None:
    meeting = MeetingFactory()
    item = meeting_services.agenda_add_item(meeting=meeting, case=housing_case, item_type="review", by=co_chair)
    officer = AgencyStaffFactory(agency=housing)
    for n in range(total):
        action = ActionFactory(
            case=CaseFactory(involve=[housing]) if n % 2 else housing_case,
            owner=housing,
            by=co_chair,
            officer=officer if n % 3 else None,
            agenda_item=item if n % 4 == 0 else None,
        )
        services.action_update(action=action, by=co_chair, status="in-progress", text=f"Update {n}", revision=None)
        services.action_update(action=action, by=co_chair, status="in-progress", text=f"Later {n}", revision=None)
    client = as_user(request.getfixturevalue(person))
    client.get(LIST)  # warm the content-type cache
    with django_assert_num_queries(ACTION_LIST_QUERIES):
        response = client.get(LIST, {"status": "all"})
    assert len(response.context["actions"]) == min(total, 25)
    assert "Later 0" in response.content.decode()
    assert "Update 0" not in response.content.decode()  # only the latest update is shown


# session, user (with their agency), OTP device, role groups, whether the person may see the action, the action
# (with case, owner, officer, meeting), its updates with authors (one prefetch), the audit entry,
# actions carried forward from it, session save (savepoint, update, release).
ACTION_PAGE_QUERIES = 12


@pytest.mark.parametrize("updates", [1, 15])
def test_action_page_query_count_does_not_grow(updates, ours, co_chair, as_user, django_assert_num_queries) -> None:
    for n in range(updates):
        services.action_update(action=ours, by=co_chair, status="in-progress", text=f"Update {n}", revision=None)
    client = as_user(co_chair)
    client.get(ours.get_absolute_url())
    with django_assert_num_queries(ACTION_PAGE_QUERIES):
        client.get(ours.get_absolute_url())


def test_an_action_carried_forward_reads_the_earlier_one_on_its_own(
    ours, housing_case, housing, co_chair, as_user, django_assert_num_queries
) -> None:
    """The earlier action is one more query when there is one, not a sixth join on every page."""
    later = ActionFactory(case=housing_case, owner=housing, by=co_chair, description="Visit again")
    Action.objects.filter(pk=later.pk).update(carried_forward_from=ours)
    client = as_user(co_chair)
    client.get(later.get_absolute_url())
    with django_assert_num_queries(ACTION_PAGE_QUERIES + 1):
        page = client.get(later.get_absolute_url()).content.decode()
    assert f'href="{ours.get_absolute_url()}">An earlier action, due {long_date(ours.due_on)}</a>' in page


# --- Setting an action ----------------------------------------------------------------------


def test_setting_an_action_from_a_meeting_item_returns_to_the_meeting(
    housing_case, housing, co_chair, housing_lead, as_user
) -> None:
    meeting = MeetingFactory()
    item = meeting_services.agenda_add_item(meeting=meeting, case=housing_case, item_type="review", by=co_chair)
    url = reverse("actions:new", args=[housing_case.reference])
    back = f"/meetings/{meeting.pk}/run/{item.pk}/"
    client = as_user(co_chair)
    page = client.get(url, {"item": item.pk, "next": back}).content.decode()
    assert "Set an action" in page
    data = {
        "description": "Check the door entry system",
        "owner": housing.pk,
        "officer": housing_lead.pk,
        "due_on": (today() + timedelta(days=10)).isoformat(),
        "priority": "high",
    }
    response = client.post(f"{url}?item={item.pk}&next={back}", data)
    assert response.status_code == 302
    assert response["Location"] == back
    action = Action.objects.get()
    assert (action.agenda_item, action.owner, action.officer, action.priority, action.created_by) == (
        item,
        housing,
        housing_lead,
        "high",
        co_chair,
    )
    assert "Action set for Council Housing" in client.get(housing_case.get_absolute_url()).content.decode()


def test_no_action_is_set_by_address_against_an_item_of_approved_minutes(housing_case, fire, co_chair, as_user) -> None:
    from cmarac.cases.models import CaseInvolvement

    meeting = PastMeetingFactory()
    item = meeting_services.agenda_add_item(meeting=meeting, case=housing_case, item_type="review", by=co_chair)
    meeting_services.confidentiality_confirm(meeting=meeting, by=co_chair)
    meeting_services.minutes_circulate(meeting=meeting, by=co_chair)
    meeting_services.minutes_approve(meeting=meeting, by=co_chair)
    url = reverse("actions:new", args=[housing_case.reference])
    data = {"description": "Late action", "owner": fire.pk, "due_on": (today() + timedelta(days=3)).isoformat(),
            "priority": "normal"}  # fmt: skip
    response = as_user(co_chair).post(f"{url}?item={item.pk}", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert "approved and locked" in page
    assert not Action.objects.exists()
    assert not CaseInvolvement.objects.filter(case=housing_case, agency=fire).exists()


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", "meetings/"])
def test_an_off_site_next_is_ignored(target, housing_case, housing, co_chair, as_user) -> None:
    url = reverse("actions:new", args=[housing_case.reference])
    data = {"description": "Visit", "owner": housing.pk, "due_on": (today() + timedelta(days=3)).isoformat(),
            "priority": "normal"}  # fmt: skip
    response = as_user(co_chair).post(url + "?" + f"next={target}", data)
    assert response["Location"] == housing_case.get_absolute_url()


def test_an_agenda_item_for_another_case_is_404(housing_case, fire_case, co_chair, as_user) -> None:
    meeting = MeetingFactory()
    item = meeting_services.agenda_add_item(meeting=meeting, case=fire_case, item_type="new", by=co_chair)
    url = reverse("actions:new", args=[housing_case.reference])
    assert as_user(co_chair).get(url, {"item": item.pk}).status_code == 404
    assert as_user(co_chair).get(url, {"item": "x"}).status_code == 404


def test_the_due_date_defaults_to_the_day_before_the_next_meeting(housing_case, housing, co_chair, as_user) -> None:
    meeting = MeetingFactory(starts_at=timezone.now() + timedelta(days=20))
    day_before = timezone.localdate(meeting.starts_at) - timedelta(days=1)
    url = reverse("actions:new", args=[housing_case.reference])
    client = as_user(co_chair)
    assert f"day before the next meeting: {day_before:%A} {day_before.day} {day_before:%B %Y}" in (
        client.get(url).content.decode()
    )
    client.post(url, {"description": "Visit", "owner": housing.pk, "due_on": "", "priority": "normal"})
    assert Action.objects.get().due_on == day_before


def test_bad_input_sets_no_action(housing_case, housing, fire_lead, co_chair, as_user) -> None:
    url = reverse("actions:new", args=[housing_case.reference])
    client = as_user(co_chair)
    response = client.post(url, {"description": "", "owner": "", "priority": ""})
    page = response.content.decode()
    for message in ("Enter what the agency should do", "Select the owning agency", "Select a priority"):
        assert message in page
    response = client.post(
        url, {"description": "Visit", "owner": housing.pk, "officer": fire_lead.pk, "priority": "normal",
              "due_on": (today() - timedelta(days=1)).isoformat()},
    )  # fmt: skip
    page = response.content.decode()
    assert "Select an officer who works for Council Housing" in page
    assert "Due date must be today or in the future" in page
    assert not Action.objects.exists()


def test_no_actions_on_a_closed_case(housing_case, co_chair, as_user) -> None:
    from cmarac.cases.services import case_close

    case_close(case=housing_case, by=co_chair, reason="Resolved")
    assert as_user(co_chair).get(reverse("actions:new", args=[housing_case.reference])).status_code == 403


# --- Review ---------------------------------------------------------------------------------


def review(client, action: Action, **data):
    """Post the review form as it is sent once the decision's questions are on the page."""
    data.setdefault("shown", data.get("decision", ""))
    data.setdefault("revision", Action.objects.get(pk=action.pk).revision)
    return client.post(reverse("actions:review", args=[action.pk]), data)


def test_choosing_a_decision_first_shows_its_questions(ours, co_chair, as_user) -> None:
    client = as_user(co_chair)
    page = client.get(reverse("actions:review", args=[ours.pk])).content.decode()
    assert "New due date" not in page
    assert "Continue" in page
    response = client.post(reverse("actions:review", args=[ours.pk]), {"decision": "reassign"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" not in page  # not checked yet: the questions were not on the page
    assert "Why is it being reassigned?" in page
    assert "New due date" not in page
    assert 'name="shown" value="reassign"' in page
    # Changing one's mind shows the other decision's questions instead.
    response = client.post(reverse("actions:review", args=[ours.pk]), {"decision": "close", "shown": "reassign"})
    assert "Outcome or reason" in response.content.decode()
    assert "govuk-error-summary" not in response.content.decode()
    ours.refresh_from_db()
    assert (ours.status, ours.owner_id, ours.revision) == ("not-started", ours.owner_id, 0)


def test_review_carries_forward(ours, co_chair, as_user) -> None:
    client = as_user(co_chair)
    response = review(client, ours, decision="carry-forward", due_on=ours.due_on.isoformat())
    assert "New due date must be after" in response.content.decode()
    new_due = ours.due_on + timedelta(days=28)
    response = review(client, ours, decision="carry-forward", due_on=new_due.isoformat(), note="Waiting for a visit")
    assert response["Location"] == ours.get_absolute_url()
    ours.refresh_from_db()
    assert ours.due_on == new_due
    assert "Waiting for a visit" in ours.updates.get().text
    assert "Carried forward from" in ours.updates.get().text


def test_review_reassigns(ours, police, co_chair, as_user) -> None:
    client = as_user(co_chair)
    response = review(client, ours, decision="reassign", owner="", reason="")
    page = response.content.decode()
    assert "Select the agency to own the action" in page
    assert "Enter why the action is being reassigned" in page
    response = review(client, ours, decision="reassign", owner=police.pk, reason="Police now lead on this")
    assert response.status_code == 302
    ours.refresh_from_db()
    assert ours.owner == police


def test_review_closes_telling_circumstances_from_not_done(ours, co_chair, as_user) -> None:
    client = as_user(co_chair)
    response = review(client, ours, decision="close", close_status="", close_reason="")
    page = response.content.decode()
    assert "Select why the action is being closed" in page
    assert "Enter the outcome or the reason" in page
    response = review(client, ours, decision="close", close_status="not-possible", close_reason="Tenant moved away")
    assert response.status_code == 302
    ours.refresh_from_db()
    assert (ours.status, ours.outcome) == ("not-possible", "Tenant moved away")
    assert as_user(co_chair).get(reverse("actions:review", args=[ours.pk])).status_code == 403


def test_review_needs_a_decision_and_ignores_the_other_choices_fields(ours, co_chair, as_user) -> None:
    client = as_user(co_chair)
    assert "Select what should happen to this action" in review(client, ours).content.decode()
    new_due = ours.due_on + timedelta(days=7)
    response = review(client, ours, decision="carry-forward", due_on=new_due.isoformat(), owner="999", close_status="x")
    assert response.status_code == 302


def test_review_returns_to_a_safe_next(ours, co_chair, as_user) -> None:
    url = reverse("actions:review", args=[ours.pk])
    data = {"decision": "close", "shown": "close", "close_status": "not-done", "close_reason": "No capacity"}
    data["revision"] = ours.revision
    response = as_user(co_chair).post(url + "?next=/meetings/1/run/", data)
    assert response["Location"] == "/meetings/1/run/"


# --- The action log (CSV) ---------------------------------------------------------------------


def rows(response) -> list[dict[str, str]]:
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def meeting_log(housing_case, fire_case, housing, police, fire, co_chair):
    """A meeting at which actions were set on both cases, and actions set elsewhere."""
    meeting = MeetingFactory()
    housing_item = meeting_services.agenda_add_item(meeting=meeting, case=housing_case, item_type="new", by=co_chair)
    fire_item = meeting_services.agenda_add_item(meeting=meeting, case=fire_case, item_type="new", by=co_chair)
    return {
        "meeting": meeting,
        "housing_own": ActionFactory(case=housing_case, owner=housing, by=co_chair, agenda_item=housing_item),
        "housing_police": CompletedActionFactory(
            case=housing_case, owner=police, by=co_chair, agenda_item=housing_item
        ),
        "fire": ActionFactory(case=fire_case, owner=fire, by=co_chair, agenda_item=fire_item),
        "housing_elsewhere": ActionFactory(case=housing_case, owner=housing, by=co_chair),
    }


def test_a_meetings_action_log(meeting_log, housing_lead, coordinator, as_user) -> None:
    meeting = meeting_log["meeting"]
    log = rows(as_user(housing_lead).get(EXPORT, {"meeting": meeting.pk}))
    assert {row["description"] for row in log} == {
        meeting_log["housing_own"].description,
        meeting_log["housing_police"].description,  # completed: the log has every status
    }
    assert {row["meeting date"] for row in log} == {timezone.localdate(meeting.starts_at).isoformat()}
    everything = rows(as_user(coordinator).get(EXPORT, {"meeting": meeting.pk}))
    assert len(everything) == 3


def test_a_cases_action_log_holds_no_other_case(meeting_log, housing_case, fire_case, housing_lead, as_user):
    log = rows(as_user(housing_lead).get(EXPORT, {"case": housing_case.reference}))
    assert {row["case reference"] for row in log} == {housing_case.reference}
    assert len(log) == 3
    assert rows(as_user(housing_lead).get(EXPORT, {"case": fire_case.reference})) == []
    assert rows(as_user(housing_lead).get(EXPORT, {"meeting": 999999})) == []  # invalid: nothing, not everything


def test_the_log_has_the_columns_and_the_latest_update(meeting_log, coordinator, as_user) -> None:
    log = rows(as_user(coordinator).get(EXPORT, {"status": "completed"}))
    assert len(log) == 1
    row = log[0]
    assert list(row) == [
        "case reference", "meeting date", "description", "owner", "officer", "due date", "priority", "status",
        "outcome", "last update", "last update date",
    ]  # fmt: skip
    assert (row["owner"], row["status"], row["outcome"], row["last update"]) == (
        "Partnership Policing Team",
        "Completed",
        "Visit done; the victim feels safer.",
        "Visit done; the victim feels safer.",
    )
    assert row["last update date"] == today().isoformat()


def test_the_log_is_formula_injection_safe_and_audited(housing_case, housing, co_chair, as_user) -> None:
    ActionFactory(case=housing_case, owner=housing, by=co_chair, description='=HYPERLINK("http://x","y")')
    log = rows(as_user(co_chair).get(EXPORT))
    assert log[0]["description"].startswith("'=HYPERLINK")
    entry = LogEntry.objects.filter(actor=co_chair).latest("pk")
    assert entry.additional_data["what"] == "Action log CSV export"
    assert entry.changes["shown"] == [housing_case.reference]


# --- The partial other pages include ------------------------------------------------------------


def test_the_case_actions_partial(housing_case, ours, theirs, co_chair) -> None:
    CompletedActionFactory(case=housing_case, owner=ours.owner, by=co_chair, description="Done one")
    actions = action_table_rows(Action.objects.visible_to(co_chair).filter(case=housing_case))
    chair_view = render_to_string(
        "actions/includes/case_actions.html",
        {"actions": actions, "show_review": True, "review_next": "/meetings/1/run/"},
    )
    assert chair_view.count(">Review<span") == 2  # the two open actions, not the completed one
    assert f"{reverse('actions:review', args=[ours.pk])}?next=/meetings/1/run/" in chair_view
    agency_view = render_to_string("actions/includes/case_actions.html", {"actions": actions, "show_review": False})
    assert ">Review<span" not in agency_view
    assert "Visit the victim at home" in agency_view
    assert "No actions have been set" in render_to_string("actions/includes/case_actions.html", {"actions": []})
