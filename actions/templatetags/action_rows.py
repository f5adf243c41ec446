"""The action list's rows written in Python (ADR 0039): a page is 25 rows of seven cells, which the
template loop took about 7 ms to write at 100,000 cases; this writes the same HTML in a tenth of
that. tests/test_template_speed.py compares the two, the loop kept under tests/field_template/.

    {% load action_rows %}{% action_rows actions %}

`actions` as the action list's view leaves them: case, owner and officer joined, with `overdue`
and `latest_update` set."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django import template
from django.template.defaultfilters import truncatechars
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from cmarac.core.dates import long_date
from cmarac.core.paths import path_maker

register = template.Library()

_NONE_NAMED = mark_safe('<span class="app-secondary-text">None named</span>')
_OVERDUE = mark_safe(' <strong class="govuk-tag govuk-tag--red">Overdue</strong>')
_NO_UPDATES = mark_safe('<span class="app-secondary-text">No updates yet</span>')
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


def _latest(update: Any) -> SafeString:
    if not update:
        return _NO_UPDATES
    at = timezone.localtime(update.at)  # as {{ at|date:"c" }} writes it: local time, ISO 8601
    return format_html(_LATEST, truncatechars(update.text, 100), at.isoformat(), long_date(update.at, "short"))


def _row(action: Any, case_path: Callable[[object], str], action_path: Callable[[object], str]) -> SafeString:
    case = action.case
    return format_html(
        _ROW,
        case_path(case.reference),  # case.get_absolute_url()
        case.reference,
        action_path(action.pk),  # action.get_absolute_url()
        truncatechars(action.description, 80),
        action.owner.name,
        action.officer.full_name if action.officer else _NONE_NAMED,
        long_date(action.due_on, "short"),
        _OVERDUE if action.overdue else "",
        action.status_tag_class,
        action.get_status_display(),
        _latest(action.latest_update),
    )


@register.simple_tag
def action_rows(actions: Iterable[Any]) -> SafeString:
    case_path, action_path = path_maker("cases:detail"), path_maker("actions:detail")
    # Each row is format_html: its values escaped, its markup our own.
    return mark_safe("".join(_row(action, case_path, action_path) for action in actions))  # noqa: S308
