"""Subject access: the actions set on the people's cases, and their updates.
Found by cmarac.governance.subject_access."""

from __future__ import annotations

from django.db.models import Prefetch

from actions.models import Action, ActionUpdate
from cmarac.cases.models import CaseSubject
from cmarac.cases.subject_access import other_subjects
from cmarac.core.dates import long_date
from cmarac.governance.subject_access import Record, Subjects, passages, register


def collect(subjects: Subjects) -> list[Record]:
    if not subjects.person_ids:
        return []
    case_ids = CaseSubject.objects.filter(person_id__in=subjects.person_ids).values("case_id")
    actions = (
        Action.objects.filter(case_id__in=case_ids)
        .select_related("case", "owner")
        .prefetch_related(
            Prefetch("case__subjects", queryset=CaseSubject.objects.select_related("person").order_by("pk")),
            Prefetch("updates", queryset=ActionUpdate.objects.order_by("at", "pk")),
        )
        .order_by("case__reference", "pk")
    )
    records = []
    for action in actions:
        others = other_subjects(list(action.case.subjects.all()), subjects.person_ids)
        texts = [("Action", action.description), ("Outcome", action.outcome)]
        texts += [
            (f"Update, {long_date(update.at)} ({update.get_status_display().lower()})", update.text)
            for update in action.updates.all()
        ]
        records.append(
            Record(
                kind="Action",
                reference=f"action {action.pk} on {action.case.reference}",
                case_reference=action.case.reference,
                dates=[("Set", action.created_at), ("Due", action.due_on), ("Closed", action.closed_at)],
                agencies=[action.owner.name],
                details=[("Status", action.get_status_display()), ("Priority", action.get_priority_display())],
                passages=passages(texts, others),
            )
        )
    return records


register("actions", collect=collect)
