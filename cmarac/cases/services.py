"""Writes to cases. Each function validates, writes in one transaction and records the timeline."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from cmarac.accounts.models import Agency, User
from cmarac.cases.access import VIEW_CASE
from cmarac.cases.hooks import agency_access_ended
from cmarac.cases.models import (
    Case,
    CaseEvent,
    CaseInvolvement,
    CaseReferenceCounter,
    CaseSubject,
    LeadChange,
    Person,
    RiskLevel,
    RiskLevelChange,
)

REFERENCE_PREFIX = "CM"


class EditConflict(ValidationError):
    """Someone else saved the same record after this person started editing it."""


def case_reference_next(*, year: int) -> str:
    """The next reference for the year, e.g. CM-2026-0042. Must run inside a transaction."""
    counter, _ = CaseReferenceCounter.objects.select_for_update().get_or_create(year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"{REFERENCE_PREFIX}-{year}-{counter.last_number:04d}"


def case_event_record(*, case: Case, kind: CaseEvent.Kind, by: User | None, description: str = "") -> CaseEvent:
    return CaseEvent.objects.create(case=case, kind=kind, actor=by, description=description)


@transaction.atomic
def case_create(
    *,
    by: User | None,
    summary: str = "",
    risk_level: str = RiskLevel.STANDARD,
    opened_on: date | None = None,
    subjects: Iterable[tuple[Person, str]] = (),
) -> Case:
    opened_on = opened_on or timezone.localdate()
    case = Case(
        reference=case_reference_next(year=opened_on.year),
        summary=summary,
        risk_level=risk_level,
        opened_on=opened_on,
        created_by=by,
    )
    case.full_clean()
    case.save()
    RiskLevelChange.objects.create(case=case, risk_level=risk_level, changed_by=by, reason="Case opened")
    case_event_record(case=case, kind=CaseEvent.Kind.OPENED, by=by)
    for person, role in subjects:
        subject_add(case=case, person=person, role=role, by=by)
    return case


@transaction.atomic
def involve_agency(
    *, case: Case, agency: Agency, reason: str, source: str = "", by: User | None = None
) -> CaseInvolvement:
    """Record why an agency is involved and grant its group access to the case."""
    involvement, created = CaseInvolvement.objects.get_or_create(
        case=case, agency=agency, reason=reason, source=source, defaults={"created_by": by}
    )
    if created:
        first = not CaseInvolvement.objects.filter(case=case, agency=agency).exclude(pk=involvement.pk).exists()
        assign_perm(f"cases.{VIEW_CASE}", agency.group, case)
        if first:
            case_event_record(
                case=case,
                kind=CaseEvent.Kind.AGENCY_INVOLVED,
                by=by,
                description=f"{agency.name}: {involvement.get_reason_display()}",
            )
    return involvement


@transaction.atomic
def withdraw_agency(*, case: Case, agency: Agency, reason: str, source: str = "", by: User | None = None) -> bool:
    """Remove one reason for an agency's involvement; access ends with its last reason.

    Returns whether the agency still has access.
    """
    CaseInvolvement.objects.filter(case=case, agency=agency, reason=reason, source=source).delete()
    still_involved = CaseInvolvement.objects.filter(case=case, agency=agency).exists()
    if not still_involved:
        remove_perm(f"cases.{VIEW_CASE}", agency.group, case)
        case_event_record(case=case, kind=CaseEvent.Kind.AGENCY_WITHDRAWN, by=by, description=agency.name)
        agency_access_ended(case=case, agency=agency, by=by)  # e.g. packs holding the case are withdrawn
    return still_involved


@transaction.atomic
def case_set_risk_level(*, case: Case, risk_level: str, by: User | None, reason: str = "") -> Case:
    if risk_level not in RiskLevel.values:
        raise ValidationError({"risk_level": "Select a risk level"})
    if case.risk_level == risk_level:
        return case
    case.risk_level = risk_level
    case.save(update_fields=["risk_level", "updated_at"])
    RiskLevelChange.objects.create(case=case, risk_level=risk_level, changed_by=by, reason=reason)
    case_event_record(
        case=case, kind=CaseEvent.Kind.RISK_CHANGED, by=by, description=f"Risk level: {case.get_risk_level_display()}"
    )
    return case


@transaction.atomic
def case_set_lead(*, case: Case, agency: Agency | None, officer: User | None, by: User | None) -> Case:
    """Nominate the lead agency and officer; the lead agency is involved in the case."""
    if officer is not None and (agency is None or officer.agency_id != agency.pk):
        raise ValidationError({"lead_officer": "The lead officer must work for the lead agency"})
    previous = case.lead_agency
    if previous == agency and case.lead_officer_id == (officer.pk if officer else None):
        return case
    case.lead_agency, case.lead_officer = agency, officer
    case.save(update_fields=["lead_agency", "lead_officer", "updated_at"])
    LeadChange.objects.create(case=case, agency=agency, officer=officer, changed_by=by)
    if agency is not None:
        involve_agency(case=case, agency=agency, reason=CaseInvolvement.Reason.LEAD, by=by)
    if previous is not None and previous != agency:
        withdraw_agency(case=case, agency=previous, reason=CaseInvolvement.Reason.LEAD, by=by)
    case_event_record(
        case=case,
        kind=CaseEvent.Kind.LEAD_CHANGED,
        by=by,
        description=f"Lead agency: {agency.name}" if agency else "No lead agency",
    )
    return case


def _locked_case(case: Case, last_seen: str | None) -> Case:
    """The case, locked; refused if it was saved since `last_seen` (its ISO time when the form was shown)."""
    current = Case.objects.select_for_update().get(pk=case.pk)
    if last_seen is not None and current.updated_at.isoformat() != last_seen:
        raise EditConflict(
            "Someone else changed this case while you were editing. "
            "Your changes have not been saved yet: check what is saved now and save again."
        )
    case.status, case.closed_on, case.closure_reason = current.status, current.closed_on, current.closure_reason
    return case


@transaction.atomic
def case_close(*, case: Case, by: User | None, reason: str, last_seen: str | None = None) -> Case:
    if not reason.strip():
        raise ValidationError({"reason": "Enter why the case is being closed"})
    case = _locked_case(case, last_seen)
    if not case.is_open:
        raise ValidationError("This case is already closed")
    case.status, case.closed_on, case.closure_reason = Case.Status.CLOSED, timezone.localdate(), reason.strip()
    case.save(update_fields=["status", "closed_on", "closure_reason", "updated_at"])
    case_event_record(case=case, kind=CaseEvent.Kind.CLOSED, by=by, description=case.closure_reason)
    return case


@transaction.atomic
def case_reopen(*, case: Case, by: User | None, reason: str, last_seen: str | None = None) -> Case:
    if not reason.strip():
        raise ValidationError({"reason": "Enter why the case is being reopened"})
    case = _locked_case(case, last_seen)
    if case.is_open:
        raise ValidationError("This case is already open")
    if Case.objects.filter(pk=case.pk, anonymised_at__isnull=False).exists():
        raise ValidationError("This case was anonymised under the retention policy and cannot be reopened")
    case.status, case.closed_on, case.closure_reason = Case.Status.OPEN, None, ""
    case.save(update_fields=["status", "closed_on", "closure_reason", "updated_at"])
    case_event_record(case=case, kind=CaseEvent.Kind.REOPENED, by=by, description=reason.strip())
    return case


def person_create(**fields: Any) -> Person:
    person = Person(**fields)
    person.full_clean()
    person.save()
    return person


@transaction.atomic
def subject_add(*, case: Case, person: Person, role: str, by: User | None) -> CaseSubject:
    if person.pk is None:
        person.full_clean()
        person.save()
    subject = CaseSubject(case=case, person=person, role=role)
    subject.full_clean()
    subject.save()
    case_event_record(case=case, kind=CaseEvent.Kind.SUBJECT_ADDED, by=by, description=subject.get_role_display())
    return subject


@transaction.atomic
def subject_update(
    *, subject: CaseSubject, role: str, person_fields: dict[str, Any], by: User | None, last_seen: str
) -> CaseSubject:
    """Save a subject's details, refusing if someone else saved them since `last_seen` (ISO time)."""
    person = Person.objects.select_for_update().get(pk=subject.person_id)
    if person.updated_at.isoformat() != last_seen:
        raise EditConflict(
            "Someone else changed this person's details while you were editing. "
            "Your changes have not been saved yet: check them against what is saved now and save again."
        )
    for name, value in person_fields.items():
        setattr(person, name, value)
    person.full_clean()
    person.save()
    subject.person = person
    subject.role = role
    subject.full_clean()
    subject.save()
    case_event_record(
        case=subject.case, kind=CaseEvent.Kind.SUBJECT_CHANGED, by=by, description=subject.get_role_display()
    )
    return subject


@transaction.atomic
def subject_remove(*, subject: CaseSubject, by: User | None) -> None:
    case, role = subject.case, subject.get_role_display()
    subject.delete()
    case_event_record(case=case, kind=CaseEvent.Kind.SUBJECT_REMOVED, by=by, description=role)
