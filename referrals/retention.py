"""Retention of referrals (found by cmarac.governance.retention_registry).

- A referral accepted into a case is anonymised with its case: every free-text answer, the
  referrer's contact details and the people's details go; the status, dates, issue types,
  criteria, checklist answers (scores) and risk levels stay for reporting.
- A declined referral is deleted RETENTION_DECLINED_REFERRAL_DAYS after the decision, and a
  draft never sent RETENTION_DRAFT_DAYS after its last change (with its people and answers).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Model
from django.utils import timezone

from cmarac.cases.models import Case
from cmarac.governance.retention_policy import declined_referral_policy, draft_referral_policy
from cmarac.governance.retention_registry import (
    ANONYMISED_NAME,
    DueRecord,
    RecordSweep,
    register_case_part,
    register_sweep,
)
from referrals.models import Referral, ReferralSubject

FREE_TEXT = (
    "contact_phone",
    "contact_email",
    "other_issue",
    "concerns",
    "chronology",
    "actions_taken",
    "request_of_panel",
    "professional_judgement_reasons",
    "sharing_justification",
    "level_raised_reason",
    "information_request",
    "decision_reason",
)
SUBJECT_REMOVED = {
    "given_name": ANONYMISED_NAME,
    "family_name": "",
    "aliases": "",
    "date_of_birth": None,
    "approximate_age": None,
    "address": "",
    "postcode": "",
    "phone": "",
    "email": "",
    "contact_notes": "",
    "vulnerabilities": "",
    "first_language": "",
    "person": None,
}


@register_case_part("referrals", order=10)
def anonymise_case_referrals(case: Case) -> None:
    # Runs before the case's own part, so the case's people are no longer linked from here.
    Referral.objects.filter(case=case).update(**dict.fromkeys(FREE_TEXT, ""))
    ReferralSubject.objects.filter(referral__case=case).update(**SUBJECT_REMOVED)


def _start_of_day_after(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=timezone.get_current_timezone())


def _declined_before(through: date) -> datetime:
    return _start_of_day_after(through - timedelta(days=settings.RETENTION_DECLINED_REFERRAL_DAYS))


def _drafts_before(through: date) -> datetime:
    return _start_of_day_after(through - timedelta(days=settings.RETENTION_DRAFT_DAYS))


def due_referrals(through: date) -> Iterator[DueRecord]:
    yield from _due(
        Referral.Status.DECLINED, "decided_at", _declined_before(through), settings.RETENTION_DECLINED_REFERRAL_DAYS,
        declined_referral_policy().code, "Declined on",
    )  # fmt: skip
    yield from _due(
        Referral.Status.DRAFT, "updated_at", _drafts_before(through), settings.RETENTION_DRAFT_DAYS,
        draft_referral_policy().code, "Draft last changed on",
    )  # fmt: skip


def _due(status: str, field: str, before: datetime, days: int, policy: str, said: str) -> Iterator[DueRecord]:
    """Referrals in this status whose `field` is before `before`, oldest first, read in chunks."""
    rows = (
        Referral.objects.filter(status=status, **{f"{field}__lt": before})
        .order_by(field, "pk")
        .values_list("reference", field)
    )
    for reference, moment in rows.iterator(chunk_size=500):
        day = timezone.localdate(moment)
        yield DueRecord(
            kind="referral",
            reference=reference,
            due_on=day + timedelta(days=days),
            policy=policy,
            reason=f"{said} {day:%-d %B %Y}",
        )


def remove_referral(reference: str, today: date) -> Model | None:
    referral = Referral.objects.select_for_update().filter(reference=reference).first()
    if referral is None:
        return None
    declined_due = referral.status == Referral.Status.DECLINED and (
        referral.decided_at is not None and referral.decided_at < _declined_before(today)
    )
    draft_due = referral.status == Referral.Status.DRAFT and referral.updated_at < _drafts_before(today)
    if not (declined_due or draft_due):
        return None
    pk = referral.pk
    referral.delete()
    referral.pk = pk  # for the audit entry
    return referral


register_sweep(
    RecordSweep(
        kind="referral",
        due=due_referrals,
        remove=remove_referral,
        exists=lambda reference: Referral.objects.filter(reference=reference).exists(),
    )
)
