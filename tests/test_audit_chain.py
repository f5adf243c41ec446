"""A tamper-evident audit trail: sealed entries, verification, alerts, and an application role
that owns nothing (ADR 0016)."""

from __future__ import annotations

from datetime import UTC, timedelta
from itertools import pairwise

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from cmarac.audit.chain import SEALING_GRACE, seal_pending, verify
from cmarac.audit.models import GENESIS, ChainHead, Seal
from cmarac.cases.models import Case
from cmarac.cases.services import case_close
from cmarac.core.database import RoleError, grant_app_access

POSTGRES = connection.vendor == "postgresql"


def _as_owner(sql: str) -> None:
    """What someone with the owner's rights could do behind the application's back."""
    with connection.cursor() as cursor:
        if POSTGRES:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE auditlog_logentry DISABLE TRIGGER auditlog_logentry_append_only")
            cursor.execute("ALTER TABLE audit_seal DISABLE TRIGGER audit_seal_append_only")
        cursor.execute(sql)
        if POSTGRES:
            cursor.execute("ALTER TABLE auditlog_logentry ENABLE TRIGGER auditlog_logentry_append_only")
            cursor.execute("ALTER TABLE audit_seal ENABLE TRIGGER audit_seal_append_only")


@pytest.fixture
def sealed_trail(housing_case: Case, co_chair) -> list[int]:
    case_close(case=housing_case, by=co_chair, reason="Moved away")
    assert seal_pending() == LogEntry.objects.count() > 3
    return list(LogEntry.objects.order_by("pk").values_list("pk", flat=True))


def test_every_entry_is_sealed_in_order_and_the_chain_verifies(sealed_trail: list[int]) -> None:
    seals = list(Seal.objects.order_by("position"))
    assert [seal.entry_id for seal in seals] == sealed_trail
    assert seals[0].previous == GENESIS
    assert all(later.previous == earlier.digest for earlier, later in pairwise(seals))
    assert ChainHead.objects.get().digest == seals[-1].digest
    result = verify()
    assert result.ok, result.problems
    assert result.entries == len(sealed_trail)
    assert seal_pending() == 0  # nothing twice


def test_an_entry_is_written_with_its_change_and_sealed_by_the_scheduled_run(
    housing_case, co_chair, django_capture_on_commit_callbacks
):
    # Sealing is off the request's path (ADR 0016, amended): the commit writes the entry, and
    # beat's task, every minute, seals it.
    from cmarac.audit.tasks import seal_audit_trail

    seal_pending()
    with django_capture_on_commit_callbacks(execute=True):
        case_close(case=housing_case, by=co_chair, reason="Moved away")
    newest = LogEntry.objects.order_by("-pk").first()
    assert not Seal.objects.filter(entry_id=newest.pk).exists()
    assert seal_audit_trail() >= 1
    assert Seal.objects.filter(entry_id=newest.pk).exists()
    assert verify().ok


def _new_entry() -> LogEntry:
    from cmarac.audit.chain import Verification
    from cmarac.audit.tasks import record_check

    return record_check(Verification())


def test_an_entry_left_unsealed_past_the_window_is_reported_even_when_the_check_seals_it(
    sealed_trail: list[int],
) -> None:
    late = _new_entry()
    assert not Seal.objects.filter(entry_id=late.pk).exists()
    written = (timezone.now() - SEALING_GRACE - timedelta(minutes=1)).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    _as_owner(f"UPDATE auditlog_logentry SET timestamp = '{written}' WHERE id = {late.pk}")  # noqa: S608
    with pytest.raises(CommandError, match="waited longer than 10 minutes"):
        call_command("verify_audit_trail")
    assert Seal.objects.filter(entry_id=late.pk).exists()  # sealed by the check, and still reported
    # Sealed now: a later check no longer reports it, and the chain holds.
    call_command("verify_audit_trail")


def test_an_entry_within_the_window_is_not_reported(sealed_trail: list[int]) -> None:
    _new_entry()
    assert verify().ok
    assert verify(now=timezone.now() + SEALING_GRACE - timedelta(seconds=30)).ok
    assert not verify(now=timezone.now() + SEALING_GRACE + timedelta(seconds=30)).ok


def test_an_altered_entry_is_found(sealed_trail: list[int]) -> None:
    target = sealed_trail[1]
    _as_owner(f"UPDATE auditlog_logentry SET remote_addr = '203.0.113.9' WHERE id = {target}")  # noqa: S608
    result = verify()
    assert not result.ok
    assert any(f"entry {target} " in problem and "altered" in problem for problem in result.problems)


def test_a_deleted_entry_is_found(sealed_trail: list[int]) -> None:
    target = sealed_trail[2]
    _as_owner(f"DELETE FROM auditlog_logentry WHERE id = {target}")  # noqa: S608
    assert any(f"entry {target} " in problem and "deleted" in problem for problem in verify().problems)


def test_an_entry_deleted_with_its_seal_breaks_the_chain(sealed_trail: list[int]) -> None:
    target = sealed_trail[2]
    _as_owner(f"DELETE FROM audit_seal WHERE entry_id = {target}")  # noqa: S608
    _as_owner(f"DELETE FROM auditlog_logentry WHERE id = {target}")  # noqa: S608
    assert any("broken" in problem for problem in verify().problems)


def test_the_newest_entries_cut_off_are_found(sealed_trail: list[int]) -> None:
    target = sealed_trail[-1]
    _as_owner(f"DELETE FROM audit_seal WHERE entry_id = {target}")  # noqa: S608
    _as_owner(f"DELETE FROM auditlog_logentry WHERE id = {target}")  # noqa: S608
    assert any("head" in problem for problem in verify().problems)


def test_an_entry_left_unsealed_is_found_after_the_grace_period(housing_case) -> None:
    entry = LogEntry.objects.order_by("pk").first()
    assert verify().ok  # nothing sealed yet, and nothing old enough to matter
    later = timezone.now() + timedelta(hours=2)
    assert any(f"entry {entry.pk} was never sealed" in problem for problem in verify(now=later).problems)


def test_the_command_passes_on_a_sound_trail_and_fails_and_alerts_on_a_broken_one(
    sealed_trail: list[int], auditor, capsys
) -> None:
    call_command("verify_audit_trail")
    assert "no problems" in capsys.readouterr().out
    assert mail.outbox == []
    _as_owner(f"DELETE FROM auditlog_logentry WHERE id = {sealed_trail[0]}")  # noqa: S608
    with pytest.raises(CommandError, match="1 problem"):
        call_command("verify_audit_trail", "--alert")
    assert [message.to for message in mail.outbox] == [[auditor.email]]
    body = mail.outbox[0].subject + mail.outbox[0].body
    assert "Quillfeather" not in body
    assert "Verity" not in body
    assert "1 problem" in body


def test_the_daily_check_and_the_sealer_are_scheduled() -> None:
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"audit.seal", "audit.verify"} <= tasks
    sealer = next(entry for entry in settings.CELERY_BEAT_SCHEDULE.values() if entry["task"] == "audit.seal")
    # Well inside the window verification allows, so a working sealer is never reported.
    assert sealer["schedule"] * 5 <= SEALING_GRACE


def test_the_daily_task_alerts_the_auditors_only_on_problems(sealed_trail: list[int], auditor) -> None:
    from cmarac.audit.tasks import verify_audit_trail

    assert verify_audit_trail() is True
    assert mail.outbox == []
    check = LogEntry.objects.order_by("-pk").first()
    assert check.additional_data["what"] == "Audit trail checked: no problems"
    _as_owner(f"UPDATE auditlog_logentry SET object_repr = 'x' WHERE id = {sealed_trail[0]}")  # noqa: S608
    assert verify_audit_trail() is False
    assert len(mail.outbox) == 1


def test_seals_are_append_only_on_postgresql(sealed_trail: list[int]) -> None:
    seal = Seal.objects.first()
    if not POSTGRES:
        assert seal is not None  # SQLite (development only) has no triggers
        return
    with pytest.raises(DatabaseError, match="cannot be changed"), transaction.atomic():
        Seal.objects.filter(pk=seal.pk).update(digest="0" * 64)
    with pytest.raises(DatabaseError, match="cannot be changed"), transaction.atomic():
        Seal.objects.filter(pk=seal.pk).delete()


# --- The application's database role ---------------------------------------------------------


def _attempt(cursor, statement: str) -> str:
    try:
        with transaction.atomic():
            cursor.execute(statement)
    except DatabaseError as refused:
        return str(refused).splitlines()[0]
    return "allowed"


def test_the_application_role_may_add_to_the_trail_but_never_rewrite_it(sealed_trail: list[int]) -> None:
    role = "cmarac_app_under_test"
    if not POSTGRES:
        with pytest.raises(RoleError, match="PostgreSQL"):  # SQLite has no roles to restrict
            grant_app_access(connection, role)
        return
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        grant_app_access(connection, role, password="not-a-real-password")
        grant_app_access(connection, role)  # safe to run again
        cursor.execute(f"SET LOCAL ROLE {role}")
        try:
            assert _attempt(cursor, "SELECT count(*) FROM cases_case") == "allowed"
            assert _attempt(cursor, "UPDATE cases_case SET summary = summary") == "allowed"
            assert "permission denied" in _attempt(cursor, "TRUNCATE auditlog_logentry")
            # Deleting is left to the triggers: only entries older than the audit retention period.
            assert "cannot be changed" in _attempt(cursor, "DELETE FROM auditlog_logentry")
            assert "permission denied" in _attempt(cursor, "UPDATE auditlog_logentry SET object_repr = 'x'")
            assert "cannot be changed" in _attempt(cursor, "DELETE FROM audit_seal")
            assert "must be owner" in _attempt(
                cursor, "ALTER TABLE auditlog_logentry DISABLE TRIGGER auditlog_logentry_append_only"
            )
            assert "must be owner" in _attempt(cursor, "DROP TABLE audit_seal")
            assert "permission denied" in _attempt(cursor, "CREATE TABLE sneaky (id int)")
            assert (
                _attempt(
                    cursor,
                    "INSERT INTO audit_chainhead (id, position, digest, purged_through, purged_digest, updated_at)"
                    " VALUES (2, 0, '', 0, '', now())",
                )
                == "allowed"
            )
        finally:
            cursor.execute("RESET ROLE")


def test_a_superuser_is_refused_as_the_application_role(db: None) -> None:
    if not POSTGRES:
        with pytest.raises(RoleError, match="PostgreSQL"):
            grant_app_access(connection, "postgres")
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        owner = cursor.fetchone()[0]
    with pytest.raises(RoleError):
        grant_app_access(connection, owner)


def test_the_retention_purge_removes_the_oldest_entries_with_their_seals_and_the_chain_verifies(
    sealed_trail: list[int],
) -> None:
    from cmarac.audit.chain import purge_before

    long_ago = "2001-01-01 00:00:00+00"
    old = sealed_trail[:2]
    ids = ", ".join(str(pk) for pk in old)
    _as_owner(f"UPDATE auditlog_logentry SET timestamp = '{long_ago}' WHERE id IN ({ids})")  # noqa: S608
    _as_owner(f"UPDATE audit_seal SET sealed_at = '{long_ago}' WHERE entry_id IN ({ids})")  # noqa: S608
    # The digests were made over the old timestamps: seal the altered entries' new content again,
    # as if they had been written in 2001.
    from cmarac.audit.chain import link

    previous = GENESIS
    for seal in Seal.objects.order_by("position"):
        digest = link(previous, LogEntry.objects.get(pk=seal.entry_id))
        where = f"WHERE position = {seal.position}"
        _as_owner(f"UPDATE audit_seal SET previous = '{previous}', digest = '{digest}' {where}")  # noqa: S608
        previous = digest
    ChainHead.objects.filter(pk=1).update(digest=previous)
    assert verify().ok

    assert purge_before(timezone.now() - timedelta(days=365 * 7)) == 2
    assert not LogEntry.objects.filter(pk__in=old).exists()
    assert not Seal.objects.filter(entry_id__in=old).exists()
    head = ChainHead.objects.get()
    assert head.purged_through == 2
    result = verify()
    assert result.ok, result.problems
    assert result.entries == len(sealed_trail) - 2
