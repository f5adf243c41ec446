"""Actions, set and completed through the services as the panel would.

ActionFactory(case=housing_case, owner=housing)                    # set by a new co-chair, due in a week
ActionFactory(case=housing_case, owner=housing, by=co_chair, due_on=date(2026, 12, 9), officer=lead)
CompletedActionFactory(case=housing_case, owner=housing, outcome="Visit done")
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import factory
from django.utils import timezone

from actions import services
from actions.models import Action
from tests.factories.accounts import AgencyFactory, CoChairFactory
from tests.factories.cases import CaseFactory


class ActionFactory(factory.django.DjangoModelFactory):
    """An open action, set by `by` (a co-chair) through action_set; due a week from today by default."""

    class Meta:
        model = Action

    case = factory.SubFactory(CaseFactory)
    owner = factory.SubFactory(AgencyFactory)
    by = factory.SubFactory(CoChairFactory)
    description = factory.Sequence(lambda n: f"Joint welfare visit number {n}")
    due_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=7))
    priority = Action.Priority.NORMAL

    @classmethod
    def _create(cls, model_class: type[Action], *args: Any, **kwargs: Any) -> Action:
        return services.action_set(**kwargs)


class CompletedActionFactory(ActionFactory):
    """An action set, then completed by its setter with `outcome`."""

    outcome = "Visit done; the victim feels safer."

    @classmethod
    def _create(cls, model_class: type[Action], *args: Any, **kwargs: Any) -> Action:
        outcome = kwargs.pop("outcome")
        action = super()._create(model_class, *args, **kwargs)
        services.action_update(
            action=action, by=kwargs["by"], status=Action.Status.COMPLETED, text=outcome, revision=None
        )
        action.refresh_from_db()
        return action
