"""Reads for the retention review queue and the job: references, dates and codes, never content.

The queue is for the data protection officer and the coordinators, who see no case content
through it: these reads take a case's reference and closure date only, outside visible_to
(ADR 0011).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet

from cmarac.cases.models import Case
from cmarac.governance.retention_models import RetentionHold
from cmarac.governance.retention_policy import case_due_on, closed_case_policy, closed_on_or_before, end_of_month
from cmarac.governance.retention_registry import DueRecord, sweep_for, sweeps

CASE = RetentionHold.RecordKind.CASE


def held_references(kind: str) -> QuerySet[RetentionHold]:
    return RetentionHold.objects.active().filter(record_kind=kind).values("reference")


def cases_due(*, through: date, include_held: bool = False) -> QuerySet[Case]:
    """Closed cases whose retention period ends on or before the day, not yet anonymised."""
    due = Case.objects.filter(
        status=Case.Status.CLOSED, closed_on__lte=closed_on_or_before(through), anonymised_at__isnull=True
    )
    if not include_held:
        due = due.exclude(reference__in=held_references(CASE))
    return due


def case_is_due(case: Case, today: date) -> bool:
    return (
        case.anonymised_at is None
        and case.status == Case.Status.CLOSED
        and case.closed_on is not None
        and case_due_on(case.closed_on) <= today
    )


def is_held(kind: str, reference: str) -> bool:
    return RetentionHold.objects.active().filter(record_kind=kind, reference=reference).exists()


def records_due(*, through: date) -> Iterator[DueRecord]:
    """Every record due on or before the day, held or not: cases first, then each sweep's."""
    policy = closed_case_policy()
    rows = cases_due(through=through, include_held=True).order_by("closed_on", "pk")
    for reference, closed_on in rows.values_list("reference", "closed_on").iterator(chunk_size=500):
        yield DueRecord(
            kind=CASE,
            reference=reference,
            due_on=case_due_on(closed_on),
            policy=policy.code,
            reason=f"Closed on {closed_on:%-d %B %Y}",
        )
    for sweep in sweeps():
        yield from sweep.due(through)


@dataclass(frozen=True)
class QueueRow:
    record: DueRecord
    overdue: bool
    hold: RetentionHold | None


def retention_queue(*, today: date) -> tuple[list[QueueRow], list[RetentionHold]]:
    """What falls due by the end of this month (overdue included), and the holds in force.
    One query for the holds, one per kind of record: the count does not grow with rows."""
    holds = list(RetentionHold.objects.active().order_by("review_on", "pk"))
    by_record = {(hold.record_kind, hold.reference): hold for hold in holds}
    rows = [
        QueueRow(record=record, overdue=record.due_on < today, hold=by_record.get((record.kind, record.reference)))
        for record in records_due(through=end_of_month(today))
    ]
    rows.sort(key=lambda row: (row.record.due_on, row.record.reference))
    return rows, holds


def record_exists(kind: str, reference: str) -> bool:
    if kind == CASE:
        return Case.objects.filter(reference=reference, anonymised_at__isnull=True).exists()
    sweep = sweep_for(kind)
    return sweep is not None and sweep.exists(reference)
