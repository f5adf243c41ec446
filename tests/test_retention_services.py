"""Retention: a case walked from closure to anonymisation on a frozen clock, holds, idempotence,
one transaction per case, batches, people shared between cases, and referrals that fall due."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from actions.models import Action, ActionUpdate
from cmarac.cases.models import Case, CaseSubject, Person
from cmarac.cases.services import case_close
from cmarac.governance import retention_registry
from cmarac.governance.retention_models import RetentionHold
from cmarac.governance.retention_registry import ANONYMISED_NAME, REMOVED_TEXT
from cmarac.governance.retention_selectors import retention_queue
from cmarac.governance.retention_services import (
    StaleHold,
    audit_entries_purge,
    retention_apply,
    retention_hold_release,
    retention_hold_save,
)
from cmarac.governance.retention_tasks import apply_retention
from meetings.models import AgencyInformation, AgendaItem
from referrals.models import Referral, ReferralSubject
from referrals.services import referral_decline
from tests.factories.cases import CaseFactory, PersonFactory
from tests.factories.referrals import DraftReferralFactory, SubmittedReferralFactory
from tests.retention_builders import PERSONAL, at, full_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def walked(co_chair, coordinator, housing, housing_lead, police_referrer):
    """The full case, closed by the panel on 20 March 2026: due on 20 March 2032."""
    with at(2026, 3, 20):
        return full_case(
            co_chair=co_chair,
            coordinator=coordinator,
            housing=housing,
            housing_lead=housing_lead,
            police_referrer=police_referrer,
        )


def queue_references(today: date) -> dict[str, bool]:
    """Reference -> on hold, for the rows due by the end of today's month."""
    rows, _ = retention_queue(today=today)
    return {row.record.reference: row.hold is not None for row in rows}


def retention_entries(reference: str):
    return LogEntry.objects.filter(additional_data__case=reference, additional_data__policy__isnull=False)


def test_a_case_walks_from_closure_through_a_hold_to_anonymisation(walked, coordinator, housing) -> None:
    case = walked.case
    assert (case.status, case.closed_on) == ("closed", date(2026, 3, 20))
    victim_person = case.subjects.get(role="victim").person
    actions_by_status = dict(Action.objects.filter(case=case).values_list("pk", "status"))

    # Closed, but not due for six years.
    with at(2031, 3, 20):
        assert retention_apply().anonymised == []
        assert case.reference not in queue_references(date(2031, 3, 20))

    # The month it falls due: in the queue, not yet anonymised.
    with at(2032, 3, 1):
        assert queue_references(date(2032, 3, 1)) == {case.reference: False}
        assert retention_apply().anonymised == []
        hold = retention_hold_save(
            kind="case",
            reference=case.reference,
            by=coordinator,
            grounds=RetentionHold.Grounds.LEGAL_HOLD,
            reason="Civil claim pending",
            review_on=date(2032, 6, 1),
            revision=0,
        )

    # Due, but held: the job leaves it, the queue shows it held.
    with at(2032, 3, 21):
        assert queue_references(date(2032, 3, 21)) == {case.reference: True}
        assert retention_apply().anonymised == []
        case.refresh_from_db()
        assert case.anonymised_at is None
        assert case.summary

    # Released after review: the next run anonymises it.
    with at(2032, 6, 2):
        retention_hold_release(kind="case", reference=case.reference, by=coordinator, revision=hold.revision)
        assert retention_apply().anonymised == [case.reference]

    case.refresh_from_db()
    assert case.anonymised_at is not None
    # What reporting counts is kept.
    assert (case.status, case.risk_level, case.lead_agency, case.closed_on) == (
        "closed",
        "high",
        housing,
        date(2026, 3, 20),
    )
    assert case.risk_history.exists()
    assert case.involvements.filter(agency=housing).exists()
    assert dict(Action.objects.filter(case=case).values_list("pk", "status")) == actions_by_status
    # Free text and personal data are gone.
    assert (case.summary, case.closure_reason) == ("", "")
    assert set(case.events.values_list("description", flat=True)) == {""}
    subjects = list(case.subjects.select_related("person").order_by("role"))
    assert [s.role for s in subjects] == ["alleged-perpetrator", "victim"]
    for subject in subjects:
        person = subject.person
        assert (person.given_name, person.family_name, person.address, person.postcode) == (ANONYMISED_NAME, "", "", "")
        assert (person.date_of_birth, person.phone, person.email, person.vulnerabilities) == (None, "", "", "")
    assert subjects[1].person.birth_year_band == "1980-1989"
    assert not Person.objects.filter(pk=victim_person.pk).exists()
    referral = Referral.objects.get(case=case)
    assert (referral.concerns, referral.chronology, referral.status) == ("", "", "accepted")
    assert set(ReferralSubject.objects.filter(referral=referral).values_list("given_name", "person")) == {
        (ANONYMISED_NAME, None)
    }
    item = AgendaItem.objects.get(pk=walked.item.pk)
    assert (item.discussion, item.decision_detail, item.decision, item.risk_level_agreed) == ("", "", "close", "high")
    assert AgencyInformation.objects.get(item=item).research_summary == REMOVED_TEXT
    assert Action.objects.get(pk=walked.action.pk).description == REMOVED_TEXT
    assert set(ActionUpdate.objects.filter(action__case=case).values_list("text", flat=True)) == {REMOVED_TEXT}
    # Nothing personal is left in any text column of the case's rows.
    for model, path in ((Person, "case_roles__case"), (ReferralSubject, "referral__case"), (Referral, "case")):
        for row in model.objects.filter(**{path: case}).values():
            assert not [word for word in PERSONAL if word in str(row)], (model, row)

    # The trail records that it happened, under which policy, by the job; one entry, no values.
    (entry,) = retention_entries(case.reference)
    assert entry.action == LogEntry.Action.UPDATE
    assert entry.actor is None
    assert entry.additional_data["by"] == "retention job"
    assert entry.additional_data["policy"] == "closed-case"
    assert entry.additional_data["rule"] == "Closed cases are anonymised 6 years after closure"
    assert not [word for word in PERSONAL if word in str(entry.changes) + entry.changes_text]

    # A second run (the next night) changes nothing and records nothing.
    entries_before = LogEntry.objects.count()
    with at(2032, 6, 3):
        assert retention_apply().anonymised == []
    assert LogEntry.objects.count() == entries_before
    assert case.reference not in queue_references(date(2032, 6, 3))


def test_the_job_writes_no_personal_values_into_the_audit_trail(walked) -> None:
    with at(2032, 4, 1):
        started = LogEntry.objects.count()
        retention_apply()
    new = LogEntry.objects.order_by("pk")[started:]
    assert len(new) == 1  # the one entry per case; the parts' own changes are not logged value by value
    text = " ".join(f"{e.object_repr} {e.changes} {e.changes_text} {e.additional_data}" for e in new)
    assert not [word for word in PERSONAL if word in text]


def test_a_person_run_records_who_ran_it(walked, auditor) -> None:
    with at(2032, 4, 1):
        call_command("apply_retention", "--by", auditor.email, stdout=open("/dev/null", "w"))  # noqa: SIM115
    (entry,) = retention_entries(walked.case.reference)
    assert (entry.actor, entry.additional_data["by"]) == (auditor, auditor.email)


def closed_case(name: str, *, person: Person | None = None) -> Case:
    person = person or PersonFactory(given_name=name, family_name="Harrowgate", address=f"{name} House")
    case = CaseFactory(subjects=[(person, CaseSubject.Role.VICTIM)], summary=f"About {name} Harrowgate")
    return case_close(case=case, by=None, reason=f"{name} moved away")


def test_a_failure_halfway_leaves_that_case_untouched_and_the_others_done(monkeypatch) -> None:
    with at(2026, 1, 5):
        cases = [closed_case(name) for name in ("Alder", "Birch", "Cedar")]
    broken = cases[1]
    parts = retention_registry.case_parts()

    def fails_for_birch(case: Case) -> None:
        if case.pk == broken.pk:
            raise RuntimeError("disk full")

    # After the referrals, meetings and actions parts, before the case's own: all of them undone.
    monkeypatch.setattr(
        retention_registry,
        "_case_parts",
        [(order, name, function) for order, (name, function) in enumerate(parts)] + [(99, "broken", fails_for_birch)],
    )
    retention_registry._case_parts.sort(key=lambda part: part[0])
    with at(2032, 2, 1):
        run = retention_apply()
    assert (run.anonymised, run.failed) == ([cases[0].reference, cases[2].reference], [broken.reference])
    broken.refresh_from_db()
    assert (broken.anonymised_at, broken.summary, broken.closure_reason) == (
        None,
        "About Birch Harrowgate",
        "Birch moved away",
    )
    assert broken.subjects.get().person.given_name == "Birch"
    assert not retention_entries(broken.reference).exists()
    for done in (cases[0], cases[2]):
        done.refresh_from_db()
        assert done.anonymised_at is not None
        assert done.subjects.get().person.given_name == ANONYMISED_NAME

    monkeypatch.setattr(retention_registry, "_case_parts", [(i, n, f) for i, (n, f) in enumerate(parts)])
    with at(2032, 2, 2):
        assert retention_apply().anonymised == [broken.reference]


def test_cases_are_read_in_batches_and_each_costs_the_same_queries() -> None:
    def queries_for(count: int) -> tuple[int, list[str]]:
        """(queries other than the reads of due cases' ids, those reads)."""
        with at(2026, 1, 5):
            for n in range(count):
                closed_case(f"Name{count}x{n}")
        with at(2032, 2, 1), CaptureQueriesContext(connection) as captured:
            run = retention_apply(batch_size=2)
        assert len(run.anonymised) == count
        sql = [query["sql"] for query in captured.captured_queries]
        reads = [query for query in sql if '"closed_on" AS "closed_on" FROM "cases_case"' in query]
        return len(sql) - len(reads), reads

    none, _ = queries_for(0)
    one, _ = queries_for(1)
    three, reads = queries_for(3)
    per_case = one - none
    # The same queries for every case (its own rows, its subjects), whatever the number of cases.
    assert three - none == 3 * per_case
    assert per_case <= 30
    # Ids are read two at a time from where the last read ended (a full read; the rest of its
    # closing day, which came short; the days after, for the one place left): never the whole table.
    assert [int(re.search(r"LIMIT (\d+)", read).group(1)) for read in reads] == [2, 2, 1]


def test_batches_go_on_from_day_to_day_and_take_every_due_case_once() -> None:
    """Cases closed on several days, more than a batch on one of them: each anonymised once, the
    oldest closure first."""
    days = [(2025, 11, 3), (2026, 1, 5), (2026, 1, 5), (2026, 1, 5), (2026, 3, 9), (2026, 3, 10)]
    made = []
    for n, day in enumerate(days):
        with at(*day):
            made.append(closed_case(f"Day{n}"))
    with at(2032, 3, 9):  # the last one is not due yet
        run = retention_apply(batch_size=2)
    assert run.anonymised == [case.reference for case in made[:5]]
    with at(2032, 3, 10):
        assert retention_apply(batch_size=2).anonymised == [made[5].reference]


def test_a_person_shared_with_a_case_not_due_keeps_their_details_there() -> None:
    with at(2026, 1, 5):
        shared = PersonFactory(given_name="Juniper", family_name="Oakhollow", postcode="ZJ1 1JJ")
        old = closed_case("Old", person=shared)
        still_open = CaseFactory(subjects=[(shared, CaseSubject.Role.WITNESS)])
    with at(2032, 2, 1):
        assert retention_apply().anonymised == [old.reference]
    shared.refresh_from_db()
    assert (shared.given_name, shared.postcode) == ("Juniper", "ZJ1 1JJ")
    assert still_open.subjects.get().person == shared
    assert old.subjects.get().person.given_name == ANONYMISED_NAME
    # The case search no longer finds the anonymised case by the person's name; the other case, yes.
    old.refresh_from_db()
    still_open.refresh_from_db()
    assert "JUNIPER" not in old.search_text
    assert "OAKHOLLOW" not in old.search_text
    assert "ZJ11JJ" not in old.search_text
    assert {"JUNIPER", "OAKHOLLOW", "ZJ11JJ"} <= set(still_open.search_text.split("\n"))

    # When the other case is closed and due too, the person record goes.
    with at(2032, 3, 1):
        case_close(case=still_open, by=None, reason="Resolved")
    with at(2038, 3, 2):
        assert retention_apply().anonymised == [still_open.reference]
    assert not Person.objects.filter(pk=shared.pk).exists()


def test_declined_referrals_and_old_drafts_are_deleted_when_due(coordinator, police_referrer) -> None:
    with at(2026, 1, 5):
        declined = referral_decline(
            referral=SubmittedReferralFactory(referrer=police_referrer), by=coordinator, reason="Below threshold"
        )
        draft = DraftReferralFactory(referrer=police_referrer, concerns="Half written")
        waiting = SubmittedReferralFactory(referrer=police_referrer)
    with at(2026, 4, 4):  # 89 days
        assert retention_apply().removed == []
    with at(2026, 4, 6):  # 91 days: the draft, not the declined referral
        assert retention_apply().removed == [draft.reference]
    with at(2027, 1, 6):
        assert retention_apply().removed == [declined.reference]
    assert list(Referral.objects.values_list("reference", flat=True)) == [waiting.reference]
    entry = LogEntry.objects.get(additional_data__referral=declined.reference, action=LogEntry.Action.DELETE)
    assert entry.additional_data["policy"] == "declined-referral"
    assert entry.additional_data["rule"] == "Declined referrals are deleted 365 days after the decision"


def test_a_held_referral_is_kept(coordinator, police_referrer) -> None:
    with at(2026, 1, 5):
        draft = DraftReferralFactory(referrer=police_referrer)
        retention_hold_save(
            kind="referral",
            reference=draft.reference,
            by=coordinator,
            grounds="ongoing-review",
            reason="Complaint under review",
            review_on=date(2026, 9, 1),
            revision=0,
        )
    with at(2026, 6, 1):
        assert retention_apply().removed == []
        assert queue_references(date(2026, 6, 1)) == {draft.reference: True}
    assert Referral.objects.filter(pk=draft.pk).exists()


def test_a_dry_run_changes_nothing(walked, capsys) -> None:
    call_command("apply_retention", "--date", "2032-04-01", "--dry-run")
    assert f"Would anonymise 1 case(s): {walked.case.reference}" in capsys.readouterr().out
    walked.case.refresh_from_db()
    assert walked.case.anonymised_at is None
    call_command("apply_retention", "--date", "2032-04-01")
    walked.case.refresh_from_db()
    assert walked.case.anonymised_at is not None


def test_the_command_refuses_a_malformed_date() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("apply_retention", "--date", "01/04/2032")


def test_the_daily_task_runs_the_policy(walked, settings) -> None:
    assert settings.CELERY_BEAT_SCHEDULE["apply-retention"]["task"] == "governance.apply_retention"
    with at(2032, 4, 1):
        assert apply_retention.delay().get() == {
            "anonymised": 1,
            "removed": 0,
            "audit_entries_deleted": 0,
            "failed": 0,
        }


def test_holds_need_a_reason_a_future_date_and_the_current_revision(walked, coordinator, auditor) -> None:
    reference = walked.case.reference
    with at(2032, 3, 1):
        with pytest.raises(ValidationError) as refused:
            retention_hold_save(
                kind="case", reference=reference, by=coordinator, grounds="legal-hold", reason=" ",
                review_on=date(2032, 3, 1), revision=0,
            )  # fmt: skip
        assert set(refused.value.error_dict) == {"reason", "review_on"}
        hold = retention_hold_save(
            kind="case", reference=reference, by=coordinator, grounds="legal-hold", reason="Claim",
            review_on=date(2032, 6, 1), revision=0,
        )  # fmt: skip
        retention_hold_save(
            kind="case", reference=reference, by=auditor, grounds="ongoing-review", reason="Review",
            review_on=date(2032, 7, 1), revision=hold.revision,
        )  # fmt: skip
        with pytest.raises(StaleHold):  # the coordinator's form was shown before the auditor's save
            retention_hold_save(
                kind="case", reference=reference, by=coordinator, grounds="legal-hold", reason="Mine",
                review_on=date(2032, 8, 1), revision=hold.revision,
            )  # fmt: skip
        with pytest.raises(StaleHold):
            retention_hold_release(kind="case", reference=reference, by=coordinator, revision=hold.revision)
        with pytest.raises(StaleHold):  # a second hold on the same record, from a stale "new hold" form
            retention_hold_save(
                kind="case", reference=reference, by=coordinator, grounds="legal-hold", reason="Again",
                review_on=date(2032, 8, 1), revision=0,
            )  # fmt: skip
    current = RetentionHold.objects.active().get(reference=reference)
    assert (current.reason, current.review_on, current.revision) == ("Review", date(2032, 7, 1), 2)
    with pytest.raises(ValidationError):
        retention_hold_save(
            kind="case", reference="CM-1999-0001", by=coordinator, grounds="legal-hold", reason="x",
            review_on=timezone.localdate() + timedelta(days=9), revision=0,
        )  # fmt: skip


def test_a_hold_is_in_the_trail_without_its_reason(walked, coordinator) -> None:
    with at(2032, 3, 1):
        hold = retention_hold_save(
            kind="case", reference=walked.case.reference, by=coordinator, grounds="legal-hold",
            reason="Claim by a named neighbour", review_on=date(2032, 6, 1), revision=0,
        )  # fmt: skip
    entry = LogEntry.objects.get_for_object(hold).get()
    assert "Claim by" not in str(entry.changes)
    assert "reference" in entry.changes


def old_entry(years_ago: float) -> LogEntry:
    """An entry made that long ago (inserting is allowed; only changing and deleting are refused)."""
    return LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Case),
        object_pk="1",
        object_repr="x",
        action=LogEntry.Action.UPDATE,
        timestamp=timezone.now() - timedelta(days=365.25 * years_ago),
    )


def test_audit_entries_older_than_the_audit_retention_are_deleted_and_that_is_recorded(settings) -> None:
    settings.RETENTION_BATCH_SIZE = 1  # ten entries a batch
    ancient = [old_entry(7.2) for _ in range(12)]
    young = old_entry(6.8)
    assert audit_entries_purge(dry_run=True) == 12
    assert audit_entries_purge() == 12
    assert not LogEntry.objects.filter(pk__in=[e.pk for e in ancient]).exists()
    assert LogEntry.objects.filter(pk=young.pk).exists()
    record = LogEntry.objects.get(additional_data__what="Audit entries deleted under the retention policy")
    assert (record.additional_data["entries"], record.additional_data["by"]) == (12, "retention job")
    assert record.additional_data["rule"] == "Audit entries are deleted 7 years after they were made"
    assert audit_entries_purge() == 0  # idempotent: nothing more, and nothing more recorded
    assert LogEntry.objects.filter(additional_data__what=record.additional_data["what"]).count() == 1


@pytest.mark.postgresql  # the trigger exists on PostgreSQL only
def test_the_database_refuses_to_delete_a_younger_entry_or_change_any() -> None:
    from django.db import DatabaseError

    young = old_entry(0)
    with pytest.raises(DatabaseError), transaction.atomic():
        LogEntry.objects.filter(pk=young.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        LogEntry.objects.filter(pk=young.pk).update(object_repr="changed")
    assert LogEntry.objects.filter(pk=young.pk, object_repr="x").exists()


@pytest.mark.postgresql  # left out of a run on SQLite (tests/conftest.py), never skipped
def test_the_due_cases_are_read_from_their_own_index() -> None:
    """The nightly question and each batch read a range of the closed cases not yet anonymised, by
    closing date (case_retention_due), not every closed case, and sort nothing."""
    from cmarac.governance.retention_selectors import cases_due

    with at(2026, 1, 5):
        closed_case("Indexed")
    due = cases_due(through=date(2032, 2, 1)).order_by("closed_on", "pk").values_list("pk", "reference", "closed_on")
    reads = [
        due[:100],
        due.filter(closed_on=date(2026, 1, 5), pk__gt=1)[:100],
        due.filter(closed_on__gt=date(2026, 1, 5))[:100],
    ]
    for read in reads:
        sql, params = read.query.sql_with_params()
        with transaction.atomic(), connection.cursor() as cursor:
            for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
                cursor.execute(f"SET LOCAL {setting} = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "case_retention_due" in plan, plan
        assert "Sort" not in plan, plan
