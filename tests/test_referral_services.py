"""Referral services: scoring, versioning, deadlines, repeats, access, triage and emails."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from cmarac.cases.models import Case
from referrals import services
from referrals.checklists import checklist_current, checklist_new_version, checklist_publish
from referrals.matching import normalise_name, propose_cases
from referrals.models import ChecklistOption, Referral
from tests.factories.accounts import ReferrerFactory
from tests.referral_builders import PERPETRATOR, VICTIM, answers_scoring, complete_referral, submitted_referral

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


# --- Scoring ---------------------------------------------------------------------


def score_for(referrer, yes_count: int) -> Referral:
    return complete_referral(referrer, yes_count=yes_count)


@pytest.mark.parametrize(
    ("yes_count", "score", "level"),
    # Yes scores of the default checklist in order: 3,2,2,1,3,2,2,1,2,2,...; high from 18
    [(0, 0, "standard"), (4, 8, "standard"), (5, 11, "medium"), (8, 16, "medium"), (9, 18, "high")],
)
def test_score_and_level_at_the_thresholds(police_referrer, yes_count, score, level) -> None:
    referral = score_for(police_referrer, yes_count)
    assert (referral.score, referral.scored_level, referral.risk_level) == (score, level, level)
    assert referral.criterion_high_risk is (level == "high")


def test_thresholds_are_inclusive(police_referrer) -> None:
    checklist = checklist_current()
    assert checklist.level_for(checklist.medium_from - 1) == "standard"
    assert checklist.level_for(checklist.medium_from) == "medium"
    assert checklist.level_for(checklist.high_from - 1) == "medium"
    assert checklist.level_for(checklist.high_from) == "high"


def test_raising_the_level_needs_a_reason_and_cannot_lower(police_referrer) -> None:
    referral = score_for(police_referrer, 5)  # medium
    answers = answers_scoring(referral, 5)
    with pytest.raises(ValidationError):
        services.referral_answers_save(
            referral=referral, by=police_referrer, revision=None, answers=answers, raised_level="high"
        )
    with pytest.raises(ValidationError):
        services.referral_answers_save(
            referral=referral,
            by=police_referrer,
            revision=None,
            answers=answers,
            raised_level="standard",
            raised_reason="Lower it",
        )
    raised = services.referral_answers_save(
        referral=referral,
        by=police_referrer,
        revision=None,
        answers=answers,
        raised_level="high",
        raised_reason="Weapon seen on a visit yesterday",
    )
    assert (raised.scored_level, raised.risk_level) == ("medium", "high")


def test_answers_from_another_checklist_are_refused(police_referrer) -> None:
    referral = score_for(police_referrer, 0)
    draft = checklist_new_version(template=referral.checklist, by=None)
    foreign = ChecklistOption.objects.filter(question__template=draft).first()
    question_id = referral.checklist.questions.first().pk
    with pytest.raises(ValidationError):
        services.referral_answers_save(
            referral=referral, by=police_referrer, revision=None, answers={question_id: foreign.pk}
        )


# --- Versioning ------------------------------------------------------------------


def test_a_new_checklist_version_changes_nothing_for_earlier_referrals(police_referrer) -> None:
    old = submitted_referral(police_referrer, yes_count=10)
    assert (old.score, old.risk_level) == (20, "high")
    draft = checklist_new_version(template=old.checklist, by=None)
    ChecklistOption.objects.filter(question__template=draft, label="Yes").update(score=0)
    draft.questions.first().delete()
    draft.high_from = 50
    draft.save()
    published = checklist_publish(template=draft)
    old.refresh_from_db()
    assert old.checklist.version == 1
    assert old.checklist.status == "retired"
    assert (old.score, old.risk_level, old.answers.count()) == (20, "high", 18)
    assert checklist_current() == published
    assert services.referral_start(referrer=police_referrer).checklist == published


def test_published_checklists_cannot_be_published_again() -> None:
    with pytest.raises(ValidationError):
        checklist_publish(template=checklist_current())


# --- Deadlines -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("submitted", "meeting", "late"),
    [
        (datetime(2026, 3, 30, 9, 59, tzinfo=LONDON), datetime(2026, 4, 9, 10, tzinfo=LONDON), False),
        (datetime(2026, 3, 30, 10, 0, tzinfo=LONDON), datetime(2026, 4, 9, 10, tzinfo=LONDON), False),
        (datetime(2026, 3, 30, 10, 1, tzinfo=LONDON), datetime(2026, 5, 14, 10, tzinfo=LONDON), True),
    ],
)
def test_submission_is_assigned_its_meeting(police_referrer, submitted, meeting, late) -> None:
    referral = submitted_referral(police_referrer, now=submitted)
    assert (referral.meeting_date, referral.is_late, referral.status) == (meeting, late, "submitted")


def test_co_chairs_can_hear_a_late_referral_at_the_earlier_meeting(police_referrer, co_chair) -> None:
    referral = submitted_referral(police_referrer, now=datetime(2026, 3, 30, 10, 1, tzinfo=LONDON))
    urgent = services.referral_accept_as_urgent(referral=referral, by=co_chair)
    assert (urgent.meeting_date, urgent.is_late, urgent.accepted_as_urgent) == (
        datetime(2026, 4, 9, 10, tzinfo=LONDON),
        False,
        True,
    )


def test_an_incomplete_referral_cannot_be_submitted(police_referrer) -> None:
    referral = services.referral_start(referrer=police_referrer)
    with pytest.raises(ValidationError) as raised:
        services.referral_submit(referral=referral, by=police_referrer, revision=referral.revision)
    assert "Add at least one person" in raised.value.messages
    assert Referral.objects.get(pk=referral.pk).status == "draft"


def test_a_stale_form_is_refused(police_referrer) -> None:
    referral = services.referral_start(referrer=police_referrer)
    seen = referral.revision
    services.referral_update(referral=referral, by=police_referrer, revision=seen, fields={"concerns": "First"})
    with pytest.raises(services.StaleReferral):
        services.referral_update(referral=referral, by=police_referrer, revision=seen, fields={"concerns": "Second"})
    assert Referral.objects.get(pk=referral.pk).concerns == "First"


# --- Repeats and matching ------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "family", "dob", "repeat"),
    [
        ("Verity", "Quillfeather", date(1971, 5, 2), True),
        ("VERITY", "quillfeather", date(1971, 5, 2), True),  # case
        ("Vérity", "Quill-feather", date(1971, 5, 2), True),  # accents and punctuation
        ("Verity ", " Quillfeather", date(1971, 5, 2), True),  # spacing
        ("Verity", "Quillfeather", date(1971, 5, 3), False),  # another date of birth
        ("Verita", "Quillfeather", date(1971, 5, 2), False),  # a near miss is not a repeat
        ("Vera", "Quillfeather", date(1971, 5, 2), False),
    ],
)
def test_repeat_detection(police_referrer, given, family, dob, repeat) -> None:
    submitted_referral(police_referrer, now=datetime(2026, 1, 5, 12, tzinfo=LONDON), subjects=[VICTIM])
    again = {**VICTIM, "given_name": given, "family_name": family, "date_of_birth": dob}
    later = submitted_referral(ReferrerFactory(), now=datetime(2026, 6, 5, 12, tzinfo=LONDON), subjects=[again])
    assert later.is_repeat is repeat


def test_a_referral_more_than_twelve_months_later_is_not_a_repeat(police_referrer) -> None:
    submitted_referral(police_referrer, now=datetime(2025, 1, 5, 12, tzinfo=LONDON), subjects=[VICTIM])
    later = submitted_referral(police_referrer, now=datetime(2026, 1, 6, 12, tzinfo=LONDON), subjects=[VICTIM])
    assert later.is_repeat is False


def test_a_referral_about_a_subject_of_an_open_or_recently_closed_case_is_a_repeat(police_referrer, co_chair) -> None:
    """A case made by hand (no referral behind it) still counts: the same person within twelve months."""
    from cmarac.cases.models import CaseSubject
    from cmarac.cases.services import case_close
    from referrals.matching import find_repeat
    from tests.factories.cases import CaseFactory, PersonFactory

    person = PersonFactory(given_name="Verity", family_name="Quillfeather", date_of_birth=date(1971, 5, 2))
    case = CaseFactory(subjects=[(person, CaseSubject.Role.VICTIM)])
    later = submitted_referral(police_referrer, subjects=[VICTIM])
    assert later.is_repeat is True
    assert find_repeat(later).case == case
    case_close(case=case, by=co_chair, reason="Moved")
    again = submitted_referral(police_referrer, subjects=[{**VICTIM, "given_name": "Vérity"}])
    assert find_repeat(again).referral == later  # the most recent earlier referral first
    stranger = submitted_referral(police_referrer, subjects=[{**VICTIM, "date_of_birth": date(1980, 1, 1)}])
    assert stranger.is_repeat is False


def test_a_case_closed_more_than_twelve_months_before_is_not_repeated(police_referrer, co_chair) -> None:
    from cmarac.cases.models import Case, CaseSubject
    from tests.factories.cases import CaseFactory, PersonFactory

    person = PersonFactory(given_name="Verity", family_name="Quillfeather", date_of_birth=date(1971, 5, 2))
    case = CaseFactory(subjects=[(person, CaseSubject.Role.VICTIM)])
    Case.objects.filter(pk=case.pk).update(status="closed", closed_on=date(2024, 1, 1))
    later = submitted_referral(police_referrer, subjects=[VICTIM])
    assert later.is_repeat is False


def test_names_normalise() -> None:
    assert normalise_name("Séan", "O'Brien-Smith") == "sean obrien smith"


def test_proposals_find_an_open_case_by_name_and_birth_date_and_by_address(police_referrer, coordinator) -> None:
    first = submitted_referral(police_referrer, subjects=[VICTIM])
    case = services.referral_accept(referral=first, by=coordinator)
    near = {**VICTIM, "given_name": "Veritty"}
    second = submitted_referral(police_referrer, subjects=[near])
    matches = propose_cases(second)
    assert [m.case for m in matches] == [case]
    assert matches[0].strong is True  # same address and postcode
    other = submitted_referral(police_referrer, subjects=[{**near, "address": "", "postcode": ""}])
    (match,) = propose_cases(other)
    assert match.strong is False
    assert "similar name" in match.reasons[0]


def test_proposals_read_only_people_who_could_be_proposed(police_referrer, coordinator) -> None:
    """A case is proposed only for the same date of birth or postcode (with a name alike): the
    people of open cases who share neither are not read, however alike their names."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cmarac.cases.models import CaseSubject
    from tests.factories.cases import CaseFactory, PersonFactory

    first = submitted_referral(police_referrer, subjects=[VICTIM])
    case = services.referral_accept(referral=first, by=coordinator)
    for n in range(3):  # the same family name, elsewhere, born on other days
        person = PersonFactory(
            given_name="Verity", family_name="Quillfeather", date_of_birth=date(1980, 1, n + 1), postcode=f"DB9 {n}ZZ"
        )
        CaseFactory(subjects=[(person, CaseSubject.Role.VICTIM)])
    second = submitted_referral(police_referrer, subjects=[{**VICTIM, "given_name": "Veritty"}])
    with CaptureQueriesContext(connection) as queries:
        matches = propose_cases(second)
    assert [m.case for m in matches] == [case]
    (read,) = [q["sql"] for q in queries.captured_queries if "cases_casesubject" in q["sql"]]
    assert "LIKE" not in read.upper()
    nothing_to_go_on = submitted_referral(police_referrer, subjects=[{**VICTIM, "date_of_birth": None, "address": "",
                                                                      "postcode": ""}])  # fmt: skip
    with CaptureQueriesContext(connection) as queries:
        assert propose_cases(nothing_to_go_on) == []
    assert not [q for q in queries.captured_queries if "cases_casesubject" in q["sql"]]


# --- Access ----------------------------------------------------------------------


def test_referrers_see_only_their_own_referrals(police_referrer, housing_lead, co_chair, coordinator, fire_lead):
    mine = submitted_referral(police_referrer)
    draft = services.referral_start(referrer=housing_lead)
    assert set(Referral.objects.visible_to(police_referrer)) == {mine}
    assert set(Referral.objects.visible_to(housing_lead)) == {draft}
    assert set(Referral.objects.visible_to(fire_lead)) == set()
    assert set(Referral.objects.visible_to(co_chair)) == {mine}  # never another person's draft
    assert set(Referral.objects.visible_to(coordinator)) == {mine}


# --- Triage ------------------------------------------------------------------------


def test_accepting_creates_a_case_visible_to_the_referring_agency_only(
    police_referrer, coordinator, housing_lead, fire_lead
) -> None:
    from tests.factories.accounts import AgencyStaffFactory

    referral = submitted_referral(police_referrer)
    case = services.referral_accept(referral=referral, by=coordinator)
    referral.refresh_from_db()
    assert (referral.status, referral.case) == ("accepted", case)
    assert case.risk_level == "high"
    assert {s.person.full_name for s in case.subjects.select_related("person")} == {
        "Verity Quillfeather",
        "Pax Underhill",
    }
    police_officer = AgencyStaffFactory(agency=police_referrer.agency)
    assert Case.objects.visible_to(police_officer).filter(pk=case.pk).exists()
    assert not Case.objects.visible_to(fire_lead).filter(pk=case.pk).exists()
    assert not Case.objects.visible_to(housing_lead).filter(pk=case.pk).exists()
    assert case.events.filter(kind="referral-accepted").exists()


def test_joining_an_open_case_reuses_the_same_person(police_referrer, coordinator) -> None:
    first = submitted_referral(police_referrer, subjects=[VICTIM])
    case = services.referral_accept(referral=first, by=coordinator)
    second = submitted_referral(police_referrer, subjects=[VICTIM, PERPETRATOR])
    assert second.is_repeat
    joined = services.referral_accept(referral=second, by=coordinator, join_case=case)
    assert joined == case
    assert case.subjects.count() == 2
    case.refresh_from_db()
    assert case.is_repeat


def test_declining_needs_a_reason_the_referrer_sees(police_referrer, coordinator) -> None:
    referral = submitted_referral(police_referrer)
    with pytest.raises(ValidationError):
        services.referral_decline(referral=referral, by=coordinator, reason=" ")
    declined = services.referral_decline(referral=referral, by=coordinator, reason="Below the panel's threshold")
    assert (declined.status, declined.decision_reason) == ("declined", "Below the panel's threshold")
    with pytest.raises(ValidationError):
        services.referral_accept(referral=declined, by=coordinator)


def test_more_information_goes_back_and_comes_back(police_referrer, coordinator) -> None:
    referral = submitted_referral(police_referrer)
    asked = services.referral_request_information(referral=referral, by=coordinator, question="Any children?")
    assert asked.is_editable_by_referrer
    changed = services.referral_update(
        referral=asked, by=police_referrer, revision=asked.revision, fields={"chronology": "Two children visit."}
    )
    again = services.referral_submit(referral=changed, by=police_referrer, revision=changed.revision)
    assert again.status == "submitted"


def test_only_the_referrer_edits_and_only_while_editable(police_referrer, housing_lead, coordinator) -> None:
    referral = services.referral_start(referrer=police_referrer)
    with pytest.raises(ValidationError):
        services.referral_update(referral=referral, by=housing_lead, revision=None, fields={"concerns": "x"})
    submitted = submitted_referral(police_referrer)
    with pytest.raises(ValidationError):
        services.referral_update(referral=submitted, by=police_referrer, revision=None, fields={"concerns": "x"})


# --- Emails ------------------------------------------------------------------------


def test_emails_hold_a_reference_and_a_link_but_no_names(
    police_referrer, coordinator, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        referral = submitted_referral(police_referrer)
    assert [m.to for m in mail.outbox] == [[coordinator.email]]
    with django_capture_on_commit_callbacks(execute=True):
        services.referral_decline(referral=referral, by=coordinator, reason="Not for this panel: refer to MARAC")
    assert mail.outbox[-1].to == [police_referrer.email]
    for message in mail.outbox:
        text = message.subject + message.body
        assert referral.reference in text
        assert "/referrals/" in text
        for personal in ("Verity", "Quillfeather", "Pax", "Underhill", "DB4", "1971", "MARAC:"):
            assert personal not in text
        assert police_referrer.full_name not in text


def test_notification_tasks_take_only_an_id(police_referrer, settings) -> None:
    from referrals.tasks import send_referral_decision, send_referral_received

    assert send_referral_received.run(0) == 0
    assert send_referral_decision.run(0) == 0


def test_decided_after_more_than_a_day_keeps_its_submission_time(police_referrer, coordinator) -> None:
    when = datetime(2026, 2, 1, 12, tzinfo=LONDON)
    referral = submitted_referral(police_referrer, now=when)
    services.referral_accept(referral=referral, by=coordinator)
    referral.refresh_from_db()
    assert referral.submitted_at == when
    assert referral.decided_at - when > timedelta(days=1)
