"""Rows of meetings and of a meeting's agenda written in Python (ADR 0039). Each writes the HTML
its template loop wrote; tests/test_template_speed.py compares the two, the loops kept under
tests/field_template/.

The meetings list shows the soonest 24 upcoming meetings and a page of past ones:

    {% load meeting_rows %}{% meeting_rows meetings is_coordinator changeable %}

`meetings` annotated with visible_items (meetings/includes/meeting_table.html).

A meeting's page shows its agenda items the person may see, up to 25 or so:

    {% agenda_rows rows meeting is_chair %}

`rows` as meetings.views.meetings.meeting_detail makes them: {"item", "invitations",
"own_invitation"}."""

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


_AGENDA_ROW = (
    '<tr class="govuk-table__row">'
    '<th scope="row" class="govuk-table__header"><a class="govuk-link app-nowrap" href="{}">{}</a></th>'
    '<td class="govuk-table__cell">{}</td>'
    '<td class="govuk-table__cell govuk-table__cell--numeric">{}</td>'
    "{}"
    '<td class="govuk-table__cell">{}</td>'
    "</tr>"
)
_INVITED = '<li>{} <span class="app-secondary-text">({})</span></li>'
_NONE_INVITED = mark_safe('<td class="govuk-table__cell"><span class="app-secondary-text">None invited yet</span></td>')
_SHARE = (
    '<a class="govuk-link" href="{}">Share what your agency holds<span class="govuk-visually-hidden"> about {}'
    '</span></a><ul class="app-cell-tags"><li>{}</li></ul>'
)
_SHARED = mark_safe('<strong class="govuk-tag govuk-tag--green">Shared</strong>')
_NOT_YET_SHARED = mark_safe('<strong class="govuk-tag govuk-tag--yellow">Not yet shared</strong>')
_VIEW_SHARED = (
    '<a class="govuk-link" href="{}">View what agencies shared<span class="govuk-visually-hidden"> about {}</span></a>'
)


def _invited(invitations: list[dict[str, Any]]) -> SafeString:
    if not invitations:
        return _NONE_INVITED
    listed = "".join(
        format_html(_INVITED, row["agency"].name, "information shared" if row["shared"] else "not yet")
        for row in invitations
    )
    return mark_safe(f'<td class="govuk-table__cell"><ul class="app-cell-list">{listed}</ul></td>')  # noqa: S308


def _agenda_row(row: dict[str, Any], paths: dict[str, Callable[[object], str]], chair: bool) -> str:
    item = row["item"]
    reference = item.case.reference
    own = row["own_invitation"]
    if own:
        information: SafeString | str = format_html(
            _SHARE, paths["information"](item.pk), reference, _SHARED if own["shared"] else _NOT_YET_SHARED
        )
    elif chair:
        information = format_html(_VIEW_SHARED, paths["information"](item.pk), reference)
    else:
        information = ""
    return format_html(
        _AGENDA_ROW,
        paths["case"](reference),  # item.case.get_absolute_url()
        reference,
        item.get_item_type_display(),
        item.minutes_allotted,
        _invited(row["invitations"]) if chair else "",
        information,
    )


@register.simple_tag
def agenda_rows(rows: Iterable[dict[str, Any]], meeting: Any, is_chair: bool) -> SafeString:
    paths = {"case": path_maker("cases:detail"), "information": path_maker("meetings:information", meeting.pk)}
    # Each row is format_html: its values escaped, its markup our own.
    return mark_safe("".join(_agenda_row(row, paths, bool(is_chair)) for row in rows))  # noqa: S308
