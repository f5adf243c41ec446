"""The partnership's retention periods (settings), and the dates they give."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings


@dataclass(frozen=True)
class RetentionPolicy:
    """One rule: a code the audit trail records, and the words the review queue shows."""

    code: str
    label: str


def add_years(day: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 1 March in a year that has none."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def subtract_years(day: date, years: int) -> date:
    """The latest day whose add_years(day, years) is on or before `day`."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return date(day.year - years, 2, 28)


def closed_case_policy() -> RetentionPolicy:
    years = settings.RETENTION_CLOSED_CASE_YEARS
    return RetentionPolicy("closed-case", f"Closed cases are anonymised {years} years after closure")


def declined_referral_policy() -> RetentionPolicy:
    days = settings.RETENTION_DECLINED_REFERRAL_DAYS
    return RetentionPolicy("declined-referral", f"Declined referrals are deleted {days} days after the decision")


def draft_referral_policy() -> RetentionPolicy:
    days = settings.RETENTION_DRAFT_DAYS
    return RetentionPolicy("draft-referral", f"Unsubmitted drafts are deleted {days} days after their last change")


def audit_entry_policy() -> RetentionPolicy:
    years = settings.RETENTION_AUDIT_YEARS
    return RetentionPolicy("audit-entry", f"Audit entries are deleted {years} years after they were made")


def policy_for(code: str) -> RetentionPolicy:
    """The policy with this code, as the settings give it now."""
    policies = (closed_case_policy(), declined_referral_policy(), draft_referral_policy(), audit_entry_policy())
    return next(policy for policy in policies if policy.code == code)


def case_due_on(closed_on: date) -> date:
    return add_years(closed_on, settings.RETENTION_CLOSED_CASE_YEARS)


def closed_on_or_before(through: date) -> date:
    """Cases closed on or before this day are due by `through`."""
    return subtract_years(through, settings.RETENTION_CLOSED_CASE_YEARS)


def end_of_month(day: date) -> date:
    first_of_next = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first_of_next - timedelta(days=1)
