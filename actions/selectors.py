"""Reads of actions that need thought: overdue and due-soon lists, and the cases a meeting should review."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, QuerySet

from actions.models import Action, ActionUpdate
from cmarac.accounts.models import Agency
from cmarac.cases.models import Case
from cmarac.core.pagination import rows_in_order
from meetings.models import AgendaItem, Meeting

if TYPE_CHECKING:
    from cmarac.accounts.models import User


def with_latest_update(actions: QuerySet[Action]) -> QuerySet[Action]:
    """Actions with case, owner and officer joined, and their updates prefetched newest first."""
    return (
        actions.select_related("case", "owner", "officer", "agenda_item__meeting")
        .defer(*_MINUTES_COLUMNS)
        .prefetch_related(_updates_newest_first())
    )


# An action shows the meeting it was set at as a link, never that meeting's minutes.
_MINUTES_COLUMNS = [
    *(f"agenda_item__{name}" for name in AgendaItem.MINUTES_COLUMNS),
    *(f"agenda_item__meeting__{name}" for name in Meeting.MINUTES_COLUMNS),
]


# What the action page shows of the records joined to the action (actions/action_detail.html): not
# the case's summary and search text, the owner's and officer's other columns, nor the agenda item
# and meeting beyond the meeting's name. Fewer columns are less for Django to build the query from
# and the instances from (about 1 ms of the action page at 95 columns).
ACTION_PAGE_JOINED_COLUMNS = (
    "case__reference", "owner__name", "officer__full_name",
    "agenda_item__meeting__kind", "agenda_item__meeting__starts_at",
)  # fmt: skip


def for_action_page(actions: QuerySet[Action]) -> QuerySet[Action]:
    """One action as its page shows it: its own columns, what it shows of its case, owner, officer
    and meeting, and its updates newest first with who wrote each."""
    updates = ActionUpdate.objects.select_related("by").only("action_id", "status", "text", "at", "by__full_name")
    return (
        actions.select_related("case", "owner", "officer", "agenda_item__meeting")
        .only(*(field.name for field in Action._meta.concrete_fields), *ACTION_PAGE_JOINED_COLUMNS)
        .prefetch_related(Prefetch("updates", queryset=updates.order_by("-at", "-pk")))
    )


def for_action_table(actions: QuerySet[Action]) -> QuerySet[Action]:
    """What a table of one case's actions shows (actions/includes/case_actions.html): owner, officer
    and the latest update. Not the case, agenda item and meeting that with_latest_update joins:
    PostgreSQL plans each join on every case page (1.4 ms for the five at 100,000 cases)."""
    return actions.select_related("owner", "officer").prefetch_related(_updates_newest_first())


def _updates_newest_first() -> Prefetch:
    return Prefetch("updates", queryset=ActionUpdate.objects.select_related("by").order_by("-at", "-pk"))


# The columns a row of the action list shows (actions/action_list.html), and nothing else: not the
# case's summary or search text, not the officer's password hash, not who wrote each update.
ACTION_LIST_COLUMNS = (
    "case__reference", "owner__name", "officer__full_name", "description", "due_on", "status",
)  # fmt: skip


def action_list_rows(ids: list[int]) -> list[Action]:
    """A page of the action list, found by id from the person's visible actions: with what a row
    shows (case, owner, officer, updates newest first), in the order of `ids`. Not the meeting, nor
    its minutes, which the list does not show."""
    updates = ActionUpdate.objects.only("action_id", "text", "at").order_by("-at", "-pk")
    rows = (
        Action.objects.select_related("case", "owner", "officer")
        .only(*ACTION_LIST_COLUMNS)
        .prefetch_related(Prefetch("updates", queryset=updates))
    )
    return rows_in_order(rows, ids)


def overdue_actions_for(agency: Agency, *, today: date) -> QuerySet[Action]:
    return Action.objects.open().filter(owner=agency, due_on__lt=today)


def due_soon_actions_for(agency: Agency, *, today: date, within_days: int) -> QuerySet[Action]:
    return Action.objects.open().filter(
        owner=agency, due_on__gte=today, due_on__lte=today + timedelta(days=within_days)
    )


def cases_with_actions_due_by(day: date) -> list[tuple[Case, str]]:
    """Open cases with open actions due by this day (so overdue ones too), for the agenda proposals."""
    cases = (
        Case.objects.filter(status=Case.Status.OPEN, actions__status__in=Action.OPEN_STATUSES, actions__due_on__lte=day)
        .distinct()
        .order_by("reference")
    )
    return [(case, "Has actions due or overdue") for case in cases]


def case_panel_context(user: User, case: Case) -> dict[str, Any]:
    """The case page's Actions section: the case's actions this person may see, and whether they
    may set and review them."""
    from actions.services import may_manage

    return {
        "actions": list(for_action_table(Action.objects.visible_to(user).filter(case=case))),
        "may_manage": may_manage(user),
    }
