"""The action list's rows written in Python (ADR 0039): a page is 25 rows of seven cells, which the
template loop took about 7 ms to write at 100,000 cases; this writes the same HTML in a tenth of
that. tests/test_template_speed.py compares the two, the loop kept under tests/field_template/.

    {% load action_rows %}{% action_rows actions today %}

`actions` as the action list's view leaves them: actions.selectors.ActionListRow, read as values
by action_list_rows; `today` the day the view counted overdue actions by.

And the rows of a table of one case's actions (actions/includes/case_actions.html, on the case
page, the agenda builder and the meeting screen), where each action's row took three includes:

    {% case_action_rows actions show_review review_next %}

`actions` as actions.selectors.action_table_rows leaves them: ActionTableRows, read as values."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime

from django import template
from django.template.defaultfilters import urlencode
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from actions.models import Action, status_tag_class
from actions.selectors import ActionListRow, ActionTableRow
from cmarac.core.dates import long_date
from cmarac.core.paths import path_maker
from cmarac.core.text import truncate_chars

register = template.Library()

_NONE_NAMED = mark_safe('<span class="app-secondary-text">None named</span>')
_OVERDUE = mark_safe(' <strong class="govuk-tag govuk-tag--red">Overdue</strong>')
_NO_UPDATES = mark_safe('<span class="app-secondary-text">No updates yet</span>')
_STATUS_LABELS = dict(Action.Status.choices)
_ROW = (
    '<tr class="govuk-table__row">'
    '<td class="govuk-table__cell"><a class="govuk-link app-nowrap" href="{}">{}</a></td>'
    '<td class="govuk-table__cell"><a class="govuk-link" href="{}">{}</a></td>'
    '<td class="govuk-table__cell">{}</td>'
    '<td class="govuk-table__cell">{}</td>'
    '<td class="govuk-table__cell"><span class="app-nowrap">{}</span>{}</td>'
    '<td class="govuk-table__cell"><strong class="govuk-tag {}">{}</strong></td>'
    '<td class="govuk-table__cell">{}</td>'
    "</tr>"
)
_LATEST = '{} <span class="app-secondary-text app-nowrap">(<time datetime="{}">{}</time>)</span>'


def _latest(update: tuple[str, datetime] | None) -> SafeString:
    if not update:
        return _NO_UPDATES
    text, moment = update
    at = timezone.localtime(moment)  # as {{ at|date:"c" }} writes it: local time, ISO 8601
    return format_html(_LATEST, truncate_chars(text, 100), at.isoformat(), long_date(moment, "short"))


def _row(
    action: ActionListRow, today: date, case_path: Callable[[object], str], action_path: Callable[[object], str]
) -> SafeString:
    return format_html(
        _ROW,
        case_path(action.case_reference),  # case.get_absolute_url()
        action.case_reference,
        action_path(action.pk),  # action.get_absolute_url()
        truncate_chars(action.description, 80),
        action.owner_name,
        action.officer_name if action.officer_name is not None else _NONE_NAMED,
        long_date(action.due_on, "short"),
        _OVERDUE if action.is_overdue(today) else "",
        status_tag_class(action.status),
        _STATUS_LABELS.get(action.status, action.status),
        _latest(action.latest_update),
    )


@register.simple_tag
def action_rows(actions: Iterable[ActionListRow], today: date) -> SafeString:
    case_path, action_path = path_maker("cases:detail"), path_maker("actions:detail")
    # Each row is format_html: its values escaped, its markup our own.
    return mark_safe("".join(_row(action, today, case_path, action_path) for action in actions))  # noqa: S308


_CASE_ACTION_ROW = (
    '<tr class="govuk-table__row">'
    '<td class="govuk-table__cell"><a class="govuk-link" href="{}">{}</a></td>'
    '<td class="govuk-table__cell">{}{}</td>'
    '<td class="govuk-table__cell"><span class="app-nowrap">{}</span>{}</td>'
    '<td class="govuk-table__cell"><strong class="govuk-tag {}">{}</strong></td>'
    '<td class="govuk-table__cell">{}</td>'
    "{}"
    "</tr>"
)
_OFFICER = ' <br><span class="app-secondary-text">{}</span>'
_REVIEW = (
    '<td class="govuk-table__cell"><a class="govuk-link" href="{}">Review'
    '<span class="govuk-visually-hidden"> action: {}</span></a></td>'
)
_NO_REVIEW = mark_safe('<td class="govuk-table__cell"></td>')


def _case_action_row(
    action: ActionTableRow, today: date, paths: dict[str, Callable[[object], str]], review_next: str | None
) -> SafeString:
    review: SafeString | str = ""
    if review_next is not None:
        review = _NO_REVIEW
        if action.is_open:
            link = paths["review"](action.pk) + (f"?next={urlencode(review_next)}" if review_next else "")
            review = format_html(_REVIEW, link, truncate_chars(action.description, 60))
    return format_html(
        _CASE_ACTION_ROW,
        paths["detail"](action.pk),  # action.get_absolute_url()
        truncate_chars(action.description, 80),
        action.owner_name,
        format_html(_OFFICER, action.officer_name) if action.officer_name is not None else "",
        long_date(action.due_on, "short"),
        _OVERDUE if action.is_overdue(today) else "",  # as overdue_tag.html
        status_tag_class(action.status),
        _STATUS_LABELS.get(action.status, action.status),
        _latest(action.latest_update),
        review,
    )


@register.simple_tag
def case_action_rows(actions: Iterable[ActionTableRow], show_review: bool = False, review_next: str = "") -> SafeString:
    """`show_review`: a Review link on each open action, back to `review_next` if given."""
    paths = {"detail": path_maker("actions:detail"), "review": path_maker("actions:review")}
    today = timezone.localdate()  # the local day, as overdue_tag.html's {% now %}
    rows = (_case_action_row(action, today, paths, (review_next or "") if show_review else None) for action in actions)
    # Each row is format_html: its values escaped, its markup our own.
    return mark_safe("".join(rows))  # noqa: S308
