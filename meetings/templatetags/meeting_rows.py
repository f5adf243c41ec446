"""The meetings list's rows written in Python (ADR 0039): the list shows the soonest 24 upcoming
meetings and a page of past ones. This writes the HTML the template loop wrote;
tests/test_template_speed.py compares the two, the loop kept under tests/field_template/.

    {% load meeting_rows %}{% meeting_rows meetings is_coordinator changeable %}

`meetings` annotated with visible_items (meetings/includes/meeting_table.html)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from cmarac.core.dates import clock_time, long_date
from cmarac.core.paths import path_maker

register = template.Library()

_NOT_SET = mark_safe('<span class="app-secondary-text">Not set</span>')
_ROW = (
    '<tr class="govuk-table__row">'
    '<th scope="row" class="govuk-table__header"><a class="govuk-link" href="{}">{}'
    '<span class="govuk-visually-hidden">,</span> {}</a></th>'
    '<td class="govuk-table__cell">{}</td>'
    '<td class="govuk-table__cell"><strong class="govuk-tag {}">{}</strong></td>'
    '<td class="govuk-table__cell">{}</td>'
    '<td class="govuk-table__cell govuk-table__cell--numeric">{}</td>'
    "{}</tr>"
)
_CHANGE = (
    '<td class="govuk-table__cell"><ul class="app-cell-list">'
    '<li><a class="govuk-link" href="{}">Change<span class="govuk-visually-hidden"> meeting on {}</span></a></li>'
    '<li><a class="govuk-link" href="{}">Cancel<span class="govuk-visually-hidden"> meeting on {}</span></a></li>'
    "</ul></td>"
)
_NO_CHANGE = mark_safe('<td class="govuk-table__cell"></td>')


def _venue(meeting: Any) -> Any:
    if meeting.venue:
        return meeting.venue
    return "Online" if meeting.online_link else _NOT_SET


def _row(
    meeting: Any, paths: dict[str, Callable[[object], str]], coordinator: bool, changeable: Collection[str]
) -> str:
    links: SafeString | str = ""
    if coordinator:
        day = long_date(meeting.starts_at)
        links = (
            format_html(_CHANGE, paths["change"](meeting.pk), day, paths["cancel"](meeting.pk), day)
            if meeting.status in changeable
            else _NO_CHANGE
        )
    return format_html(
        _ROW,
        paths["detail"](meeting.pk),  # meeting.get_absolute_url()
        long_date(meeting.starts_at, "short_day"),
        clock_time(meeting.starts_at),
        meeting.get_kind_display(),
        meeting.status_tag_class,
        meeting.get_status_display(),
        _venue(meeting),
        meeting.visible_items,
        links,
    )


@register.simple_tag
def meeting_rows(meetings: Iterable[Any], is_coordinator: bool, changeable: Collection[str]) -> SafeString:
    paths = {name: path_maker(f"meetings:{name}") for name in ("detail", "change", "cancel")}
    # Each row is format_html: its values escaped, its markup our own.
    return mark_safe("".join(_row(meeting, paths, bool(is_coordinator), changeable) for meeting in meetings))  # noqa: S308
