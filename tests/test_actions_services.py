"""Actions: ownership grants access, updates by the owning agency, review, reminders and escalation."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from guardian.shortcuts import get_groups_with_perms

from actions import services
from actions.models import Action, DigestSent
from actions.reminders import send_agency_digests, send_escalations
from actions.selectors import cases_with_actions_due_by
from cmarac.cases.models import Case
from tests.factories.accounts import AgencyStaffFactory
from tests.factories.cases import CaseFactory, PersonFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 24)


def set_action(case: Case, owner, by, due_on: date = TODAY + timedelta(days=3), **kwargs) -> Action:
    return services.action_set(case=case, owner=owner, description="Joint welfare visit", by=by, due_on=due_on,
                               **kwargs)  # fmt: skip


def test_owning_an_action_involves_the_agency(fire, co_chair, fire_lead) -> None:
    case = CaseFactory()
    assert not Case.objects.visible_to(fire_lead).filter(pk=case.pk).exists()
    set_action(case, fire, co_chair)
    assert fire.group in get_groups_with_perms(case)
    assert Case.objects.visible_to(fire_lead).filter(pk=case.pk).exists()
    assert case.events.filter(kind="action-set").exists()


def test_only_chairs_set_actions_and_only_on_open_cases(housing_case, housing, housing_lead, co_chair) -> None:
    with pytest.raises(ValidationError):
        set_action(housing_case, housing, housing_lead)
    from cmarac.cases.services import case_close

    case_close(case=housing_case, by=co_chair, reason="Done")
    with pytest.raises(ValidationError):
        set_action(housing_case, housing, co_chair)


def test_the_officer_must_work_for_the_owning_agency(housing_case, housing, fire_lead, co_chair) -> None:
    with pytest.raises(ValidationError):
        set_action(housing_case, housing, co_chair, officer=fire_lead)


def test_the_due_date_defaults_to_the_day_before_the_next_meeting(housing_case, housing, co_chair) -> None:
    from django.utils import timezone

    from tests.factories.meetings import MeetingFactory

    meeting = MeetingFactory(starts_at=timezone.now() + timedelta(days=20))
    action = services.action_set(case=housing_case, owner=housing, description="Visit", by=co_chair)
    assert action.due_on == timezone.localdate(meeting.starts_at) - timedelta(days=1)


def test_an_action_set_at_a_meeting_is_due_before_the_meeting_after_that_one(housing_case, housing, co_chair) -> None:
    """Not a date counted from today: minutes written up before or after the day still give the
    day before the following meeting."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from meetings import services as meeting_services
    from tests.factories.meetings import MeetingFactory

    london = ZoneInfo("Europe/London")
    set_at = MeetingFactory(starts_at=datetime(2031, 3, 13, 10, tzinfo=london))
    MeetingFactory(starts_at=datetime(2031, 4, 10, 10, tzinfo=london))
    MeetingFactory(starts_at=datetime(2031, 5, 8, 10, tzinfo=london))
    item = meeting_services.agenda_add_item(meeting=set_at, case=housing_case, item_type="new", by=co_chair)
    action = services.action_set(case=housing_case, owner=housing, description="Visit", by=co_chair, agenda_item=item)
    assert action.due_on == date(2031, 4, 9)
    assert services.default_due_date(after=date(2031, 3, 13)) == date(2031, 4, 9)


@pytest.mark.parametrize("month", [1, 7])  # Greenwich time and British Summer Time
def test_the_next_meeting_is_the_first_on_a_later_local_day(month) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from tests.factories.meetings import MeetingFactory

    london = ZoneInfo("Europe/London")
    MeetingFactory(starts_at=datetime(2031, month, 13, 23, 30, tzinfo=london))  # late on the day itself
    MeetingFactory(starts_at=datetime(2031, month, 14, 0, 15, tzinfo=london), status="cancelled")
    MeetingFactory(starts_at=datetime(2031, month, 14, 0, 30, tzinfo=london))  # just after local midnight
    assert services.default_due_date(after=date(2031, month, 13)) == date(2031, month, 13)
    assert services.default_due_date(after=date(2031, month, 14)) is None


def test_an_agency_updates_its_own_actions_only(housing_case, housing, police, housing_lead, co_chair) -> None:
    ours = set_action(housing_case, housing, co_chair)
    theirs = set_action(housing_case, police, co_chair)
    services.action_update(action=ours, by=housing_lead, status="in-progress", text="Visit booked", revision=0)
    with pytest.raises(ValidationError):
        services.action_update(action=theirs, by=housing_lead, status="completed", text="Done", revision=None)
    # ...but can read it, being involved in the case.
    assert set(Action.objects.visible_to(housing_lead)) == {ours, theirs}


def test_completing_records_the_outcome_and_closes(housing_case, housing, housing_lead, co_chair) -> None:
    action = set_action(housing_case, housing, co_chair)
    with pytest.raises(ValidationError):
        services.action_update(action=action, by=housing_lead, status="completed", text=" ", revision=None)
    services.action_update(action=action, by=housing_lead, status="completed", text="Visit done; safe.",
                           revision=None)  # fmt: skip
    action.refresh_from_db()
    assert (action.status, action.outcome, action.is_open) == ("completed", "Visit done; safe.", False)
    with pytest.raises(ValidationError):
        services.action_update(action=action, by=housing_lead, status="in-progress", text="Again", revision=None)


def test_a_stale_update_is_refused(housing_case, housing, housing_lead, co_chair) -> None:
    action = set_action(housing_case, housing, co_chair)
    services.action_update(action=action, by=housing_lead, status="in-progress", text="First", revision=0)
    with pytest.raises(services.StaleAction):
        services.action_update(action=action, by=co_chair, status="in-progress", text="Second", revision=0)
    assert action.updates.count() == 1


def test_members_update_when_their_agency_shows_them_cases(housing_case, housing, co_chair) -> None:
    member = AgencyStaffFactory(agency=housing)
    action = set_action(housing_case, housing, co_chair)
    services.action_update(action=action, by=member, status="in-progress", text="On it", revision=None)
    housing.members_see_cases = False
    housing.save()
    with pytest.raises(ValidationError):
        services.action_update(action=action, by=member, status="in-progress", text="Again", revision=None)


def test_review_carries_forward_reassigns_or_closes(housing_case, housing, police, fire, co_chair) -> None:
    carried = set_action(housing_case, housing, co_chair, due_on=TODAY)
    services.action_carry_forward(action=carried, by=co_chair, due_on=TODAY + timedelta(days=30))
    carried.refresh_from_db()
    assert carried.due_on == TODAY + timedelta(days=30)

    moved = set_action(housing_case, fire, co_chair)
    services.action_reassign(action=moved, by=co_chair, owner=police, officer=None, reason="Police lead now")
    assert fire.group not in get_groups_with_perms(housing_case)  # fire's only reason was this action

    impossible = set_action(housing_case, housing, co_chair)
    services.action_close(action=impossible, by=co_chair, status="not-possible", reason="Tenant moved away")
    undone = set_action(housing_case, housing, co_chair)
    services.action_close(action=undone, by=co_chair, status="not-done", reason="No capacity")
    assert {a.status for a in (Action.objects.get(pk=impossible.pk), Action.objects.get(pk=undone.pk))} == {
        "not-possible",
        "not-done",
    }


def test_cases_with_actions_due_are_proposed(housing_case, housing, co_chair) -> None:
    set_action(housing_case, housing, co_chair, due_on=TODAY)
    assert [case for case, _ in cases_with_actions_due_by(TODAY)] == [housing_case]
    assert cases_with_actions_due_by(TODAY - timedelta(days=1)) == []


# --- Reminders -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due_in", "in_digest", "counted_as"),
    [(-1, True, "overdue"), (0, True, "due_soon"), (7, True, "due_soon"), (8, False, None)],
)
def test_digest_selection_at_the_boundaries(due_in, in_digest, counted_as, housing, housing_lead, co_chair,
                                            settings) -> None:  # fmt: skip
    settings.ACTION_DUE_SOON_DAYS = 7
    set_action(CaseFactory(), housing, co_chair, due_on=TODAY + timedelta(days=due_in))
    assert send_agency_digests(today=TODAY)[0] == int(in_digest)
    if in_digest:
        record = DigestSent.objects.get()
        assert getattr(record, counted_as) == 1


def test_the_digest_is_sent_once_a_day_to_lead_and_deputy(housing, housing_lead, co_chair) -> None:
    deputy = AgencyStaffFactory(agency=housing)
    housing.deputy = deputy
    housing.save()
    for _ in range(3):
        set_action(CaseFactory(), housing, co_chair, due_on=TODAY - timedelta(days=2))
    assert send_agency_digests(today=TODAY)[0] == 1
    assert send_agency_digests(today=TODAY)[0] == 0
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == sorted([housing_lead.email, deputy.email])
    assert "overdue: 3" in mail.outbox[0].body
    assert send_agency_digests(today=TODAY + timedelta(days=1))[0] == 1


def test_completed_actions_are_not_chased(housing, housing_lead, co_chair) -> None:
    action = set_action(CaseFactory(), housing, co_chair, due_on=TODAY - timedelta(days=2))
    services.action_update(action=action, by=housing_lead, status="completed", text="Done", revision=None)
    assert send_agency_digests(today=TODAY)[0] == 0


def test_long_overdue_actions_escalate_to_the_co_chairs_once_a_day(housing, co_chair, settings) -> None:
    settings.ACTION_ESCALATION_DAYS = 14
    set_action(CaseFactory(), housing, co_chair, due_on=TODAY - timedelta(days=14))
    assert send_escalations(today=TODAY) == 0  # exactly 14 days: not yet
    set_action(CaseFactory(), housing, co_chair, due_on=TODAY - timedelta(days=15))
    assert send_escalations(today=TODAY) == 1
    assert send_escalations(today=TODAY) == 0
    assert mail.outbox[-1].to == [co_chair.email]


def test_reminder_emails_hold_counts_and_a_link_only(housing, housing_lead, co_chair) -> None:
    victim = PersonFactory(given_name="Marnie", family_name="Ellwood")
    case = CaseFactory(subjects=[(victim, "victim")])
    set_action(case, housing, co_chair, due_on=TODAY - timedelta(days=30))
    send_agency_digests(today=TODAY)
    send_escalations(today=TODAY)
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        text = message.subject + message.body
        for personal in ("Marnie", "Ellwood", case.reference, "welfare"):
            assert personal not in text
        assert "/actions/" in text


def test_the_reminder_task_runs_inline(housing, housing_lead, co_chair) -> None:
    from actions.tasks import send_reminders

    set_action(CaseFactory(), housing, co_chair, due_on=TODAY - timedelta(days=400))
    result = send_reminders.delay().get(timeout=5)
    assert result == {"agency_digests": 1, "escalations": 1, "coordinator_digests": 0}
    assert send_reminders.delay().get(timeout=5) == {"agency_digests": 0, "escalations": 0, "coordinator_digests": 0}


def test_reminders_reach_the_agency_mailbox_the_coordinators_and_name_agencies_nobody_can_tell(
    housing, housing_lead, co_chair, coordinator, fire, settings
) -> None:
    """Housing's digest goes to its team mailbox too; the escalation reaches the coordinator as
    well as the co-chair; fire has nobody to tell, so the coordinator is told that, by name."""
    from actions.reminders import run_reminders

    settings.ACTION_ESCALATION_DAYS = 14
    housing.contact_email = "housing-team@housing.example"
    housing.save()
    set_action(CaseFactory(), housing, co_chair, due_on=TODAY - timedelta(days=20))
    set_action(CaseFactory(), fire, co_chair, due_on=TODAY - timedelta(days=2))
    assert run_reminders(today=TODAY) == {"agency_digests": 1, "escalations": 2, "coordinator_digests": 1}
    by_subject = {message.subject: message for message in mail.outbox}
    digest = next(m for s, m in by_subject.items() if "Your agency" in s)
    assert sorted(digest.to) == sorted(["housing-team@housing.example", housing_lead.email])
    escalated = sorted(m.to[0] for m in mail.outbox if "overdue for more than" in m.subject)
    assert escalated == sorted([co_chair.email, coordinator.email])
    told = next(m for s, m in by_subject.items() if "nobody can tell" in s)
    assert told.to == [coordinator.email]
    assert fire.name in told.body
    # The same day again: nothing twice.
    assert run_reminders(today=TODAY) == {"agency_digests": 0, "escalations": 0, "coordinator_digests": 0}


def test_reminders_run_by_hand_for_a_given_day_once(housing, housing_lead, co_chair) -> None:
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    set_action(CaseFactory(), housing, co_chair, due_on=date(2026, 12, 1))
    out = StringIO()
    call_command("send_reminders", "--date", "2026-12-03", stdout=out)
    assert "1 agency digest(s)" in out.getvalue()
    call_command("send_reminders", "--date", "2026-12-03", stdout=out)
    assert len(mail.outbox) == 1
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("send_reminders", "--date", "3 December")
