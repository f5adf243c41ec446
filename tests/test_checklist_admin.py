"""Coordinators manage risk checklists in the admin: copy, edit the draft, publish."""

from __future__ import annotations

import pytest
from django.urls import reverse

from referrals.checklists import checklist_current
from referrals.models import ChecklistOption, ChecklistTemplate

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:referrals_checklisttemplate_changelist")


def test_coordinator_copies_edits_and_publishes_a_new_version(coordinator, as_user) -> None:
    client = as_user(coordinator)
    current = checklist_current()
    client.post(CHANGELIST, {"action": "make_new_version", "_selected_action": [current.pk]})
    draft = ChecklistTemplate.objects.get(status="draft")
    assert (draft.version, draft.questions.count()) == (2, current.questions.count())

    option = ChecklistOption.objects.filter(question__template=draft, label="Yes").first()
    question = option.question
    url = reverse("admin:referrals_checklistquestion_change", args=[question.pk])
    options = list(question.options.all())
    data = {
        "order": question.order, "section": question.section, "text": "Has a weapon been seen or used?",
        "help_text": "", "options-TOTAL_FORMS": len(options), "options-INITIAL_FORMS": len(options),
        "options-MIN_NUM_FORMS": 0, "options-MAX_NUM_FORMS": 1000,
    }  # fmt: skip
    for i, o in enumerate(options):
        data |= {f"options-{i}-id": o.pk, f"options-{i}-question": question.pk, f"options-{i}-order": o.order,
                 f"options-{i}-label": o.label, f"options-{i}-score": 5 if o.pk == option.pk else o.score}  # fmt: skip
    assert client.post(url, data).status_code == 302
    option.refresh_from_db()
    assert option.score == 5

    client.post(CHANGELIST, {"action": "publish", "_selected_action": [draft.pk]})
    assert checklist_current() == draft
    current.refresh_from_db()
    assert current.status == "retired"


def test_published_versions_are_read_only(coordinator, as_user) -> None:
    client = as_user(coordinator)
    current = checklist_current()
    question = current.questions.first()
    url = reverse("admin:referrals_checklistquestion_change", args=[question.pk])
    client.post(url, {"order": question.order, "section": "Changed", "text": "Changed", "help_text": ""})
    question.refresh_from_db()
    assert question.text != "Changed"


@pytest.mark.parametrize(("person", "status"), [("coordinator", 200), ("administrator", 403), ("co_chair", 302)])
def test_only_coordinators_manage_checklists(person, status, request, as_user) -> None:
    assert as_user(request.getfixturevalue(person)).get(CHANGELIST).status_code == status
