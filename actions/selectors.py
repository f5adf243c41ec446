"""Reads of actions that need thought: overdue and due-soon lists, and the cases a meeting should review."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, QuerySet

from actions.models import Action, ActionUpdate
from cmarac.accounts.models import Agency
from cmarac.cases.models import Case
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


_ACTION_OWN_COLUMNS = tuple(field.name for field in Action._meta.concrete_fields)

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
        .only(*_ACTION_OWN_COLUMNS, *ACTION_PAGE_JOINED_COLUMNS)
        .prefetch_related(Prefetch("updates", queryset=updates.order_by("-at", "-pk")))
    )


class _ActionRowState:
    """An action row read as values is open and overdue exactly as an Action is (Action.is_open,
    Action.is_overdue)."""

    __slots__ = ()
    status: str
    due_on: date

    @property
    def is_open(self) -> bool:
        return self.status in Action.OPEN_STATUSES

    def is_overdue(self, today: date) -> bool:
        return self.is_open and self.due_on < today


@dataclass(frozen=True, slots=True)
class ActionTableRow(_ActionRowState):
    """What a row of a table of one case's actions shows (actions/includes/case_actions.html: the
    case page, the agenda builder and the meeting screen; actions/templatetags/action_rows.py),
    and nothing else: not the case, agenda item and meeting, nor the owner's and officer's other
    columns. `case_id` groups a meeting's actions by case."""

    pk: int
    case_id: int
    description: str
    owner_name: str
    officer_name: str | None
    due_on: date
    status: str
    latest_update: tuple[str, datetime] | None  # (text, at)


_ACTION_TABLE_COLUMNS = ("pk", "case_id", "description", "owner__name", "officer__full_name", "due_on", "status")


def action_table_rows(actions: QuerySet[Action]) -> list[ActionTableRow]:
    """These actions, in their order, as a table of a case's actions shows them: two queries of
    plain values, the actions and their updates. Model instances with the owner and officer
    joined and the updates prefetched cost about 0.6 ms more on the case page (ADR 0039)."""
    rows = list(actions.values_list(*_ACTION_TABLE_COLUMNS))
    latest = _latest_updates([row[0] for row in rows])
    return [ActionTableRow(*row, latest_update=latest.get(row[0])) for row in rows]


def _latest_updates(ids: list[int]) -> dict[int, tuple[str, datetime]]:
    """Each of these actions' newest update (text, time), for those that have one: one query."""
    latest: dict[int, tuple[str, datetime]] = {}
    if ids:
        updates = ActionUpdate.objects.filter(action_id__in=ids).order_by("action_id", "-at", "-pk")
        for action_id, text, at in updates.values_list("action_id", "text", "at"):
            latest.setdefault(action_id, (text, at))  # the first of each action's is its newest
    return latest


def _updates_newest_first() -> Prefetch:
    return Prefetch("updates", queryset=ActionUpdate.objects.select_related("by").order_by("-at", "-pk"))


@dataclass(frozen=True, slots=True)
class ActionListRow(_ActionRowState):
    """What a row of the action list shows (actions/templatetags/action_rows.py), and nothing else:
    not the case's summary or search text, not the officer's other columns, not who wrote the
    latest update, not the meeting or its minutes."""

    pk: int
    case_reference: str
    description: str
    owner_name: str
    officer_name: str | None
    due_on: date
    status: str
    latest_update: tuple[str, datetime] | None  # (text, at)


_ACTION_LIST_COLUMNS = (
    "pk", "case__reference", "description", "owner__name", "officer__full_name", "due_on", "status",
)  # fmt: skip


def action_list_rows(ids: list[int]) -> list[ActionListRow]:
    """A page of the action list, found by id from the person's visible actions, as its rows show
    it, in the order of `ids`. Two queries of plain values: model instances and a prefetch cost
    twice as much for the same 25 rows (ADR 0039)."""
    if not ids:
        return []
    latest = _latest_updates(ids)
    found = {
        values[0]: ActionListRow(*values, latest_update=latest.get(values[0]))
        for values in Action.objects.filter(pk__in=ids).values_list(*_ACTION_LIST_COLUMNS)
    }
    return [found[pk] for pk in ids if pk in found]


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
        "actions": action_table_rows(Action.objects.visible_to(user).filter(case=case)),
        "may_manage": may_manage(user),
    }
