"""Retention: the actions' part of anonymising a case (found by cmarac.governance.retention_registry).

Owner, officer, dates, priority and status stay (reporting counts them); what was asked, the
outcome and every update's text go.
"""

from __future__ import annotations

from actions.models import Action, ActionUpdate
from cmarac.cases.models import Case
from cmarac.governance.retention_registry import REMOVED_TEXT, register_case_part


@register_case_part("actions", order=30)
def anonymise_case_actions(case: Case) -> None:
    Action.objects.filter(case=case).update(description=REMOVED_TEXT, outcome="")
    ActionUpdate.objects.filter(action__case=case).update(text=REMOVED_TEXT)
