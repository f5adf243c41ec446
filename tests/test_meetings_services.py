"""Meetings: the schedule, agendas and invitations, attendance, minutes and their locking."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from guardian.shortcuts import get_groups_with_perms

from cmarac.cases.models import Case, CaseSubject
from cmarac.core.schedule import MeetingRule
from meetings import services
from meetings.models import AgendaItem, Meeting
from meetings.selectors import agenda_proposals
from tests.factories.cases import CaseFactory, PersonFactory
from tests.factories.meetings import MeetingFactory, PastMeetingFactory

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
THURSDAY = MeetingRule(weekday=3, week_of_month=2, start=time(10), deadline_days=10, zone=LONDON)
WEDNESDAY = MeetingRule(weekday=2, week_of_month=2, start=time(10), deadline_days=10, zone=LONDON)
NOW = datetime(2026, 1, 20, 9, 0, tzinfo=LONDON)


# --- Schedule --------------------------------------------------------------------


@pytest.mark.parametrize(("rule", "first", "weekday"), [(THURSDAY, 12, 3), (WEDNESDAY, 11, 2)])
def test_twelve_months_are_generated_on_the_rule(rule, first, weekday) -> None:
    assert services.meetings_generate(months=12, now=NOW, rule=rule) == 12
    starts = [m.starts_at.astimezone(LONDON) for m in Meeting.objects.order_by("starts_at")]
    assert starts[0] == datetime(2026, 2, first, 10, 0, tzinfo=LONDON)
    assert all(s.weekday() == weekday and 8 <= s.day <= 14 and s.hour == 10 for s in starts)
    # Summer and winter meetings are both at 10:00 local time.
    assert {s.utcoffset().total_seconds() for s in starts} == {0, 3600}


def test_running_the_schedule_twice_makes_no_duplicates_even_after_moves_and_cancellations(coordinator) -> None:
    services.meetings_generate(months=12, now=NOW, rule=THURSDAY)
    first, second = Meeting.objects.order_by("starts_at")[:2]
    services.meeting_move(meeting=first, starts_at=first.starts_at.replace(day=13), reason="Room unavailable",
                          by=coordinator)  # fmt: skip
    services.meeting_cancel(meeting=second, reason="Election period", by=coordinator)
    assert services.meetings_generate(months=12, now=NOW, rule=THURSDAY) == 0
    assert Meeting.objects.count() == 12


def test_moves_and_cancellations_need_a_reason(coordinator) -> None:
    meeting = MeetingFactory()
    with pytest.raises(ValidationError):
        services.meeting_cancel(meeting=meeting, reason="", by=coordinator)
    with pytest.raises(ValidationError):
        services.meeting_move(meeting=meeting, starts_at=meeting.starts_at, reason=" ", by=coordinator)


def test_an_extraordinary_meeting_sits_beside_the_schedule(coordinator) -> None:
    services.meetings_generate(months=1, now=NOW, rule=THURSDAY)
    extra = services.meeting_add_extraordinary(
        starts_at=datetime(2026, 2, 3, 14, tzinfo=LONDON), by=coordinator, reason="Urgent cuckooing case"
    )
    assert extra.kind == "extraordinary"
    assert services.meetings_generate(months=1, now=NOW, rule=THURSDAY) == 0


# --- Agenda and need to know -------------------------------------------------------------


def test_inviting_an_agency_involves_it_and_removing_the_item_revokes(housing, fire, co_chair) -> None:
    meeting = MeetingFactory()
    case = CaseFactory()
    item = services.agenda_add_item(meeting=meeting, case=case, item_type="new", by=co_chair)
    services.invite_agency_to_item(item=item, agency=fire, by=co_chair)
    assert fire.group in get_groups_with_perms(case)
    services.uninvite_agency_from_item(item=item, agency=fire, by=co_chair)
    assert fire.group not in get_groups_with_perms(case)
    services.invite_agency_to_item(item=item, agency=housing, by=co_chair)
    services.agenda_remove_item(item=item, by=co_chair)
    assert housing.group not in get_groups_with_perms(case)


def test_an_invitation_does_not_remove_other_reasons(housing_case, housing, co_chair) -> None:
    meeting = MeetingFactory()
    item = services.agenda_add_item(meeting=meeting, case=housing_case, item_type="review", by=co_chair)
    services.invite_agency_to_item(item=item, agency=housing, by=co_chair)
    services.uninvite_agency_from_item(item=item, agency=housing, by=co_chair)
    assert housing.group in get_groups_with_perms(housing_case)  # still the lead agency


def test_an_invited_agency_sees_only_its_items(housing, fire, co_chair, housing_lead, fire_lead) -> None:
    meeting = MeetingFactory()
    first = services.agenda_add_item(meeting=meeting, case=CaseFactory(), item_type="new", by=co_chair)
    second = services.agenda_add_item(meeting=meeting, case=CaseFactory(), item_type="new", by=co_chair)
    services.invite_agency_to_item(item=first, agency=housing, by=co_chair)
    services.invite_agency_to_item(item=second, agency=fire, by=co_chair)
    assert set(AgendaItem.objects.visible_to(housing_lead)) == {first}
    assert set(AgendaItem.objects.visible_to(fire_lead)) == {second}
    assert set(AgendaItem.objects.visible_to(co_chair)) == {first, second}


def test_ordering_by_buttons_and_children_first(co_chair) -> None:
    meeting = MeetingFactory()
    plain = CaseFactory()
    with_child = CaseFactory(subjects=[(PersonFactory(), CaseSubject.Role.CHILD_IN_HOUSEHOLD)])
    a = services.agenda_add_item(meeting=meeting, case=plain, item_type="new", by=co_chair)
    b = services.agenda_add_item(meeting=meeting, case=with_child, item_type="new", by=co_chair)
    c = services.agenda_add_item(meeting=meeting, case=CaseFactory(), item_type="review", by=co_chair)
    services.agenda_move_item(item=c, up=True)
    assert list(meeting.items.order_by("position")) == [a, c, b]
    services.agenda_move_item(item=a, up=True)  # already first: no change
    assert list(meeting.items.order_by("position")) == [a, c, b]
    services.agenda_children_first(meeting=meeting)
    assert list(meeting.items.order_by("position")) == [b, a, c]


def test_a_case_goes_on_an_agenda_once_and_only_while_open(co_chair, coordinator) -> None:
    meeting, case = MeetingFactory(), CaseFactory()
    services.agenda_add_item(meeting=meeting, case=case, item_type="new", by=co_chair)
    with pytest.raises(ValidationError):
        services.agenda_add_item(meeting=meeting, case=case, item_type="new", by=co_chair)
    from cmarac.cases.services import case_close

    closed = case_close(case=CaseFactory(), by=coordinator, reason="Done")
    with pytest.raises(ValidationError):
        services.agenda_add_item(meeting=meeting, case=closed, item_type="new", by=co_chair)


def test_publishing_emails_each_invited_agency_once_without_personal_data(
    housing, fire, housing_lead, fire_lead, co_chair, django_capture_on_commit_callbacks
) -> None:
    from tests.factories.accounts import AgencyStaffFactory

    deputy = AgencyStaffFactory(agency=housing)
    housing.deputy = deputy
    housing.save()
    meeting = MeetingFactory()
    victim = PersonFactory(given_name="Marnie", family_name="Ellwood")
    first = services.agenda_add_item(meeting=meeting, case=CaseFactory(subjects=[(victim, "victim")]),
                                     item_type="new", by=co_chair)  # fmt: skip
    second = services.agenda_add_item(meeting=meeting, case=CaseFactory(), item_type="new", by=co_chair)
    services.invite_agency_to_item(item=first, agency=housing, by=co_chair)
    services.invite_agency_to_item(item=second, agency=housing, by=co_chair)
    services.invite_agency_to_item(item=second, agency=fire, by=co_chair)
    with django_capture_on_commit_callbacks(execute=True):
        services.agenda_publish(meeting=meeting, by=co_chair)
    assert sorted(sorted(m.to) for m in mail.outbox) == sorted(
        [sorted([housing_lead.email, deputy.email]), [fire_lead.email]]
    )
    housing_mail = next(m for m in mail.outbox if housing_lead.email in m.to)
    assert "2 items" in housing_mail.body
    for message in mail.outbox:
        for personal in ("Marnie", "Ellwood", first.case.reference, second.case.reference):
            assert personal not in message.subject + message.body


# --- At the meeting ----------------------------------------------------------------


def test_attendance_and_acknowledgements(housing, housing_lead, fire, co_chair) -> None:
    meeting = PastMeetingFactory()
    services.attendance_record(meeting=meeting, agency=housing, status="attended", attendee=housing_lead)
    services.attendance_record(meeting=meeting, agency=fire, status="information-sent", notes="Report emailed")
    with pytest.raises(ValidationError):
        services.attendance_record(meeting=meeting, agency=fire, status="attended", attendee=housing_lead)
    with pytest.raises(ValidationError):
        services.acknowledgement_record(meeting=meeting, name="Kit", agency_name="Housing", by=co_chair)
    services.confidentiality_confirm(meeting=meeting, by=co_chair)
    ack = services.acknowledgement_record(meeting=meeting, name=housing_lead.full_name, agency_name=housing.name,
                                          by=co_chair)  # fmt: skip
    assert ack.acknowledged_at is not None
    meeting.refresh_from_db()
    assert meeting.status == "held"
    assert meeting.attendance.count() == 2


def test_recording_an_item_updates_the_case(housing, housing_lead, co_chair) -> None:
    meeting = PastMeetingFactory()
    later = MeetingFactory()
    case = CaseFactory(risk_level="medium")
    item = services.agenda_add_item(meeting=meeting, case=case, item_type="new", by=co_chair)
    services.item_minutes_record(
        item=item, by=co_chair, revision=item.revision, discussion="Joint visit agreed.", risk_level="high",
        lead_agency=housing, lead_officer=housing_lead, decision="review-next",
    )  # fmt: skip
    case.refresh_from_db()
    assert (case.risk_level, case.lead_agency, case.lead_officer) == ("high", housing, housing_lead)
    item.refresh_from_db()
    assert item.next_review_on == later.starts_at.astimezone(LONDON).date()
    assert case.events.filter(kind="discussed").exists()


def test_closing_at_the_meeting_closes_the_case_with_the_reason(co_chair) -> None:
    meeting, case = PastMeetingFactory(), CaseFactory()
    item = services.agenda_add_item(meeting=meeting, case=case, item_type="closure", by=co_chair)
    with pytest.raises(ValidationError):
        services.item_minutes_record(item=item, by=co_chair, revision=None, discussion="", risk_level="standard",
                                     lead_agency=None, lead_officer=None, decision="close")  # fmt: skip
    services.item_minutes_record(item=item, by=co_chair, revision=None, discussion="", risk_level="standard",
                                 lead_agency=None, lead_officer=None, decision="close",
                                 decision_detail="No incidents for three months")  # fmt: skip
    case.refresh_from_db()
    assert (case.status, case.closure_reason) == ("closed", "No incidents for three months")


def test_two_editors_never_overwrite_each_other(co_chair, coordinator) -> None:
    meeting, case = PastMeetingFactory(), CaseFactory()
    item = services.agenda_add_item(meeting=meeting, case=case, item_type="new", by=co_chair)
    seen = item.revision
    services.item_minutes_record(item=item, by=co_chair, revision=seen, discussion="First", risk_level="",
                                 lead_agency=None, lead_officer=None, decision="")  # fmt: skip
    with pytest.raises(services.StaleEdit):
        services.item_minutes_record(item=item, by=coordinator, revision=seen, discussion="Second", risk_level="",
                                     lead_agency=None, lead_officer=None, decision="")  # fmt: skip
    assert AgendaItem.objects.get(pk=item.pk).discussion == "First"

    minutes_seen = meeting.minutes_revision
    services.meeting_minutes_save(meeting=meeting, by=co_chair, revision=minutes_seen, general_minutes="Mine")
    with pytest.raises(services.StaleEdit):
        services.meeting_minutes_save(meeting=meeting, by=coordinator, revision=minutes_seen, general_minutes="Theirs")
    assert Meeting.objects.get(pk=meeting.pk).general_minutes == "Mine"


def test_approved_minutes_are_locked(co_chair) -> None:
    meeting, case = PastMeetingFactory(), CaseFactory()
    item = services.agenda_add_item(meeting=meeting, case=case, item_type="new", by=co_chair)
    with pytest.raises(ValidationError):
        services.minutes_circulate(meeting=meeting, by=co_chair)  # not held yet
    services.confidentiality_confirm(meeting=meeting, by=co_chair)
    with pytest.raises(ValidationError):
        services.minutes_approve(meeting=meeting, by=co_chair)  # not circulated
    services.minutes_circulate(meeting=meeting, by=co_chair)
    services.minutes_approve(meeting=meeting, by=co_chair)
    with pytest.raises(ValidationError):
        services.meeting_minutes_save(meeting=meeting, by=co_chair, revision=None, general_minutes="Late edit")
    with pytest.raises(ValidationError):
        services.item_minutes_record(item=item, by=co_chair, revision=None, discussion="Late", risk_level="",
                                     lead_agency=None, lead_officer=None, decision="")  # fmt: skip
    with pytest.raises(ValidationError):
        services.agenda_add_item(meeting=meeting, case=CaseFactory(), item_type="new", by=co_chair)


def test_nothing_is_added_to_or_changed_in_an_approved_meeting_by_any_service(co_chair, coordinator, housing) -> None:
    """The rule lives in the services, so every route (form, address, service call) gets it."""
    from actions.models import Action
    from actions.services import action_set
    from cmarac.cases.models import CaseInvolvement
    from meetings.models import Guest

    meeting, case = PastMeetingFactory(), CaseFactory()
    item = services.agenda_add_item(meeting=meeting, case=case, item_type="new", by=co_chair)
    services.confidentiality_confirm(meeting=meeting, by=co_chair)
    services.minutes_circulate(meeting=meeting, by=co_chair)
    services.minutes_approve(meeting=meeting, by=co_chair)
    involvements = CaseInvolvement.objects.count()
    refused = [
        lambda: action_set(case=case, owner=housing, description="Late", by=co_chair, agenda_item=item),
        lambda: services.invite_agency_to_item(item=item, agency=housing, by=co_chair),
        lambda: services.uninvite_agency_from_item(item=item, agency=housing, by=co_chair),
        lambda: services.agenda_remove_item(item=item, by=co_chair),
        lambda: services.guest_add(meeting=meeting, name="Late guest", organisation="Charity"),
        lambda: services.acknowledgement_record(meeting=meeting, name="Late", agency_name="Charity", by=coordinator),
        lambda: services.attendance_record(meeting=meeting, agency=housing, status="attended"),
    ]
    for attempt in refused:
        with pytest.raises(ValidationError):
            attempt()
    assert not Action.objects.filter(case=case).exists()
    assert not Guest.objects.filter(meeting=meeting).exists()
    assert CaseInvolvement.objects.count() == involvements
    assert AgendaItem.objects.filter(pk=item.pk).exists()


# --- Proposals ---------------------------------------------------------------------


def test_proposals_new_review_and_closure(police_referrer, coordinator, co_chair) -> None:
    from referrals.services import referral_accept
    from tests.referral_builders import submitted_referral

    december = MeetingFactory(starts_at=datetime(2026, 12, 10, 10, tzinfo=LONDON))
    referral = submitted_referral(police_referrer, now=datetime(2026, 11, 20, 9, tzinfo=LONDON))
    assert referral.meeting_date == december.starts_at
    new_case = referral_accept(referral=referral, by=coordinator)

    november = MeetingFactory(starts_at=datetime(2026, 11, 12, 10, tzinfo=LONDON))
    review, closure = CaseFactory(), CaseFactory()
    for case, decision, risk in ((review, "review-next", "medium"), (closure, "keep-under-review", "standard")):
        item = services.agenda_add_item(meeting=november, case=case, item_type="new", by=co_chair)
        services.item_minutes_record(item=item, by=co_chair, revision=None, discussion="", risk_level=risk,
                                     lead_agency=None, lead_officer=None, decision=decision)  # fmt: skip
    proposed = {p.case: p.item_type for p in agenda_proposals(december)}
    assert proposed == {new_case: "new", review: "review", closure: "closure"}
    services.agenda_add_item(meeting=december, case=review, item_type="review", by=co_chair)
    assert review not in {p.case for p in agenda_proposals(december)}
    assert Case.objects.count() == 3


def test_a_repeat_referral_into_a_case_already_heard_is_proposed_as_a_review(
    police_referrer, coordinator, co_chair
) -> None:
    """Not as a new case, even though a new referral was added to it."""
    from referrals.services import referral_accept
    from tests.referral_builders import submitted_referral

    november = MeetingFactory(starts_at=datetime(2026, 11, 12, 10, tzinfo=LONDON))
    december = MeetingFactory(starts_at=datetime(2026, 12, 10, 10, tzinfo=LONDON))
    heard = CaseFactory()
    services.agenda_add_item(meeting=november, case=heard, item_type="new", by=co_chair)
    repeat = submitted_referral(police_referrer, now=datetime(2026, 11, 20, 9, tzinfo=LONDON))
    assert referral_accept(referral=repeat, by=coordinator, join_case=heard) == heard
    (proposal,) = agenda_proposals(december)
    assert (proposal.case, proposal.item_type) == (heard, "review")
    assert "heard before" in proposal.why


def test_the_command_and_the_beat_job_generate_the_schedule(settings) -> None:
    from django.core.management import call_command

    from meetings.tasks import generate_schedule

    call_command("generate_meetings")
    count = Meeting.objects.count()
    assert count in (12, 13)  # twelve months ahead, from today
    assert generate_schedule.delay().get(timeout=5) == 0
    assert Meeting.objects.count() == count
    assert "generate-meeting-schedule" in settings.CELERY_BEAT_SCHEDULE


def test_a_referral_is_linked_to_its_meeting_once_the_schedule_makes_it(police_referrer) -> None:
    from tests.referral_builders import submitted_referral

    referral = submitted_referral(police_referrer, now=NOW)
    assert referral.meeting is None
    services.meetings_generate(months=3, now=NOW, rule=THURSDAY)
    referral.refresh_from_db()
    assert referral.meeting is not None
    assert referral.meeting.starts_at == referral.meeting_date


def test_circulating_minutes_tells_attendees_without_personal_data(
    housing, housing_lead, co_chair, django_capture_on_commit_callbacks
) -> None:
    meeting = PastMeetingFactory()
    victim = PersonFactory(given_name="Marnie", family_name="Ellwood")
    case = CaseFactory(subjects=[(victim, "victim")])
    services.agenda_add_item(meeting=meeting, case=case, item_type="new", by=co_chair)
    services.attendance_record(meeting=meeting, agency=housing, status="attended", attendee=housing_lead)
    services.confidentiality_confirm(meeting=meeting, by=co_chair)
    with django_capture_on_commit_callbacks(execute=True):
        services.minutes_circulate(meeting=meeting, by=co_chair)
    assert [m.to for m in mail.outbox] == [[housing_lead.email]]
    text = mail.outbox[0].subject + mail.outbox[0].body
    assert "/minutes/" in text
    for personal in ("Marnie", "Ellwood", case.reference):
        assert personal not in text
