"""Writes to referrals: drafting, the checklist, submission, and triage into cases."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cmarac.accounts.models import User
from cmarac.cases import services as case_services
from cmarac.cases.models import Case, CaseEvent, CaseInvolvement, Person, RiskLevel
from cmarac.core.schedule import meetings_from, rule_from_settings, slot_for_referral
from referrals import notifications
from referrals.checklists import checklist_current
from referrals.matching import find_repeat, name_key
from referrals.models import (
    ChecklistOption,
    Referral,
    ReferralAnswer,
    ReferralReferenceCounter,
    ReferralSubject,
)

REFERENCE_PREFIX = "RF"
LEVEL_ORDER = [RiskLevel.STANDARD, RiskLevel.MEDIUM, RiskLevel.HIGH]
PERSON_FIELDS = [
    "given_name", "family_name", "aliases", "date_of_birth", "approximate_age", "gender", "address", "postcode",
    "phone", "email", "safe_to_contact", "contact_notes", "vulnerabilities", "first_language", "interpreter_needed",
]  # fmt: skip


class StaleReferral(ValidationError):
    """The referral changed since this form was shown (another tab, or a colleague)."""


def _reference_next(year: int) -> str:
    counter, _ = ReferralReferenceCounter.objects.select_for_update().get_or_create(year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"{REFERENCE_PREFIX}-{year}-{counter.last_number:04d}"


def _locked(referral: Referral, revision: int | None) -> Referral:
    """Lock the referral row; refuse if the caller's copy is out of date."""
    current = Referral.objects.select_for_update().get(pk=referral.pk)
    if revision is not None and current.revision != revision:
        raise StaleReferral(
            "This referral was changed somewhere else (perhaps in another tab) after you opened this page. "
            "Nothing has been saved: check the referral and make your change again."
        )
    return current


def _save(referral: Referral, *fields: str) -> Referral:
    referral.revision += 1
    referral.full_clean()
    referral.save(update_fields=[*fields, "revision", "updated_at"] if fields else None)
    return referral


def _editable_by(referral: Referral, user: User) -> None:
    if referral.referrer_id != user.pk or not referral.is_editable_by_referrer:
        raise ValidationError("This referral can no longer be changed.")


@transaction.atomic
def referral_start(*, referrer: User) -> Referral:
    """A new draft for this practitioner, with their agency and contact details filled in."""
    referral = Referral(
        reference=_reference_next(timezone.localdate().year),
        referrer=referrer,
        referring_agency=referrer.agency,
        contact_phone=referrer.phone,
        contact_email=referrer.email,
        checklist=checklist_current(),
    )
    referral.full_clean()
    referral.save()
    return referral


@transaction.atomic
def referral_update(*, referral: Referral, by: User, revision: int | None, fields: Mapping[str, Any]) -> Referral:
    """Save one section of a draft (or of a referral sent back for more information)."""
    current = _locked(referral, revision)
    _editable_by(current, by)
    for name, value in fields.items():
        setattr(current, name, value)
    if "criterion_professional_judgement" in fields and not current.criterion_professional_judgement:
        current.professional_judgement_reasons = ""
    _save(current, *fields.keys(), "professional_judgement_reasons")
    return current


@transaction.atomic
def referral_subject_save(
    *, referral: Referral, by: User, revision: int | None, fields: Mapping[str, Any], subject: ReferralSubject | None
) -> ReferralSubject:
    current = _locked(referral, revision)
    _editable_by(current, by)
    if subject is None:
        subject = ReferralSubject(referral=current)
    elif subject.referral_id != current.pk:
        raise ValidationError("That person is not part of this referral.")
    for name, value in fields.items():
        setattr(subject, name, value)
    subject.full_clean()
    subject.save()
    _save(current)
    return subject


@transaction.atomic
def referral_subject_remove(*, referral: Referral, by: User, revision: int | None, subject: ReferralSubject) -> None:
    current = _locked(referral, revision)
    _editable_by(current, by)
    if subject.referral_id != current.pk:
        raise ValidationError("That person is not part of this referral.")
    subject.delete()
    _save(current)


def _final_level(scored: str, raised: str) -> str:
    if raised and LEVEL_ORDER.index(raised) > LEVEL_ORDER.index(scored):
        return raised
    return scored


@transaction.atomic
def referral_answers_save(
    *,
    referral: Referral,
    by: User,
    revision: int | None,
    answers: Mapping[int, int],
    raised_level: str = "",
    raised_reason: str = "",
) -> Referral:
    """Record checklist answers (question id -> option id), score them and set the risk level.

    The server computes the score and level. The referrer may raise the level with a reason;
    a raise that is not above the scored level is refused rather than silently ignored.
    """
    current = _locked(referral, revision)
    _editable_by(current, by)
    questions = {q.pk: q for q in current.checklist.questions.all()}
    options = ChecklistOption.objects.filter(pk__in=answers.values(), question__template=current.checklist)
    by_id = {option.pk: option for option in options}
    rows = []
    for question_id, option_id in answers.items():
        option = by_id.get(option_id)
        if question_id not in questions or option is None or option.question_id != question_id:
            raise ValidationError("One of the answers does not belong to this checklist.")
        rows.append(ReferralAnswer(referral=current, question_id=question_id, option=option, score=option.score))
    ReferralAnswer.objects.filter(referral=current).delete()
    ReferralAnswer.objects.bulk_create(rows)

    current.score = sum(row.score for row in rows)
    current.scored_level = current.checklist.level_for(current.score)
    if raised_level:
        if LEVEL_ORDER.index(raised_level) <= LEVEL_ORDER.index(current.scored_level):
            raise ValidationError(
                {"raised_level": "You can only raise the level above the one the score gives, not keep or lower it"}
            )
        if not raised_reason.strip():
            raise ValidationError({"level_raised_reason": "Enter why you are raising the risk level"})
    current.raised_level = raised_level
    current.level_raised_reason = raised_reason.strip() if raised_level else ""
    current.risk_level = _final_level(current.scored_level, current.raised_level)
    current.criterion_high_risk = current.scored_level == RiskLevel.HIGH
    _save(
        current,
        "score",
        "scored_level",
        "raised_level",
        "level_raised_reason",
        "risk_level",
        "criterion_high_risk",
    )
    return current


def referral_problems(referral: Referral) -> dict[str, list[str]]:
    """What still stops the referral being submitted, by section of the task list."""
    problems: dict[str, list[str]] = {}

    def need(section: str, ok: bool, message: str) -> None:
        if not ok:
            problems.setdefault(section, []).append(message)

    need("referrer", bool(referral.contact_phone or referral.contact_email), "Enter a phone number or email address")
    need("referrer", referral.referring_agency_id is not None, "Select your agency")
    need("subjects", referral.subjects.exists(), "Add at least one person")
    need("concerns", bool(referral.issue_types), "Select what is happening")
    need(
        "concerns",
        Referral.IssueType.HATE_CRIME not in referral.issue_types or bool(referral.hate_crime_strand),
        "Select the hate crime strand",
    )
    need("concerns", bool(referral.concerns.strip()), "Enter a summary of your concerns")
    need("concerns", bool(referral.request_of_panel.strip()), "Enter what you ask of the panel")
    need(
        "criteria",
        any(
            (
                referral.criterion_high_risk,
                referral.criterion_escalation,
                referral.criterion_professional_judgement,
                referral.criterion_multi_agency,
            )
        ),
        "Select at least one referral criterion",
    )
    need(
        "criteria",
        not referral.criterion_professional_judgement or bool(referral.professional_judgement_reasons.strip()),
        "Enter the reasons for your professional judgement",
    )
    need("consent", bool(referral.consent), "Say whether the subject consented")
    if referral.consent and referral.consent != Referral.Consent.YES:
        need("consent", bool(referral.sharing_basis), "Select the lawful basis for sharing without consent")
        need("consent", bool(referral.sharing_justification.strip()), "Enter why sharing without consent is justified")
    answered = referral.answers.count()
    total = referral.checklist.questions.count()
    need("checklist", answered == total, f"Answer every checklist question ({answered} of {total} answered)")
    return problems


@transaction.atomic
def referral_submit(*, referral: Referral, by: User, revision: int | None, now: datetime | None = None) -> Referral:
    current = _locked(referral, revision)
    _editable_by(current, by)
    problems = referral_problems(current)
    if problems:
        raise ValidationError([message for messages in problems.values() for message in messages])
    now = now or timezone.now()
    slot = slot_for_referral(now, rule_from_settings())
    current.status = Referral.Status.SUBMITTED
    current.submitted_at, current.meeting_date, current.is_late = now, slot.start, slot.is_late
    current.meeting = _meeting_for_slot(slot.start)
    current.accepted_as_urgent = False
    current.is_repeat = find_repeat(current) is not None
    _save(current, "status", "submitted_at", "meeting_date", "meeting", "is_late", "accepted_as_urgent", "is_repeat")
    notifications.referral_received(current)
    return current


def _meeting_for_slot(slot: datetime) -> Any:
    """The meeting record of a scheduled slot, once the schedule has made it (where it has moved,
    its new date). Read through the referral's own link, so referrals need not import meetings."""
    meeting_model = Referral._meta.get_field("meeting").related_model
    return meeting_model.objects.filter(kind="scheduled", scheduled_for=slot).first()


def _require_status(referral: Referral, *statuses: str) -> None:
    if referral.status not in statuses:
        raise ValidationError("This referral has already been dealt with.")


@transaction.atomic
def referral_accept_as_urgent(*, referral: Referral, by: User, revision: int | None = None) -> Referral:
    """Hear a late referral at the earlier meeting after all (the co-chairs' decision)."""
    current = _locked(referral, revision)
    _require_status(current, Referral.Status.SUBMITTED)
    if not current.is_late or current.submitted_at is None:
        raise ValidationError("Only a late referral can be accepted as urgent for the earlier meeting.")
    current.meeting_date = next(meetings_from(current.submitted_at, rule_from_settings()))
    current.meeting = _meeting_for_slot(current.meeting_date)
    current.is_late, current.accepted_as_urgent = False, True
    _save(current, "meeting_date", "meeting", "is_late", "accepted_as_urgent")
    return current


def _person_for(subject: ReferralSubject, case: Case | None) -> Person:
    """The person already on the case if it is clearly the same one, or a new person record."""
    if case is not None:
        name = name_key(subject.given_name, subject.family_name)
        for existing in case.subjects.select_related("person"):
            person = existing.person
            same_name = name_key(person.given_name, person.family_name) == name
            if same_name and (
                (subject.date_of_birth and subject.date_of_birth == person.date_of_birth)
                or (not subject.date_of_birth and subject.postcode and subject.postcode == person.postcode)
            ):
                return person
    person = Person(**{name: getattr(subject, name) for name in PERSON_FIELDS})
    person.full_clean()
    person.save()
    return person


@transaction.atomic
def referral_accept(
    *, referral: Referral, by: User, join_case: Case | None = None, revision: int | None = None
) -> Case:
    """Accept: create a case from the referral, or add it to an open case. The referring agency is involved."""
    current = _locked(referral, revision)
    _require_status(current, Referral.Status.SUBMITTED)
    if join_case is not None and not join_case.is_open:
        raise ValidationError("A referral can only join an open case.")
    if join_case is None:
        case = case_services.case_create(by=by, summary=current.concerns[:2000], risk_level=current.risk_level)
    else:
        case = join_case
        if LEVEL_ORDER.index(current.risk_level) > LEVEL_ORDER.index(case.risk_level):
            case_services.case_set_risk_level(
                case=case, risk_level=current.risk_level, by=by, reason=f"Referral {current.reference}"
            )
    on_case = set(case.subjects.values_list("person_id", "role"))
    for subject in current.subjects.all():
        person = _person_for(subject, join_case)
        subject.person = person
        subject.save(update_fields=["person"])
        if (person.pk, subject.role) not in on_case:
            case_services.subject_add(case=case, person=person, role=subject.role, by=by)
            on_case.add((person.pk, subject.role))
    if current.referring_agency is not None:
        case_services.involve_agency(
            case=case,
            agency=current.referring_agency,
            reason=CaseInvolvement.Reason.REFERRED,
            source=f"referral:{current.pk}",
            by=by,
        )
    if current.is_repeat and not case.is_repeat:
        case.is_repeat = True
        case.save(update_fields=["is_repeat", "updated_at"])
    if Referral.IssueType.ASB_CASE_REVIEW in (current.issue_types or []):
        case_services.case_mark_asb_review_potential(case=case, by=by, referral_reference=current.reference)
    case_services.case_event_record(
        case=case, kind=CaseEvent.Kind.REFERRAL_ACCEPTED, by=by, description=f"Referral {current.reference}"
    )
    current.status, current.case = Referral.Status.ACCEPTED, case
    current.decided_by, current.decided_at, current.decision_reason = by, timezone.now(), ""
    _save(current, "status", "case", "decided_by", "decided_at", "decision_reason")
    notifications.referral_decided(current)
    return case


def _decide_with_text(
    referral: Referral, by: User, status: str, field: str, text: str, missing: str, revision: int | None
) -> Referral:
    """A triage decision that needs words from the coordinator (a reason, or a question)."""
    current = _locked(referral, revision)
    _require_status(current, Referral.Status.SUBMITTED)
    if not text.strip():
        raise ValidationError({field: missing})
    current.status = status
    setattr(current, field, text.strip())
    current.decided_by, current.decided_at = by, timezone.now()
    _save(current, "status", field, "decided_by", "decided_at")
    notifications.referral_decided(current)
    return current


@transaction.atomic
def referral_decline(*, referral: Referral, by: User, reason: str, revision: int | None = None) -> Referral:
    return _decide_with_text(
        referral, by, Referral.Status.DECLINED, "decision_reason", reason, "Enter why the referral is declined",
        revision,
    )  # fmt: skip


@transaction.atomic
def referral_request_information(
    *, referral: Referral, by: User, question: str, revision: int | None = None
) -> Referral:
    """Send the referral back to the referrer with a question; they edit it and submit again."""
    return _decide_with_text(
        referral, by, Referral.Status.MORE_INFORMATION, "information_request", question,
        "Enter what information you need", revision,
    )  # fmt: skip
