"""Risk checklist versions: the rules every route gets (referrals/checklists.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError

from referrals import checklists as services
from referrals import services as referral_services
from referrals.checklists import Answer, ChecklistNotEditable, ChecklistRefused, StaleChecklist
from referrals.models import ChecklistOption, ChecklistQuestion, ChecklistTemplate
from tests.referral_builders import complete_referral

pytestmark = pytest.mark.django_db

YES_NO = [Answer("Yes", 2), Answer("No", 0)]


@pytest.fixture
def current() -> ChecklistTemplate:
    return services.checklist_current()


@pytest.fixture
def draft(current: ChecklistTemplate, coordinator) -> ChecklistTemplate:
    return services.checklist_new_version(template=current, by=coordinator)


def _snapshot(template: ChecklistTemplate) -> list[Any]:
    """Everything a version says, to compare before and after a refused change."""
    template.refresh_from_db()
    rows: list[Any] = [(template.status, template.medium_from, template.high_from, template.introduction)]
    for question in services.checklist_questions(template):
        rows.append((question.pk, question.order, question.section, question.text, question.help_text))
        rows.extend((o.pk, o.order, o.label, o.score) for o in question.options.all())
    return rows


# --- New drafts ---------------------------------------------------------------------------------


def test_a_new_draft_copies_questions_answers_scores_and_thresholds(current, coordinator) -> None:
    current.medium_from, current.high_from = 7, 15  # as an earlier coordinator set them
    current.save(update_fields=["medium_from", "high_from"])
    draft = services.checklist_new_version(template=current, by=coordinator)
    assert (draft.status, draft.version, draft.medium_from, draft.high_from) == ("draft", 2, 7, 15)
    assert draft.introduction == current.introduction
    assert draft.created_by == coordinator

    def shape(template: ChecklistTemplate) -> list[Any]:
        return [
            (q.section, q.order, q.text, q.help_text, [(o.order, o.label, o.score) for o in q.options.all()])
            for q in services.checklist_questions(template)
        ]

    assert shape(draft) == shape(current)
    assert not set(draft.questions.values_list("pk", flat=True)) & set(current.questions.values_list("pk", flat=True))


def test_one_draft_at_a_time(draft, current, coordinator) -> None:
    with pytest.raises(ChecklistRefused, match="already a draft"):
        services.checklist_new_version(template=current, by=coordinator)
    assert ChecklistTemplate.objects.filter(status="draft").count() == 1


@pytest.mark.parametrize("person", ["co_chair", "housing_lead", "police_referrer", "auditor", "administrator"])
def test_only_coordinators_change_checklists(person, request, current) -> None:
    someone = request.getfixturevalue(person)
    with pytest.raises(ChecklistRefused):
        services.checklist_new_version(template=current, by=someone)
    assert not ChecklistTemplate.objects.filter(status="draft").exists()


def test_a_deactivated_coordinator_changes_nothing(draft, coordinator) -> None:
    coordinator.is_active = False
    coordinator.save(update_fields=["is_active"])
    with pytest.raises(ChecklistRefused):
        services.checklist_thresholds_update(
            template=draft, by=coordinator, revision=draft.revision, medium_from=5, high_from=9, introduction=""
        )


# --- Thresholds ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("medium", "high"), [(0, 5), (10, 10), (12, 8), (-1, 4)])
def test_thresholds_must_rise_above_zero(draft, coordinator, medium: int, high: int) -> None:
    before = _snapshot(draft)
    with pytest.raises(ValidationError):
        services.checklist_thresholds_update(
            template=draft, by=coordinator, revision=draft.revision, medium_from=medium, high_from=high, introduction=""
        )
    assert _snapshot(draft) == before


def test_thresholds_are_saved_and_move_the_revision_on(draft, coordinator) -> None:
    saved = services.checklist_thresholds_update(
        template=draft, by=coordinator, revision=0, medium_from=1, high_from=2, introduction=" Answer all. "
    )
    assert (saved.medium_from, saved.high_from, saved.introduction, saved.revision) == (1, 2, "Answer all.", 1)


# --- Questions ----------------------------------------------------------------------------------


def test_a_question_is_added_at_the_end_with_its_answers(draft, coordinator) -> None:
    count = draft.questions.count()
    question = services.checklist_question_add(
        template=draft,
        by=coordinator,
        revision=draft.revision,
        section="Housing",
        text="Is the tenancy at risk?",
        help_text="",
        answers=[Answer("Yes", 4), Answer("No", 0), Answer("Not known", 1)],
    )
    questions = services.checklist_questions(draft)
    assert len(questions) == count + 1
    assert questions[-1] == question
    assert [(o.order, o.label, o.score) for o in question.options.all()] == [
        (1, "Yes", 4),
        (2, "No", 0),
        (3, "Not known", 1),
    ]


@pytest.mark.parametrize(
    ("fields", "answers"),
    [
        ({"section": "", "text": "Q?"}, YES_NO),
        ({"section": "S", "text": "  "}, YES_NO),
        ({"section": "S", "text": "x" * 501}, YES_NO),
        ({"section": "S", "text": "Q?"}, []),
        ({"section": "S", "text": "Q?"}, [Answer("Yes", -1)]),
        ({"section": "S", "text": "Q?"}, [Answer("Yes", 1), Answer("yes", 0)]),
        ({"section": "S", "text": "Q?"}, [Answer("", 1)]),
        ({"section": "S", "text": "Q?"}, [Answer("Yes", 1000)]),
    ],
)
def test_bad_questions_are_refused_and_nothing_is_half_saved(draft, coordinator, fields, answers) -> None:
    question = draft.questions.first()
    before = _snapshot(draft)
    with pytest.raises(ValidationError):
        services.checklist_question_update(
            question=question, by=coordinator, revision=draft.revision, help_text="", answers=answers, **fields
        )
    with pytest.raises(ValidationError):
        services.checklist_question_add(
            template=draft, by=coordinator, revision=draft.revision, help_text="", answers=answers, **fields
        )
    assert _snapshot(draft) == before


def test_changing_a_question_rewrites_its_answers_in_order(draft, coordinator) -> None:
    question = draft.questions.first()
    services.checklist_question_update(
        question=question,
        by=coordinator,
        revision=draft.revision,
        section="New section",
        text="Reworded?",
        help_text="A hint",
        answers=[Answer("Often", 3), Answer("Never", 0)],
    )
    question.refresh_from_db()
    assert (question.section, question.text, question.help_text) == ("New section", "Reworded?", "A hint")
    assert [(o.order, o.label, o.score) for o in question.options.all()] == [(1, "Often", 3), (2, "Never", 0)]


def test_moving_swaps_with_the_neighbour_and_the_ends_stay_put(draft, coordinator) -> None:
    first, second, third = services.checklist_questions(draft)[:3]
    services.checklist_question_move(question=second, by=coordinator, revision=0, up=True)
    assert services.checklist_questions(draft)[:3] == [second, first, third]
    services.checklist_question_move(question=second, by=coordinator, revision=1, up=False)
    assert services.checklist_questions(draft)[:3] == [first, second, third]
    services.checklist_question_move(question=first, by=coordinator, revision=2, up=True)
    draft.refresh_from_db()
    assert draft.revision == 2  # nothing moved, nothing changed
    last = services.checklist_questions(draft)[-1]
    services.checklist_question_move(question=last, by=coordinator, revision=2, up=False)
    assert services.checklist_questions(draft)[-1] == last


def test_removing_a_question_takes_its_answers(draft, coordinator) -> None:
    question = draft.questions.first()
    option_ids = list(question.options.values_list("pk", flat=True))
    services.checklist_question_remove(question=question, by=coordinator, revision=draft.revision)
    assert not ChecklistQuestion.objects.filter(pk=question.pk).exists()
    assert not ChecklistOption.objects.filter(pk__in=option_ids).exists()


# --- Revisions ----------------------------------------------------------------------------------


def _every_change(template: ChecklistTemplate, by: Any, revision: int | None) -> list[Callable[[], Any]]:
    question = template.questions.order_by("order").last()
    fields = {"section": "S", "text": "Q?", "help_text": "", "answers": YES_NO}
    return [
        lambda: services.checklist_thresholds_update(
            template=template, by=by, revision=revision, medium_from=3, high_from=4, introduction=""
        ),
        lambda: services.checklist_question_add(template=template, by=by, revision=revision, **fields),
        lambda: services.checklist_question_update(question=question, by=by, revision=revision, **fields),
        lambda: services.checklist_question_move(question=question, by=by, revision=revision, up=True),
        lambda: services.checklist_question_remove(question=question, by=by, revision=revision),
        lambda: services.checklist_publish(template=template, by=by, revision=revision),
        lambda: services.checklist_discard(template=template, by=by, revision=revision),
    ]


def test_every_change_from_a_stale_form_is_refused(draft, coordinator) -> None:
    services.checklist_thresholds_update(
        template=draft, by=coordinator, revision=0, medium_from=9, high_from=20, introduction=""
    )  # someone saved: the revision is now 1
    before = _snapshot(draft)
    for change in _every_change(draft, coordinator, revision=0):
        with pytest.raises(StaleChecklist):
            change()
    assert _snapshot(draft) == before


# --- Published versions never change ------------------------------------------------------------


@pytest.mark.parametrize("status", ["published", "retired"])
def test_published_and_earlier_versions_never_change(status, current, coordinator) -> None:
    template = current
    if status == "retired":
        draft = services.checklist_new_version(template=current, by=coordinator)
        services.checklist_publish(template=draft, by=coordinator, revision=draft.revision)
        template.refresh_from_db()
    assert template.status == status
    before = _snapshot(template)
    for revision in (template.revision, None):
        for change in _every_change(template, coordinator, revision=revision):
            with pytest.raises(ChecklistNotEditable):
                change()
        for change in _every_change(template, None, revision=revision):  # the system neither
            with pytest.raises(ChecklistNotEditable):
                change()
    assert _snapshot(template) == before


# --- Publishing and discarding ------------------------------------------------------------------


def test_publishing_retires_the_current_version(draft, current, coordinator) -> None:
    published = services.checklist_publish(template=draft, by=coordinator, revision=draft.revision)
    current.refresh_from_db()
    assert (published.status, current.status) == ("published", "retired")
    assert published.published_at is not None
    assert services.checklist_current() == published


def test_a_draft_without_questions_or_answers_cannot_be_published(draft, coordinator) -> None:
    question = draft.questions.first()
    question.options.all().delete()  # as data from before the pages might have it
    with pytest.raises(ChecklistRefused, match="at least one answer"):
        services.checklist_publish(template=draft, by=coordinator, revision=draft.revision)
    draft.questions.all().delete()
    with pytest.raises(ChecklistRefused):
        services.checklist_publish(template=draft, by=coordinator, revision=draft.revision)
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_discarding_deletes_the_draft_only(draft, current, coordinator) -> None:
    services.checklist_discard(template=draft, by=coordinator, revision=draft.revision)
    assert not ChecklistTemplate.objects.filter(pk=draft.pk).exists()
    assert services.checklist_current() == current
    assert services.checklist_new_version(template=current, by=coordinator).version == 2


def test_referrals_keep_the_version_they_were_started_with(police_referrer, draft, coordinator) -> None:
    before = complete_referral(police_referrer, yes_count=5)
    old = before.checklist
    first = draft.questions.order_by("order").first()
    services.checklist_question_update(
        question=first,
        by=coordinator,
        revision=draft.revision,
        section=first.section,
        text=first.text,
        help_text="",
        answers=[Answer("Yes", 30), Answer("No", 0), Answer("Not known", 0)],
    )
    draft.refresh_from_db()
    services.checklist_publish(template=draft, by=coordinator, revision=draft.revision)
    after = complete_referral(police_referrer, yes_count=5)
    before.refresh_from_db()
    assert before.checklist == old
    assert (after.checklist.pk, after.checklist.version) == (draft.pk, 2)
    assert before.score < after.score
    assert after.risk_level == "high"
    # Answering the old draft again still scores against its own version.
    again = referral_services.referral_answers_save(
        referral=before,
        by=police_referrer,
        revision=before.revision,
        answers={q.pk: q.options.get(label="No").pk for q in old.questions.all()},
    )
    assert (again.checklist, again.score) == (old, 0)


# --- Audit --------------------------------------------------------------------------------------


def test_changes_are_in_the_audit_trail_with_their_values(draft, coordinator) -> None:
    question = draft.questions.first()
    yes = question.options.get(label="Yes")
    services.checklist_question_update(
        question=question,
        by=coordinator,
        revision=draft.revision,
        section=question.section,
        text="Has anyone threatened the victim?",
        help_text="",
        answers=[Answer("Yes", 7), Answer("No", 0)],
    )
    question_entry = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(ChecklistQuestion), object_pk=str(question.pk), action=1
    ).latest("timestamp")
    assert question_entry.changes_dict["text"][1] == "Has anyone threatened the victim?"
    option_entries = LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(ChecklistOption))
    assert option_entries.get(object_pk=str(yes.pk), action=1).changes_dict["score"] == [str(yes.score), "7"]
    assert option_entries.filter(action=2).count() == 1  # "Not known" went
