"""Risk checklist templates: the current version, new versions, publishing."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cmarac.accounts.models import User
from referrals.default_checklist import NAME, create_default_checklist
from referrals.models import ChecklistOption, ChecklistQuestion, ChecklistTemplate


def checklist_current(name: str = NAME) -> ChecklistTemplate:
    """The published version new referrals use (the default checklist is created if none exists)."""
    current = ChecklistTemplate.objects.filter(name=name, status=ChecklistTemplate.Status.PUBLISHED).first()
    if current is None:
        with transaction.atomic():
            current = create_default_checklist(ChecklistTemplate, ChecklistQuestion, ChecklistOption, timezone.now())
    return current


@transaction.atomic
def checklist_new_version(*, template: ChecklistTemplate, by: User | None) -> ChecklistTemplate:
    """A draft copy of a version, numbered after the latest, to edit and then publish."""
    latest = ChecklistTemplate.objects.filter(name=template.name).order_by("-version").first()
    draft = ChecklistTemplate.objects.create(
        name=template.name,
        version=(latest.version if latest else 0) + 1,
        status=ChecklistTemplate.Status.DRAFT,
        introduction=template.introduction,
        medium_from=template.medium_from,
        high_from=template.high_from,
        created_by=by,
    )
    for question in template.questions.prefetch_related("options"):
        copy = ChecklistQuestion.objects.create(
            template=draft,
            section=question.section,
            order=question.order,
            text=question.text,
            help_text=question.help_text,
        )
        ChecklistOption.objects.bulk_create(
            [
                ChecklistOption(question=copy, order=o.order, label=o.label, score=o.score)
                for o in question.options.all()
            ]
        )
    return draft


@transaction.atomic
def checklist_publish(*, template: ChecklistTemplate) -> ChecklistTemplate:
    """Publish a draft; the version it replaces is retired. Referrals keep the version they used."""
    template = ChecklistTemplate.objects.select_for_update().get(pk=template.pk)
    if not template.is_editable:
        raise ValidationError("Only a draft can be published.")
    questions = list(template.questions.prefetch_related("options"))
    if not questions or any(not q.options.all() for q in questions):
        raise ValidationError("Every question needs at least one answer before the checklist is published.")
    ChecklistTemplate.objects.filter(name=template.name, status=ChecklistTemplate.Status.PUBLISHED).update(
        status=ChecklistTemplate.Status.RETIRED
    )
    template.status, template.published_at = ChecklistTemplate.Status.PUBLISHED, timezone.now()
    template.save(update_fields=["status", "published_at"])
    return template
