"""Retention writes: anonymise a case, remove a record that falls due on its own, run the
policy in batches, and place, change or release a hold.

Each case is anonymised in one transaction: every app's part runs, or none does.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from auditlog.context import disable_auditlog
from auditlog.models import LogEntry
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cmarac.accounts.models import User
from cmarac.audit.chain import purge_before
from cmarac.cases.models import Case
from cmarac.core.audit import audit_purge_record, audit_retention
from cmarac.governance import retention_registry as registry
from cmarac.governance.retention_models import RetentionHold
from cmarac.governance.retention_policy import audit_entry_policy, closed_case_policy, policy_for, subtract_years
from cmarac.governance.retention_selectors import case_is_due, cases_due, is_held, record_exists
from cmarac.governance.retention_selectors import held_references as _held

logger = logging.getLogger(__name__)

CASE = RetentionHold.RecordKind.CASE
STALE_HOLD = (
    "Someone else changed this hold while you were editing it. "
    "Your changes have not been saved: check what is saved now and try again."
)


class StaleHold(ValidationError):
    """The hold was changed (or placed, or released) by someone else since the form was shown."""


def case_anonymise(*, case_id: int, by: User | None, today: date | None = None, now: datetime | None = None) -> bool:
    """Anonymise one case if it is due and not held. Returns whether it did. Idempotent."""
    today = today or timezone.localdate()
    with transaction.atomic():
        case = Case.objects.select_for_update().filter(pk=case_id).first()
        if case is None or not case_is_due(case, today) or is_held(CASE, case.reference):
            return False
        with disable_auditlog():
            for _, anonymise_part in registry.case_parts():
                anonymise_part(case)
        Case.objects.filter(pk=case.pk).update(anonymised_at=now or timezone.now())
        policy = closed_case_policy()
        audit_retention(
            instance=case,
            reference=case.reference,
            key="case",
            by=by,
            what="Anonymised under the retention policy",
            policy=policy.code,
            rule=policy.label,
        )
    return True


def record_remove(*, record: registry.DueRecord, by: User | None, today: date) -> bool:
    """Remove one record that falls due on its own (e.g. a declined referral), if not held."""
    sweep = registry.sweep_for(record.kind)
    if sweep is None:
        return False
    with transaction.atomic():
        if is_held(record.kind, record.reference):
            return False
        with disable_auditlog():
            removed = sweep.remove(record.reference, today)
        if removed is None:
            return False
        audit_retention(
            instance=removed,
            reference=record.reference,
            key=record.kind,
            by=by,
            what="Deleted under the retention policy",
            policy=record.policy,
            rule=policy_for(record.policy).label,
            deleted=True,
        )
    return True


@dataclass
class RetentionRun:
    anonymised: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    audit_entries_deleted: int = 0


def _due_in_batches(today: date, batch_size: int) -> Iterator[tuple[int, str]]:
    """(id, reference) of each case due by the day, oldest closure first, read `batch_size` at a
    time from where the last batch ended: within its closing day by id, then from the next days.
    Each read is one range of the due cases' index (case_retention_due), so neither the nightly
    question ("any due?") nor a long run's later batches read every closed case again."""
    due = cases_due(through=today).order_by("closed_on", "pk").values_list("pk", "reference", "closed_on")
    batch = list(due[:batch_size])
    while batch:
        yield from ((pk, reference) for pk, reference, _ in batch)
        if len(batch) < batch_size:
            return  # the read asked for everything after the last one: there is no more
        last_pk, _, day = batch[-1]
        batch = list(due.filter(closed_on=day, pk__gt=last_pk)[:batch_size])
        if len(batch) < batch_size:  # that day is done: the rest from the days after it
            batch += list(due.filter(closed_on__gt=day)[: batch_size - len(batch)])


def retention_apply(
    *, today: date | None = None, by: User | None = None, dry_run: bool = False, batch_size: int | None = None
) -> RetentionRun:
    """Apply the policy to everything due by `today`: cases in batches of ids (never the whole
    table in memory), one transaction each; a case that fails is logged and left untouched, and
    the run goes on. A dry run lists what would be done and changes nothing."""
    today = today or timezone.localdate()
    batch_size = batch_size or settings.RETENTION_BATCH_SIZE
    run = RetentionRun()
    for pk, reference in _due_in_batches(today, batch_size):
        if dry_run:
            run.anonymised.append(reference)
            continue
        try:
            done = case_anonymise(case_id=pk, by=by, today=today)
        except Exception:
            logger.exception("retention: anonymising case %s failed; it is left as it was", pk)
            run.failed.append(reference)
            continue
        if done:
            run.anonymised.append(reference)
    for sweep in registry.sweeps():
        held = set(_held(sweep.kind).values_list("reference", flat=True))
        for record in sweep.due(today):
            if record.reference in held:
                continue
            if dry_run:
                run.removed.append(record.reference)
                continue
            try:
                if record_remove(record=record, by=by, today=today):
                    run.removed.append(record.reference)
            except Exception:
                logger.exception("retention: removing %s %s failed", record.kind, record.reference)
                run.failed.append(record.reference)
    try:
        run.audit_entries_deleted = audit_entries_purge(by=by, dry_run=dry_run, batch_size=batch_size)
    except Exception:
        logger.exception("retention: deleting old audit entries failed")
        run.failed.append("audit entries")
    logger.info(
        "retention %s: %s cases anonymised, %s records removed, %s old audit entries deleted, %s failed",
        "dry run" if dry_run else "run",
        len(run.anonymised), len(run.removed), run.audit_entries_deleted, len(run.failed),
    )  # fmt: skip
    return run


def audit_entries_purge(
    *, by: User | None = None, now: datetime | None = None, dry_run: bool = False, batch_size: int | None = None
) -> int:
    """Delete audit entries older than RETENTION_AUDIT_YEARS, a batch per transaction, and record
    that it happened. On PostgreSQL the database refuses to delete any younger entry (ADR 0011)."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    day = subtract_years(local.date(), settings.RETENTION_AUDIT_YEARS)
    # A day's margin, so the database's own clock (which the trigger reads) never disagrees.
    before = local.replace(year=day.year, month=day.month, day=day.day) - timedelta(days=1)
    old = LogEntry.objects.filter(timestamp__lt=before)
    if dry_run:
        return old.count()
    # In chain order, with their seals, so the trail still verifies from the first kept entry.
    deleted = purge_before(before, batch=(batch_size or settings.RETENTION_BATCH_SIZE) * 10)
    if deleted:
        policy = audit_entry_policy()
        audit_purge_record(by=by, entries=deleted, before=before.isoformat(), policy=policy.code, rule=policy.label)
    return deleted


# --- Holds ---------------------------------------------------------------------------------


def _check_hold_fields(*, grounds: str, reason: str, review_on: date | None, today: date) -> None:
    errors: dict[str, str] = {}
    if grounds not in RetentionHold.Grounds.values:
        errors["grounds"] = "Select why the record is held"
    if not reason.strip():
        errors["reason"] = "Enter the reason for the hold"
    if review_on is None:
        errors["review_on"] = "Enter the date to look again"
    elif review_on <= today:
        errors["review_on"] = "The date to look again must be in the future"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def retention_hold_save(
    *,
    kind: str,
    reference: str,
    by: User,
    grounds: str,
    reason: str,
    review_on: date | None,
    revision: int,
    today: date | None = None,
) -> RetentionHold:
    """Place a hold on a record, or change the one in force. `revision` is the hold's revision
    when the form was shown (0 for a new hold): anything newer is refused."""
    _check_hold_fields(grounds=grounds, reason=reason, review_on=review_on, today=today or timezone.localdate())
    if not record_exists(kind, reference):
        raise ValidationError("There is no such record to hold.")
    hold = RetentionHold.objects.select_for_update().active().filter(record_kind=kind, reference=reference).first()
    if hold is None:
        if revision != 0:
            raise StaleHold(STALE_HOLD)  # released since the form was shown
        hold = RetentionHold(record_kind=kind, reference=reference, placed_by=by)
    elif hold.revision != revision:
        raise StaleHold(STALE_HOLD)
    hold.grounds, hold.reason, hold.review_on = grounds, reason.strip(), review_on
    hold.revision += 1
    hold.full_clean()
    hold.save()
    return hold


@transaction.atomic
def retention_hold_release(*, kind: str, reference: str, by: User, revision: int) -> RetentionHold:
    hold = RetentionHold.objects.select_for_update().active().filter(record_kind=kind, reference=reference).first()
    if hold is None or hold.revision != revision:
        raise StaleHold(STALE_HOLD)
    hold.released_at, hold.released_by = timezone.now(), by
    hold.revision += 1
    hold.save(update_fields=["released_at", "released_by", "revision"])
    return hold
