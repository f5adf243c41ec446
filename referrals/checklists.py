"""Risk checklist versions: the current one, drafts, editing a draft, publishing, discarding.

The rules live here, so every route (the pages, the shell, a test) gets them:
- only a draft changes; published and retired versions never do, because referrals keep the
  version they were made with and their scores must mean what they meant then;
- every change to a draft carries the revision the person saw (ADR 7) and moves it on;
- the thresholds rise: high risk from > medium risk from > 0; scores are whole numbers, 0 or more;
- one draft at a time per checklist; publishing it retires the version it replaces.
`by` is the coordinator making the change; None is the system (the default checklist, tests).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, ProtectedError, QuerySet
from django.utils import timezone

from cmarac.accounts.models import User
from cmarac.accounts.roles import Role
from referrals.default_checklist import NAME, create_default_checklist
from referrals.models import ChecklistOption, ChecklistQuestion, ChecklistTemplate

MAX_SCORE = 999
NOT_EDITABLE = (
    "This version is no longer a draft: published versions cannot be changed. "
    "To change the checklist, make a new draft from the current version."
)
STALE_MESSAGE = (
    "Someone else changed this draft while you were editing it. "
    "Your changes have not been saved yet: check them against what is saved now and save again."
)


class ChecklistRefused(ValidationError):
    """The person may not make this change, or the change breaks a rule of checklists."""


class ChecklistNotEditable(ChecklistRefused):
    """The version is published or retired (or was discarded): it never changes."""


class StaleChecklist(ValidationError):
    """The draft changed since this form was shown."""


@dataclass(frozen=True)
class Answer:
    """One answer to a question as a coordinator sets it: its wording and the score it adds."""

    label: str
    score: int


# --- Reading ------------------------------------------------------------------------------------


def checklist_current(name: str = NAME) -> ChecklistTemplate:
    """The published version new referrals use (the default checklist is created if none exists)."""
    current = ChecklistTemplate.objects.filter(name=name, status=ChecklistTemplate.Status.PUBLISHED).first()
    if current is None:
        with transaction.atomic():
            current = create_default_checklist(ChecklistTemplate, ChecklistQuestion, ChecklistOption, timezone.now())
    return current


def checklist_versions() -> QuerySet[ChecklistTemplate]:
    """Every version of every checklist, with its number of questions: drafts, current, earlier."""
    return ChecklistTemplate.objects.annotate(question_count=Count("questions")).order_by("name", "-version")


def checklist_questions(template: ChecklistTemplate) -> list[ChecklistQuestion]:
    """A version's questions in order, each with its answers (two queries, however many)."""
    return list(template.questions.prefetch_related("options").order_by("order", "pk"))


def checklist_sections(questions: Sequence[ChecklistQuestion]) -> list[tuple[str, list[ChecklistQuestion]]]:
    """The questions grouped as the referral form shows them: consecutive questions of a section."""
    sections: list[tuple[str, list[ChecklistQuestion]]] = []
    for question in questions:
        if not sections or sections[-1][0] != question.section:
            sections.append((question.section, []))
        sections[-1][1].append(question)
    return sections


# --- Rules --------------------------------------------------------------------------------------


def _require_coordinator(by: User | None) -> None:
    if by is not None and (not by.is_active or not by.has_role(Role.COORDINATOR)):
        raise ChecklistRefused("Only a coordinator can change the risk checklists.")


def _locked_draft(template_id: int, revision: int | None) -> ChecklistTemplate:
    """Lock the version's row; refuse unless it is still a draft and the caller's copy is current."""
    locked = ChecklistTemplate.objects.select_for_update().filter(pk=template_id).first()
    if locked is None or not locked.is_editable:
        raise ChecklistNotEditable(NOT_EDITABLE)
    if revision is not None and locked.revision != revision:
        raise StaleChecklist(STALE_MESSAGE)
    return locked


def _moved_on(template: ChecklistTemplate) -> None:
    template.revision += 1
    template.save(update_fields=["revision"])


def _check_thresholds(medium_from: int, high_from: int) -> None:
    errors: dict[str, str] = {}
    if medium_from < 1:
        errors["medium_from"] = "The medium risk score must be 1 or more"
    if high_from <= medium_from:
        errors["high_from"] = "The high risk score must be more than the medium risk score"
    if errors:
        raise ValidationError(errors)


def _check_question(*, section: str, text: str, help_text: str, answers: Sequence[Answer]) -> None:
    errors: dict[str, str] = {}
    if not section.strip():
        errors["section"] = "Enter the section the question is in"
    elif len(section) > ChecklistQuestion._meta.get_field("section").max_length:  # type: ignore[operator]
        errors["section"] = "The section must be 200 characters or fewer"
    if not text.strip():
        errors["text"] = "Enter the question"
    elif len(text) > ChecklistQuestion._meta.get_field("text").max_length:  # type: ignore[operator]
        errors["text"] = "The question must be 500 characters or fewer"
    if len(help_text) > ChecklistQuestion._meta.get_field("help_text").max_length:  # type: ignore[operator]
        errors["help_text"] = "The hint must be 500 characters or fewer"
    problems = []
    if not answers:
        problems.append("Enter at least one answer")
    labels = [answer.label.strip().casefold() for answer in answers]
    if any(not label for label in labels):
        problems.append("Enter the wording of every answer")
    if len(set(labels)) != len(labels):
        problems.append("Each answer must be worded differently")
    if any(len(answer.label) > 200 for answer in answers):
        problems.append("Each answer must be 200 characters or fewer")
    if any(not isinstance(answer.score, int) or not 0 <= answer.score <= MAX_SCORE for answer in answers):
        problems.append(f"Each score must be a whole number from 0 to {MAX_SCORE}")
    if problems:
        errors["answers"] = problems[0]
    if errors:
        raise ValidationError(errors)


def _set_answers(question: ChecklistQuestion, answers: Sequence[Answer]) -> None:
    """Make the question's answers these, in this order (a draft's answers are never referenced)."""
    existing = list(question.options.order_by("order", "pk"))
    for order, answer in enumerate(answers, start=1):
        if existing:
            option = existing.pop(0)
            if (option.order, option.label, option.score) != (order, answer.label.strip(), answer.score):
                option.order, option.label, option.score = order, answer.label.strip(), answer.score
                option.save(update_fields=["order", "label", "score"])
        else:
            ChecklistOption.objects.create(
                question=question, order=order, label=answer.label.strip(), score=answer.score
            )
    for option in existing:
        option.delete()


# --- Versions -----------------------------------------------------------------------------------


@transaction.atomic
def checklist_new_version(*, template: ChecklistTemplate, by: User | None) -> ChecklistTemplate:
    """A draft copy of a version (questions, answers, scores, thresholds), numbered after the latest,
    to edit and then publish. One draft at a time: a second would be published over the first."""
    _require_coordinator(by)
    # Lock the checklist's versions so two people pressing the button make one draft.
    versions = list(ChecklistTemplate.objects.select_for_update().filter(name=template.name).order_by("-version"))
    if any(version.is_editable for version in versions):
        raise ChecklistRefused("There is already a draft of this checklist: edit it, or discard it first.")
    source = next((version for version in versions if version.pk == template.pk), None)
    if source is None:
        raise ChecklistRefused("That version no longer exists.")
    draft = ChecklistTemplate.objects.create(
        name=source.name,
        version=(versions[0].version if versions else 0) + 1,
        status=ChecklistTemplate.Status.DRAFT,
        introduction=source.introduction,
        medium_from=source.medium_from,
        high_from=source.high_from,
        created_by=by,
    )
    for question in checklist_questions(source):
        copy = ChecklistQuestion.objects.create(
            template=draft,
            section=question.section,
            order=question.order,
            text=question.text,
            help_text=question.help_text,
        )
        for option in question.options.all():
            # One by one, so the audit trail records each answer of the new draft.
            ChecklistOption.objects.create(question=copy, order=option.order, label=option.label, score=option.score)
    return draft


@transaction.atomic
def checklist_thresholds_update(
    *,
    template: ChecklistTemplate,
    by: User | None,
    revision: int | None,
    medium_from: int,
    high_from: int,
    introduction: str,
) -> ChecklistTemplate:
    """Set a draft's score thresholds (high > medium > 0) and the introduction referrers read."""
    _require_coordinator(by)
    locked = _locked_draft(template.pk, revision)
    _check_thresholds(medium_from, high_from)
    if len(introduction) > 2000:
        raise ValidationError({"introduction": "The introduction must be 2000 characters or fewer"})
    locked.medium_from, locked.high_from, locked.introduction = medium_from, high_from, introduction.strip()
    locked.revision += 1
    locked.save(update_fields=["medium_from", "high_from", "introduction", "revision"])
    return locked


@transaction.atomic
def checklist_publish(
    *, template: ChecklistTemplate, by: User | None = None, revision: int | None = None
) -> ChecklistTemplate:
    """Publish a draft: new referrals use it from now on; the version it replaces is retired.
    Referrals already made keep the version, answers and score they were made with."""
    _require_coordinator(by)
    template = _locked_draft(template.pk, revision)
    questions = checklist_questions(template)
    if not questions or any(not q.options.all() for q in questions):
        raise ChecklistRefused("Every question needs at least one answer before the checklist is published.")
    _check_thresholds(template.medium_from, template.high_from)
    ChecklistTemplate.objects.filter(name=template.name, status=ChecklistTemplate.Status.PUBLISHED).update(
        status=ChecklistTemplate.Status.RETIRED
    )
    template.status, template.published_at = ChecklistTemplate.Status.PUBLISHED, timezone.now()
    template.revision += 1
    template.save(update_fields=["status", "published_at", "revision"])
    return template


@transaction.atomic
def checklist_discard(*, template: ChecklistTemplate, by: User | None, revision: int | None) -> None:
    """Delete a draft with its questions and answers. Published versions are never deleted."""
    _require_coordinator(by)
    locked = _locked_draft(template.pk, revision)
    try:
        with transaction.atomic():
            locked.delete()
    except ProtectedError as error:  # a referral uses it: it was never a draft to discard
        raise ChecklistNotEditable(NOT_EDITABLE) from error


# --- Questions ----------------------------------------------------------------------------------


@transaction.atomic
def checklist_question_add(
    *,
    template: ChecklistTemplate,
    by: User | None,
    revision: int | None,
    section: str,
    text: str,
    help_text: str,
    answers: Sequence[Answer],
) -> ChecklistQuestion:
    """Add a question, with its answers and their scores, at the end of a draft."""
    _require_coordinator(by)
    locked = _locked_draft(template.pk, revision)
    _check_question(section=section, text=text, help_text=help_text, answers=answers)
    last = locked.questions.aggregate(last=Max("order"))["last"] or 0
    question = ChecklistQuestion.objects.create(
        template=locked, order=last + 1, section=section.strip(), text=text.strip(), help_text=help_text.strip()
    )
    _set_answers(question, answers)
    _moved_on(locked)
    return question


def _locked_question(question: ChecklistQuestion, revision: int | None) -> tuple[ChecklistTemplate, ChecklistQuestion]:
    locked = _locked_draft(question.template_id, revision)
    current = ChecklistQuestion.objects.filter(pk=question.pk, template=locked).first()
    if current is None:
        raise StaleChecklist(STALE_MESSAGE)
    return locked, current


@transaction.atomic
def checklist_question_update(
    *,
    question: ChecklistQuestion,
    by: User | None,
    revision: int | None,
    section: str,
    text: str,
    help_text: str,
    answers: Sequence[Answer],
) -> ChecklistQuestion:
    """Change a draft's question, its answers and their scores."""
    _require_coordinator(by)
    locked, current = _locked_question(question, revision)
    _check_question(section=section, text=text, help_text=help_text, answers=answers)
    current.section, current.text, current.help_text = section.strip(), text.strip(), help_text.strip()
    current.save(update_fields=["section", "text", "help_text"])
    _set_answers(current, answers)
    _moved_on(locked)
    return current


@transaction.atomic
def checklist_question_remove(*, question: ChecklistQuestion, by: User | None, revision: int | None) -> None:
    """Remove a question and its answers from a draft."""
    _require_coordinator(by)
    locked, current = _locked_question(question, revision)
    current.delete()
    _moved_on(locked)


@transaction.atomic
def checklist_question_move(*, question: ChecklistQuestion, by: User | None, revision: int | None, up: bool) -> None:
    """Swap a question with the one before it (up) or after it. It keeps its section."""
    _require_coordinator(by)
    locked, current = _locked_question(question, revision)
    siblings = locked.questions.exclude(pk=current.pk)
    neighbour = (
        siblings.filter(order__lt=current.order).order_by("-order").first()
        if up
        else siblings.filter(order__gt=current.order).order_by("order").first()
    )
    if neighbour is None:
        return  # already first (or last): nothing moves
    mine, theirs = current.order, neighbour.order
    # (template, order) is unique, so the swap goes through a free number.
    current.order = (locked.questions.aggregate(last=Max("order"))["last"] or 0) + 1
    current.save(update_fields=["order"])
    neighbour.order = mine
    neighbour.save(update_fields=["order"])
    current.order = theirs
    current.save(update_fields=["order"])
    _moved_on(locked)
