"""Meeting pages: who may open what, the agenda builder, what agencies share, attendance, the meeting
screen, minutes and their locking, and the calendar feed. The services have their own tests
(test_meetings_services.py); these go through the pages."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse

from cmarac.cases.models import Case, CaseSubject
from cmarac.cases.services import case_close
from cmarac.core.dates import clock_time
from meetings import services
from meetings.models import AgencyInformation, AgendaItem, Attendance, CalendarFeed, Meeting
from tests.factories.cases import CaseFactory, PersonFactory
from tests.factories.meetings import MeetingFactory, moved_to_the_past
from tests.second_factor import verified_login

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def meeting() -> Meeting:
    return MeetingFactory(starts_at=datetime(2030, 3, 14, 10, tzinfo=LONDON))


@pytest.fixture
def item(meeting, housing_case, housing, co_chair) -> AgendaItem:
    """The housing case on the agenda, with the housing provider invited."""
    added = services.agenda_add_item(meeting=meeting, case=housing_case, item_type="review", by=co_chair)
    services.invite_agency_to_item(item=added, agency=housing, by=co_chair)
    return added


@pytest.fixture
def other_item(co_chair) -> AgendaItem:
    """An item of another meeting."""
    elsewhere = MeetingFactory(starts_at=datetime(2030, 4, 11, 10, tzinfo=LONDON))
    return services.agenda_add_item(meeting=elsewhere, case=CaseFactory(), item_type="new", by=co_chair)


def url(name: str, meeting: Meeting | None = None, item: AgendaItem | None = None) -> str:
    args = [a.pk for a in (meeting, item) if a is not None]
    return reverse(f"meetings:{name}", args=args)


def page(response) -> str:
    return response.content.decode()


# --- Who may open what -------------------------------------------------------------


CHAIRS = {"coordinator", "co_chair"}
EVERYONE = {"coordinator", "co_chair", "housing_lead", "fire_lead", "police_referrer", "auditor", "administrator"}
# URL name -> (needs the meeting, needs the item, the people who get 200; everyone else signed in gets `refused`)
PAGES = {
    "list": (False, False, EVERYONE, None),
    "calendar-subscribe": (False, False, EVERYONE, None),
    "add": (False, False, {"coordinator"}, 403),
    "detail": (True, False, EVERYONE, None),
    "minutes": (True, False, EVERYONE, None),
    "change": (True, False, {"coordinator"}, 403),
    "cancel": (True, False, {"coordinator"}, 403),
    "agenda": (True, False, CHAIRS, 403),
    "attendance": (True, False, CHAIRS, 403),
    "run": (True, False, CHAIRS, 403),
    "agenda-item": (True, True, CHAIRS, 403),
    "item-minutes": (True, True, CHAIRS, 403),
    # Need to know: only the chairs and the invited agency; "missing" and "not yours" look the same.
    "information": (True, True, {"coordinator", "co_chair", "housing_lead"}, 404),
}


@pytest.mark.parametrize("person", [*sorted(EVERYONE), None])
@pytest.mark.parametrize("name", sorted(PAGES))
def test_who_may_open_each_page(name, person, meeting, item, request, as_user) -> None:
    needs_meeting, needs_item, allowed, refused = PAGES[name]
    client = as_user(request.getfixturevalue(person) if person else None)
    response = client.get(url(name, meeting if needs_meeting else None, item if needs_item else None))
    if person is None:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    elif person in allowed:
        # The meeting screen's form target sends a GET back to the screen at that item.
        assert response.status_code == (302 if name == "item-minutes" else 200)
    else:
        assert response.status_code == refused


@pytest.mark.parametrize("person", [*sorted(EVERYONE), None])
def test_the_calendar_feed_needs_a_token_not_a_sign_in(person, request, as_user) -> None:
    client = as_user(request.getfixturevalue(person) if person else None)
    assert client.get(reverse("meetings:calendar")).status_code == 404


@pytest.mark.parametrize("name", ["agenda-item", "information", "item-minutes"])
def test_an_item_of_another_meeting_is_not_found(name, meeting, item, other_item, coordinator, as_user) -> None:
    response = as_user(coordinator).get(url(name, meeting, other_item))
    assert response.status_code == 404


def test_the_meeting_screen_will_not_open_an_item_of_another_meeting(meeting, item, other_item, co_chair, as_user):
    assert as_user(co_chair).get(url("run", meeting), {"item": other_item.pk}).status_code == 404


def test_a_missing_meeting_is_not_found(coordinator, as_user) -> None:
    assert as_user(coordinator).get(reverse("meetings:detail", args=[999_999])).status_code == 404


# --- The list and the meeting page --------------------------------------------------


def test_the_list_counts_only_the_items_each_person_may_see(
    meeting, item, fire_case, fire, co_chair, fire_lead, housing_lead, police_referrer, as_user
) -> None:
    other = services.agenda_add_item(meeting=meeting, case=fire_case, item_type="new", by=co_chair)
    services.invite_agency_to_item(item=other, agency=fire, by=co_chair)
    counts = {}
    for person in (co_chair, housing_lead, fire_lead, police_referrer):
        response = as_user(person).get(url("list"))
        counts[person.email] = next(m.visible_items for m in response.context["upcoming"] if m.pk == meeting.pk)
    assert counts == {co_chair.email: 2, housing_lead.email: 1, fire_lead.email: 1, police_referrer.email: 0}


def test_only_coordinators_are_offered_to_add_change_and_cancel(meeting, coordinator, co_chair, as_user) -> None:
    assert "Add an extraordinary meeting" in page(as_user(coordinator).get(url("list")))
    assert url("cancel", meeting) in page(as_user(coordinator).get(url("list")))
    chair_page = page(as_user(co_chair).get(url("list")))
    assert "Add an extraordinary meeting" not in chair_page
    assert url("cancel", meeting) not in chair_page
    assert url("calendar-subscribe") in chair_page


def test_an_agency_sees_only_its_items_on_the_meeting_page(
    meeting, item, fire_case, co_chair, housing_lead, fire_lead, police_referrer, as_user
) -> None:
    services.agenda_add_item(meeting=meeting, case=fire_case, item_type="new", by=co_chair)
    housing_page = page(as_user(housing_lead).get(url("detail", meeting)))
    assert item.case.reference in housing_page
    assert fire_case.reference not in housing_page
    assert "Share what your agency holds" in housing_page
    assert "Not yet shared" in housing_page
    for person in (fire_lead, police_referrer):
        other_page = page(as_user(person).get(url("detail", meeting)))
        assert "Your agency is not invited to any item at this meeting." in other_page
        assert item.case.reference not in other_page
    chair_page = page(as_user(co_chair).get(url("detail", meeting)))
    assert item.case.reference in chair_page
    assert fire_case.reference in chair_page
    assert url("agenda", meeting) in chair_page


def test_viewing_a_meeting_page_with_items_is_audited(meeting, item, housing_lead, as_user) -> None:
    from auditlog.models import LogEntry

    as_user(housing_lead).get(url("detail", meeting))
    entry = LogEntry.objects.filter(actor=housing_lead, object_repr="Meeting page").get()
    assert entry.changes["shown"] == [item.case.reference]
    assert entry.changes["criteria"] == {"meeting": meeting.pk}


def test_adding_an_extraordinary_meeting(coordinator, as_user) -> None:
    client = as_user(coordinator)
    response = client.post(url("add"), {"date": "2030-02-03", "time": "14:30", "reason": "Urgent cuckooing case"})
    extra = Meeting.objects.get(kind="extraordinary")
    assert response["Location"] == extra.get_absolute_url()
    assert extra.starts_at == datetime(2030, 2, 3, 14, 30, tzinfo=LONDON)


def test_a_bad_date_or_a_missing_reason_saves_nothing(coordinator, as_user) -> None:
    response = as_user(coordinator).post(
        url("add"), {"date_day": "31", "date_month": "2", "date_year": "2030", "time": "", "reason": ""}
    )
    assert response.status_code == 200
    text = page(response)
    assert "govuk-error-summary" in text
    for message in (
        "Date of the meeting must be a real date",
        "Enter the time the meeting starts",
        "Enter why an extraordinary meeting",
    ):
        assert message in text
    response = as_user(coordinator).post(url("add"), {"date": "2020-01-09", "time": "10:00", "reason": "Urgent"})
    assert "The date of the meeting must be today or in the future" in page(response)
    assert not Meeting.objects.exists()


def test_moving_a_meeting_keeps_london_time_and_needs_a_reason(meeting, coordinator, co_chair, as_user) -> None:
    client = as_user(coordinator)
    response = client.post(
        url("change", meeting),
        {"action": "move", "move-revision": 0, "move-date": "2030-07-16", "move-time": "09:30", "move-reason": ""},
    )
    assert "Enter why the meeting is moving" in page(response)
    client.post(
        url("change", meeting),
        {
            "action": "move",
            "move-revision": 0,
            "move-date": "2030-07-16",
            "move-time": "09:30",
            "move-reason": "Room unavailable",
        },
    )
    meeting.refresh_from_db()
    assert meeting.starts_at == datetime(2030, 7, 16, 9, 30, tzinfo=LONDON)  # summer: 08:30 UTC
    client.post(
        url("change", meeting),
        {"action": "details", "details-revision": 1, "details-venue": "Room 4", "details-co_chairs": [co_chair.pk]},
    )
    meeting.refresh_from_db()
    assert meeting.venue == "Room 4"
    assert list(meeting.co_chairs.all()) == [co_chair]


def test_cancelling_a_meeting(meeting, coordinator, as_user) -> None:
    client = as_user(coordinator)
    assert "Enter why the meeting is cancelled" in page(
        client.post(url("cancel", meeting), {"revision": 0, "reason": " "})
    )
    client.post(url("cancel", meeting), {"revision": 0, "reason": "Election period"})
    meeting.refresh_from_db()
    assert (meeting.status, meeting.change_reason) == ("cancelled", "Election period")


# --- The agenda builder ---------------------------------------------------------------------


def agenda_post(client, meeting, **data):
    return client.post(url("agenda", meeting), data)


def test_adding_a_proposed_case_with_its_type(meeting, co_chair, as_user) -> None:
    earlier = MeetingFactory(starts_at=datetime(2026, 2, 12, 10, tzinfo=LONDON))  # held: in the past
    case = CaseFactory()
    before = services.agenda_add_item(meeting=earlier, case=case, item_type="new", by=co_chair)
    services.item_minutes_record(
        item=before,
        by=co_chair,
        revision=None,
        discussion="",
        risk_level="medium",
        lead_agency=None,
        lead_officer=None,
        decision="review-next",
    )
    client = as_user(co_chair)
    response = client.get(url("agenda", meeting))
    assert [p.case for p in response.context["proposals"]] == [case]
    assert "Due for review" in page(response)
    response = agenda_post(
        client, meeting, action="add", **{"add-reference": case.reference, "add-item_type": "review"}
    )
    assert response.status_code == 302
    assert meeting.items.get().item_type == "review"
    followed = client.get(response["Location"])
    assert f"{case.reference} added to the agenda" in page(followed)
    assert followed.context["proposals"] == []


def test_adding_by_reference_and_bad_references(meeting, housing_case, co_chair, as_user) -> None:
    client = as_user(co_chair)
    response = agenda_post(client, meeting, action="add", **{"add-reference": "CM-1999-9999", "add-item_type": "new"})
    assert response.status_code == 200
    assert "govuk-error-summary" in page(response)
    assert "Enter the reference of an existing case" in page(response)
    assert page(response).startswith("<!DOCTYPE html>")
    assert "<title>Error: " in page(response)
    closed = case_close(case=CaseFactory(), by=co_chair, reason="Done")
    response = agenda_post(client, meeting, action="add", **{"add-reference": closed.reference, "add-item_type": "new"})
    assert "Only an open case can go on an agenda." in page(response)
    assert not meeting.items.exists()
    # Spaces and lower case are forgiven.
    reference = " " + housing_case.reference.lower()
    agenda_post(client, meeting, action="add", **{"add-reference": reference, "add-item_type": "new"})
    assert meeting.items.get().case == housing_case


def test_moving_items_up_and_down_and_children_first(meeting, co_chair, as_user) -> None:
    a, b, c = (
        services.agenda_add_item(meeting=meeting, case=CaseFactory(), item_type="new", by=co_chair) for _ in range(3)
    )
    with_child = CaseFactory(subjects=[(PersonFactory(), CaseSubject.Role.CHILD_IN_HOUSEHOLD)])
    d = services.agenda_add_item(meeting=meeting, case=with_child, item_type="new", by=co_chair)
    client = as_user(co_chair)
    agenda_post(client, meeting, action="down", item=a.pk)
    assert list(meeting.items.all()) == [b, a, c, d]
    agenda_post(client, meeting, action="up", item=c.pk)
    assert list(meeting.items.all()) == [b, c, a, d]
    response = agenda_post(client, meeting, action="children")
    assert list(meeting.items.all()) == [d, b, c, a]
    assert "children in the household are now first" in page(client.get(response["Location"]))
    client.post(reverse("meetings:item-remove", args=[meeting.pk, c.pk]), {"revision": c.revision, "invited": ""})
    assert list(meeting.items.all()) == [d, b, a]


def test_an_item_of_another_meeting_cannot_be_moved_from_here(meeting, item, other_item, co_chair, as_user) -> None:
    assert agenda_post(as_user(co_chair), meeting, action="up", item=other_item.pk).status_code == 404


def test_inviting_shows_the_case_to_the_agency_at_once_and_uninviting_hides_it(
    meeting, housing_case, fire, fire_lead, co_chair, as_user
):
    added = services.agenda_add_item(meeting=meeting, case=housing_case, item_type="new", by=co_chair)
    case_url = housing_case.get_absolute_url()
    assert as_user(fire_lead).get(case_url).status_code == 404
    assert not added.invitations.exists()  # nobody is invited by default, core members included

    response = agenda_post(
        as_user(co_chair), meeting, action="invite", item=added.pk, **{f"invite-{added.pk}-agency": fire.pk}
    )
    assert response.status_code == 302
    assert as_user(fire_lead).get(case_url).status_code == 200
    assert housing_case.reference in page(as_user(fire_lead).get(url("detail", meeting)))

    invitation = added.invitations.get(agency=fire)
    as_user(co_chair).post(
        reverse("meetings:invitation-remove", args=[meeting.pk, added.pk, fire.pk]), {"invitation": invitation.pk}
    )
    assert as_user(fire_lead).get(case_url).status_code == 404
    assert "Your agency is not invited" in page(as_user(fire_lead).get(url("detail", meeting)))


def test_core_members_are_listed_first_and_choosing_nobody_is_an_error(meeting, item, fire, police, co_chair, as_user):
    client = as_user(co_chair)
    form = client.get(url("agenda", meeting)).context["rows"][0]["invite_form"]
    labels = [label for value, label in form.fields["agency"].choices if value]
    # housing is invited already; police and community safety are core, the fire brigade is flexible
    assert labels == [f"{police.name} (core member)", fire.name]
    response = agenda_post(client, meeting, action="invite", item=item.pk, **{f"invite-{item.pk}-agency": ""})
    assert response.status_code == 200
    assert "Select an agency to invite" in page(response)


def test_the_builder_shows_who_has_shared_information(
    meeting, item, housing, housing_lead, police, co_chair, as_user
) -> None:
    services.invite_agency_to_item(item=item, agency=police, by=co_chair)
    services.agency_information_save(
        item=item, agency=housing, by=housing_lead, revision=None, fields={"research_summary": "Two tenancy warnings"}
    )
    response = as_user(co_chair).get(url("agenda", meeting))
    row = response.context["rows"][0]
    assert {(i["agency"].name, i["shared"]) for i in row["invitations"]} == {(housing.name, True), (police.name, False)}
    assert "Information shared" in page(response)
    assert "Not yet" in page(response)


def test_publishing_emails_each_invited_agency_once_without_personal_data(
    meeting, item, fire_case, fire, fire_lead, housing_lead, co_chair, as_user, django_capture_on_commit_callbacks
) -> None:
    second = services.agenda_add_item(meeting=meeting, case=fire_case, item_type="new", by=co_chair)
    services.invite_agency_to_item(item=second, agency=fire, by=co_chair)
    client = as_user(co_chair)
    with django_capture_on_commit_callbacks(execute=True):
        response = agenda_post(client, meeting, action="publish")
    assert sorted(m.to[0] for m in mail.outbox) == sorted([housing_lead.email, fire_lead.email])
    for message in mail.outbox:
        for personal in ("Verity", "Quillfeather", "Orrin", "Blackwater", item.case.reference, fire_case.reference):
            assert personal not in message.subject + message.body
    meeting.refresh_from_db()
    assert meeting.status == "agenda-published"
    followed = page(client.get(response["Location"]))
    assert "Agenda published" in followed
    assert "Publish the agenda again" in followed


def test_publishing_an_empty_agenda_is_refused_with_a_banner(meeting, co_chair, as_user) -> None:
    client = as_user(co_chair)
    response = agenda_post(client, meeting, action="publish")
    assert "Add at least one case to the agenda" in page(client.get(response["Location"]))
    assert Meeting.objects.get(pk=meeting.pk).agenda_published_at is None


def test_setting_an_items_type_and_time(meeting, item, co_chair, as_user) -> None:
    client = as_user(co_chair)
    response = client.post(
        url("agenda-item", meeting, item),
        {"revision": item.revision, "item_type": "closure", "minutes_allotted": "abc"},
    )
    assert "Enter the minutes allotted as a number" in page(response)
    client.post(
        url("agenda-item", meeting, item), {"revision": item.revision, "item_type": "closure", "minutes_allotted": "25"}
    )
    item.refresh_from_db()
    assert (item.item_type, item.minutes_allotted) == ("closure", 25)


# --- What an invited agency holds -------------------------------------------------------


INFO = {
    "research_summary": "Two tenancy warnings this year",
    "known_risks": "Dog at the property",
    "current_involvement": "Tenancy officer visiting weekly",
}


def test_an_invited_agency_shares_what_it_holds(meeting, item, housing, housing_lead, as_user) -> None:
    client = as_user(housing_lead)
    response = client.post(url("information", meeting, item), {**INFO, "revision": 0})
    assert response["Location"] == url("detail", meeting)
    info = AgencyInformation.objects.get(item=item, agency=housing)
    assert (info.research_summary, info.updated_by) == (INFO["research_summary"], housing_lead)
    assert "Shared" in page(client.get(url("detail", meeting)))


def test_an_empty_summary_saves_nothing(meeting, item, housing_lead, as_user) -> None:
    response = as_user(housing_lead).post(url("information", meeting, item), {"research_summary": "", "revision": 0})
    assert "Enter what your agency holds" in page(response)
    assert not AgencyInformation.objects.exists()


def test_an_uninvited_agency_gets_not_found(meeting, item, fire_lead, police_referrer, as_user) -> None:
    for person in (fire_lead, police_referrer):
        client = as_user(person)
        assert client.get(url("information", meeting, item)).status_code == 404
        assert client.post(url("information", meeting, item), {**INFO, "revision": 0}).status_code == 404
    assert not AgencyInformation.objects.exists()


def test_a_second_editor_is_refused_and_keeps_their_entry(meeting, item, housing, housing_lead, as_user) -> None:
    client = as_user(housing_lead)
    shown = client.get(url("information", meeting, item)).context["form"].initial["revision"]
    services.agency_information_save(
        item=item, agency=housing, by=housing_lead, revision=shown, fields={"research_summary": "Saved by a colleague"}
    )
    response = client.post(url("information", meeting, item), {**INFO, "revision": shown})
    assert response.status_code == 200
    text = page(response)
    assert "Someone else saved changes here" in text
    assert "Saved by a colleague" in text  # what is saved now
    assert INFO["research_summary"] in text  # what this person typed, kept
    assert AgencyInformation.objects.get().research_summary == "Saved by a colleague"
    # Saving again applies it.
    client.post(url("information", meeting, item), {**INFO, "revision": response.context["form"]["revision"].value()})
    assert AgencyInformation.objects.get().research_summary == INFO["research_summary"]


def test_chairs_read_every_agencys_information_without_a_form(
    meeting, item, housing, housing_lead, coordinator, as_user
) -> None:
    services.agency_information_save(item=item, agency=housing, by=housing_lead, revision=None, fields=INFO)
    response = as_user(coordinator).get(url("information", meeting, item))
    assert response.context["form"] is None
    assert INFO["known_risks"] in page(response)
    assert as_user(coordinator).post(url("information", meeting, item), INFO).status_code == 403


# --- Attendance and the confidentiality statement --------------------------------------------


def test_attendance_is_saved_for_every_agency_at_once(
    meeting, item, housing, police, housing_lead, co_chair, as_user
) -> None:
    client = as_user(co_chair)
    agencies = [row["agency"] for row in client.get(url("attendance", meeting)).context["rows"]]
    assert housing in agencies
    assert police in agencies
    response = client.post(
        url("attendance", meeting),
        {
            "action": "attendance",
            "revision": 0,
            f"agency-{housing.pk}-status": "attended",
            f"agency-{housing.pk}-attendee": housing_lead.pk,
            f"agency-{police.pk}-status": "apologies",
            f"agency-{police.pk}-notes": "Sergeant on leave",
        },
    )
    assert response.status_code == 302
    assert set(Attendance.objects.values_list("agency__name", "status", "notes")) == {
        (housing.name, "attended", ""),
        (police.name, "apologies", "Sergeant on leave"),
    }


def test_attendance_with_a_problem_saves_nothing(meeting, item, housing, police, co_chair, as_user) -> None:
    response = as_user(co_chair).post(
        url("attendance", meeting),
        {
            "action": "attendance",
            "revision": 0,
            f"agency-{housing.pk}-status": "attended",
            f"agency-{police.pk}-status": "apologies",
        },
    )
    assert response.status_code == 200
    text = page(response)
    assert "govuk-error-summary" in text
    assert f"Select who attended for {housing.name}, or enter their name" in text
    assert not Attendance.objects.exists()


def test_guests_the_statement_and_acknowledgements(meeting, item, housing, housing_lead, co_chair, as_user) -> None:
    meeting = moved_to_the_past(meeting)
    client = as_user(co_chair)
    client.post(
        url("attendance", meeting), {"action": "guest", "guest-name": "Sam Student", "guest-organisation": "University"}
    )
    assert meeting.guests.get().name == "Sam Student"
    # Acknowledgements come after the statement is read.
    response = client.post(
        url("attendance", meeting),
        {"action": "acknowledge", "ack-name": "Sam Student", "ack-agency_name": "University"},
    )
    assert "Confirm that the confidentiality statement was read first." in page(response)
    client.post(url("attendance", meeting), {"action": "confirm"})
    meeting.refresh_from_db()
    assert meeting.confidentiality_confirmed_by == co_chair
    assert meeting.status == "held"
    text = page(client.get(url("attendance", meeting)))
    assert "OFFICIAL-SENSITIVE" in text
    assert "Crime and Disorder Act 1998" in text
    assert "Record acknowledgement" in text
    client.post(
        url("attendance", meeting),
        {"action": "acknowledge", "ack-name": "Sam Student", "ack-agency_name": "University"},
    )
    ack = meeting.acknowledgements.get()
    assert (ack.name, ack.agency_name, ack.recorded_by) == ("Sam Student", "University", co_chair)
    assert clock_time(ack.acknowledged_at) in page(client.get(url("attendance", meeting)))


# --- The meeting screen -------------------------------------------------------------------------


def minutes_data(item: AgendaItem, **changes) -> dict:
    return {
        "discussion": "Joint visit agreed.",
        "risk_level": "high",
        "lead_agency": "",
        "lead_officer": "",
        "decision": "review-next",
        "decision_detail": "",
        "next_review_on": "",
        "revision": item.revision,
        **changes,
    }


def test_recording_an_item_updates_the_case_and_opens_the_next(
    meeting, item, housing, housing_lead, co_chair, as_user
) -> None:
    meeting = moved_to_the_past(meeting)
    second = services.agenda_add_item(meeting=meeting, case=CaseFactory(), item_type="new", by=co_chair)
    client = as_user(co_chair)
    response = client.get(url("run", meeting))
    assert response.context["current"] == item  # the first not yet recorded
    assert "Actions" in page(response)
    data = minutes_data(item, lead_agency=housing.pk, lead_officer=housing_lead.pk)
    response = client.post(url("item-minutes", meeting, item), data)
    assert response["Location"] == f"{url('run', meeting)}?item={second.pk}"
    case = Case.objects.get(pk=item.case_id)
    assert (case.risk_level, case.lead_agency, case.lead_officer) == ("high", housing, housing_lead)
    followed = client.get(response["Location"])
    assert followed.context["current"] == second
    assert f"Minutes recorded for {case.reference}" in page(followed)
    # With no ?item=, the screen opens the first item not yet recorded.
    assert client.get(url("run", meeting)).context["current"] == second


def test_a_lead_officer_must_work_for_the_lead_agency(meeting, item, police, housing_lead, co_chair, as_user) -> None:
    data = minutes_data(item, lead_agency=police.pk, lead_officer=housing_lead.pk)
    response = as_user(co_chair).post(url("item-minutes", meeting, item), data)
    assert response.status_code == 200
    assert f"Select a lead officer who works for {police.name}" in page(response)
    assert AgendaItem.objects.get(pk=item.pk).recorded_at is None


def test_closing_needs_a_reason(meeting, item, co_chair, as_user) -> None:
    response = as_user(co_chair).post(url("item-minutes", meeting, item), minutes_data(item, decision="close"))
    assert "Enter why the case is closed" in page(response)
    assert Case.objects.get(pk=item.case_id).is_open


def test_a_stale_save_on_the_meeting_screen_keeps_the_entry(meeting, item, coordinator, co_chair, as_user) -> None:
    meeting = moved_to_the_past(meeting)
    shown = item.revision
    services.item_minutes_record(
        item=item,
        by=coordinator,
        revision=shown,
        discussion="The coordinator's note",
        risk_level="medium",
        lead_agency=None,
        lead_officer=None,
        decision="",
    )
    response = as_user(co_chair).post(url("item-minutes", meeting, item), minutes_data(item, revision=shown))
    assert response.status_code == 200
    text = page(response)
    assert "Someone else saved changes here" in text
    assert "The coordinator&#x27;s note" in text or "The coordinator's note" in text
    assert "Joint visit agreed." in text
    assert AgendaItem.objects.get(pk=item.pk).discussion == "The coordinator's note"
    assert response.context["form"]["revision"].value() == str(shown + 1)


def test_approved_minutes_make_the_screen_read_only(meeting, item, co_chair, as_user) -> None:
    meeting = moved_to_the_past(meeting)
    services.confidentiality_confirm(meeting=meeting, by=co_chair)
    services.minutes_circulate(meeting=meeting, by=co_chair)
    services.minutes_approve(meeting=meeting, by=co_chair)
    client = as_user(co_chair)
    response = client.get(url("run", meeting))
    assert response.context["read_only"]
    assert url("item-minutes", meeting, item) not in page(response)
    response = client.post(url("item-minutes", meeting, item), minutes_data(item))
    assert "approved and locked" in page(response)
    assert AgendaItem.objects.get(pk=item.pk).recorded_at is None


# --- Minutes ---------------------------------------------------------------------------------------


def test_minutes_workflow_and_locking(meeting, item, coordinator, co_chair, housing_lead, as_user) -> None:
    meeting = moved_to_the_past(meeting)
    chair = as_user(coordinator)
    revision = chair.get(url("minutes", meeting)).context["form"]["revision"].value()
    chair.post(
        url("minutes", meeting),
        {"action": "save", "general_minutes": "Apologies from probation.", "revision": revision},
    )
    assert Meeting.objects.get(pk=meeting.pk).general_minutes == "Apologies from probation."
    # Not held yet: cannot circulate.
    response = chair.post(url("minutes", meeting), {"action": "circulate"})
    assert "once the meeting has been held" in page(chair.get(response["Location"]))

    # An agency sees nothing before the minutes are circulated, and never the edit form.
    agency_page = as_user(housing_lead).get(url("minutes", meeting))
    assert agency_page.context["form"] is None
    assert "The minutes have not been circulated yet." in page(agency_page)

    services.item_minutes_record(
        item=item,
        by=co_chair,
        revision=None,
        discussion="Visit agreed",
        risk_level="high",
        lead_agency=None,
        lead_officer=None,
        decision="keep-under-review",
    )
    chair = as_user(coordinator)
    chair.post(url("minutes", meeting), {"action": "circulate"})
    assert Meeting.objects.get(pk=meeting.pk).minutes_status == "circulated"
    assert chair.post(url("minutes", meeting), {"action": "approve"}).status_code == 403  # co-chairs approve

    agency_page = as_user(housing_lead).get(url("minutes", meeting))
    assert "Visit agreed" in page(agency_page)
    assert "Apologies from probation." in page(agency_page)
    assert agency_page.context["form"] is None
    assert as_user(housing_lead).post(url("minutes", meeting), {"action": "circulate"}).status_code == 403

    co = as_user(co_chair)
    co.post(url("minutes", meeting), {"action": "approve"})
    locked = Meeting.objects.get(pk=meeting.pk)
    assert (locked.minutes_status, locked.status) == ("approved", "minutes-approved")
    response = co.get(url("minutes", meeting))
    assert response.context["form"] is None
    response = co.post(url("minutes", meeting), {"action": "save", "general_minutes": "Late", "revision": 99})
    assert "approved and locked" in page(co.get(response["Location"]))
    assert Meeting.objects.get(pk=meeting.pk).general_minutes == "Apologies from probation."


def test_agencies_read_the_minutes_of_their_items_only(
    meeting, item, fire_case, co_chair, housing_lead, fire_lead, as_user
) -> None:
    meeting = moved_to_the_past(meeting)
    services.agenda_add_item(meeting=meeting, case=fire_case, item_type="new", by=co_chair)
    services.confidentiality_confirm(meeting=meeting, by=co_chair)
    services.minutes_circulate(meeting=meeting, by=co_chair)
    housing_page = page(as_user(housing_lead).get(url("minutes", meeting)))
    assert item.case.reference in housing_page
    assert fire_case.reference not in housing_page
    fire_page = page(as_user(fire_lead).get(url("minutes", meeting)))
    assert "Your agency is not invited to any item at this meeting." in fire_page
    assert item.case.reference not in fire_page


def test_two_editors_of_the_general_minutes(meeting, coordinator, co_chair, as_user) -> None:
    meeting = moved_to_the_past(meeting)
    client = as_user(coordinator)
    shown = client.get(url("minutes", meeting)).context["form"]["revision"].value()
    services.meeting_minutes_save(meeting=meeting, by=co_chair, revision=int(shown), general_minutes="Chair's text")
    response = client.post(url("minutes", meeting), {"action": "save", "general_minutes": "Mine", "revision": shown})
    assert response.status_code == 200
    text = page(response)
    assert "Someone else saved changes here" in text
    assert "Chair&#x27;s text" in text or "Chair's text" in text
    assert ">\nMine</textarea>" in text
    assert Meeting.objects.get(pk=meeting.pk).general_minutes == "Chair's text"


# --- The calendar -------------------------------------------------------------------------------------


def test_the_calendar_feed_has_meetings_and_nothing_about_cases(meeting, item, housing_lead, coordinator, client):
    cancelled = MeetingFactory(starts_at=datetime(2030, 5, 9, 10, tzinfo=LONDON), venue="Cancelled room")
    services.meeting_cancel(meeting=cancelled, reason="Election period", by=coordinator)
    verified_login(client, housing_lead)
    address = client.get(url("calendar-subscribe")).context["address"]
    token = CalendarFeed.objects.get(user=housing_lead).token
    assert address.endswith(f"{reverse('meetings:calendar')}?token={token}")
    client.logout()  # calendar apps do not sign in

    response = client.get(reverse("meetings:calendar"), {"token": token})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    feed = response.content.decode()
    assert "SUMMARY:CMARAC meeting" in feed
    assert "DTSTART:20300314T100000Z" in feed  # 10:00 in London in March is 10:00 UTC
    assert "DTEND:20300314T130000Z" in feed
    assert "LOCATION:Committee Room 2\\, Town Hall" in feed
    assert "Cancelled room" not in feed
    for private in (item.case.reference, "Verity", "Quillfeather", "Underhill", housing_lead.full_name):
        assert private not in feed


def test_a_bad_token_is_not_found_and_a_reset_changes_the_address(housing_lead, client) -> None:
    verified_login(client, housing_lead)
    first = client.get(url("calendar-subscribe")).context["address"]
    assert client.get(url("calendar-subscribe")).context["address"] == first  # made once, then kept
    old_token = CalendarFeed.objects.get(user=housing_lead).token
    response = client.post(url("calendar-subscribe"), {"action": "reset"})
    assert response.status_code == 302
    second = client.get(response["Location"]).context["address"]
    assert second != first
    client.logout()
    assert client.get(reverse("meetings:calendar"), {"token": old_token}).status_code == 404
    assert client.get(reverse("meetings:calendar"), {"token": "not-a-token"}).status_code == 404
    new_token = CalendarFeed.objects.get(user=housing_lead).token
    assert client.get(reverse("meetings:calendar"), {"token": new_token}).status_code == 200
    housing_lead.is_active = False
    housing_lead.save()
    assert client.get(reverse("meetings:calendar"), {"token": new_token}).status_code == 404


# --- Query counts ---------------------------------------------------------------------------------


def _add_items(meeting, count, co_chair, housing, housing_lead) -> None:
    """Items as full as the pages can show: subjects, an invitation and shared information."""
    for _ in range(count):
        case = CaseFactory(subjects=[(PersonFactory(), "victim"), (PersonFactory(), "alleged-perpetrator")])
        added = services.agenda_add_item(meeting=meeting, case=case, item_type="new", by=co_chair)
        services.invite_agency_to_item(item=added, agency=housing, by=co_chair)
        services.agency_information_save(
            item=added, agency=housing, by=housing_lead, revision=None, fields={"research_summary": "Known to us"}
        )


# session, user (with their agency), OTP device, role groups, the meeting; the items (with cases),
# their invitations (with agencies), the shared information, the subjects (with people), the cases'
# involvements, the previous meeting's date and the actions since then (their updates only when
# there are actions); the active agencies; the proposals (cases already on, accepted referrals,
# cases with past decisions, cases with actions due); the invited agencies with their leads and
# deputies (who can be told); the audit entry; session save (savepoint, update, release)
AGENDA_BUILDER_QUERIES = 22


@pytest.mark.parametrize("count", [3, 12])
def test_agenda_builder_query_count_does_not_grow(
    count, meeting, co_chair, housing, housing_lead, as_user, django_assert_num_queries
) -> None:
    _add_items(meeting, count, co_chair, housing, housing_lead)
    client = as_user(co_chair)
    client.get(url("agenda", meeting))  # warm the content-type cache
    with django_assert_num_queries(AGENDA_BUILDER_QUERIES):
        response = client.get(url("agenda", meeting))
    assert len(response.context["rows"]) == count


# session, user (with their agency), OTP device, role groups, the meeting; all the items in one
# (with cases, their lead agencies and officers, the items' leads and recorder); for the current
# item only: the information shared (with agencies), the invitations (with agencies), the subjects
# (with people), the case's actions (their updates only when there are actions); the audit entry;
# the agencies and the agency staff for the lead selects; session save (savepoint, update, release)
MEETING_SCREEN_QUERIES = 16


@pytest.mark.parametrize("count", [3, 12])
def test_meeting_screen_query_count_does_not_grow(
    count, meeting, co_chair, housing, housing_lead, as_user, django_assert_num_queries
) -> None:
    meeting = moved_to_the_past(meeting)  # its day has come: the minutes form and its selects are shown
    _add_items(meeting, count, co_chair, housing, housing_lead)
    client = as_user(co_chair)
    client.get(url("run", meeting))
    with django_assert_num_queries(MEETING_SCREEN_QUERIES):
        response = client.get(url("run", meeting))
    assert len(response.context["items"]) == count


# session, user (with their agency), OTP device, role groups, the meeting, the items (with cases),
# their invitations (with agencies), the shared information, the co-chairs, the audit entry,
# session save (savepoint, update, release)
MEETING_PAGE_QUERIES = 13


@pytest.mark.parametrize("count", [3, 12])
def test_meeting_page_query_count_does_not_grow(
    count, meeting, co_chair, housing, housing_lead, as_user, django_assert_num_queries
) -> None:
    _add_items(meeting, count, co_chair, housing, housing_lead)
    client = as_user(housing_lead)
    client.get(url("detail", meeting))
    with django_assert_num_queries(MEETING_PAGE_QUERIES):
        response = client.get(url("detail", meeting))
    assert len(response.context["rows"]) == count


# session, user (with their agency, for the header), OTP device, role groups, the upcoming meetings
# with their visible item counts (one subquery), the count and the page of past meetings; session
# save (savepoint, update, release)
MEETING_LIST_QUERIES = 10
# ?show=upcoming: the same, less the past meetings (the upcoming ones are counted and paged instead)
MEETING_LIST_UPCOMING_QUERIES = 9


@pytest.mark.parametrize("count", [2, 14])
def test_meeting_list_query_count_does_not_grow(
    count, co_chair, housing, housing_lead, as_user, django_assert_num_queries, monkeypatch
) -> None:
    from meetings.views import meetings as views

    monkeypatch.setattr(views, "UPCOMING_SHOWN", 10)  # 14 upcoming: more than the list shows
    for month in range(1, count + 1):
        when = datetime(2020 + month // 12, month % 12 + 1, 10, 10, tzinfo=LONDON)
        _add_items(MeetingFactory(starts_at=when), 1, co_chair, housing, housing_lead)
        MeetingFactory(starts_at=when.replace(year=when.year + 15))
    client = as_user(housing_lead)
    with django_assert_num_queries(MEETING_LIST_QUERIES):
        response = client.get(url("list"))
    assert len(response.context["upcoming"]) == min(count, 10)
    assert response.context["more_upcoming"] == (count > 10)
    with django_assert_num_queries(MEETING_LIST_UPCOMING_QUERIES):
        assert client.get(url("list"), {"show": "upcoming", "page": 2}).status_code == 200


@pytest.mark.parametrize(
    "person", ["co_chair", "coordinator", "housing_lead", "police_referrer", "auditor", "administrator"]
)
def test_the_list_shows_the_soonest_upcoming_meetings_and_pages_the_rest(person, request, monkeypatch) -> None:
    """A host with many meetings: the list shows a year's worth, soonest first, and a page of
    their own holds the rest, a page at a time, with nothing else on it."""
    from meetings.views import meetings as views

    monkeypatch.setattr(views, "UPCOMING_SHOWN", 2)
    soonest = [MeetingFactory(starts_at=datetime(2031, month, 10, 10, tzinfo=LONDON)) for month in (5, 1, 3, 2, 4)]
    soonest.sort(key=lambda meeting: meeting.starts_at)
    past = MeetingFactory(starts_at=datetime(2020, 1, 9, 10, tzinfo=LONDON))
    client = request.getfixturevalue("as_user")(request.getfixturevalue(person))
    response = client.get(url("list"))
    assert response.context["upcoming"] == soonest[:2]
    page = response.content.decode()
    assert "See more upcoming meetings" in page
    assert f'href="{url("list")}?show=upcoming&amp;page=2"' in page
    assert past.get_absolute_url() in page  # the past meetings are still listed below
    pages = []
    for number in (1, 2, 3):
        response = client.get(url("list"), {"show": "upcoming", "page": number})
        assert response.status_code == 200
        pages.append(list(response.context["all_upcoming"].object_list))
        shown = response.content.decode()
        assert "Showing upcoming meetings only." in shown
        assert past.get_absolute_url() not in shown
        assert "See more upcoming meetings" not in shown
    assert pages == [soonest[:2], soonest[2:4], soonest[4:]]
    assert 'href="?show=upcoming&amp;page=2"' in shown  # the pager keeps to the upcoming meetings


def test_a_list_with_no_more_upcoming_meetings_offers_no_more(co_chair, as_user) -> None:
    MeetingFactory(starts_at=datetime(2031, 1, 10, 10, tzinfo=LONDON))
    page = as_user(co_chair).get(url("list")).content.decode()
    assert "See more upcoming meetings" not in page
    for page in ("99", "abc", "-1", "0", "9" * 40, "\uff11"):  # the last: a full-width one
        response = as_user(co_chair).get(url("list"), {"show": "upcoming", "page": page})
        assert response.status_code == 200, page  # past the end or not a number: a page, not an error


def test_the_agenda_shows_each_cases_actions_since_the_last_meeting(co_chair, housing, as_user) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from actions.services import action_set, action_update
    from meetings.services import agenda_add_item
    from tests.factories.cases import CaseFactory
    from tests.factories.meetings import MeetingFactory

    meeting = MeetingFactory()
    case = CaseFactory()
    agenda_add_item(meeting=meeting, case=case, item_type="review", by=co_chair)
    action = action_set(case=case, owner=housing, description="Fit a door entry system", by=co_chair,
                        due_on=timezone.localdate() + timedelta(days=3))  # fmt: skip
    action_update(action=action, by=co_chair, status="in-progress", text="Contractor booked", revision=None)
    page = as_user(co_chair).get(reverse("meetings:agenda", args=[meeting.pk])).content.decode()
    assert "Fit a door entry system" in page
    assert "Contractor booked" in page
