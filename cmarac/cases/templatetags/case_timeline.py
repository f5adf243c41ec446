"""A case's timeline written in Python (ADR 0039): a case of a few years has dozens of events, each
of which the template loop wrote one variable lookup and filter at a time (0.5 ms for 26). This
writes the same HTML; tests/test_template_speed.py compares the two, the loop kept under
tests/field_template/.

    {% load case_timeline %}{% case_timeline events %}

`events` as cmarac.cases.selectors.case_page_history leaves them: dicts of the event's kind label,
description, moment and actor (id and name)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import template
from django.template.defaultfilters import linebreaksbr
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from cmarac.core.dates import date_and_time, machine_readable

register = template.Library()

_ITEM = (
    '<div class="moj-timeline__item"><div class="moj-timeline__header"><h3 class="moj-timeline__title">{}</h3>{}'
    '</div><p class="moj-timeline__date"><time datetime="{}">{}</time></p>{}</div>'
)
_BYLINE = '<p class="moj-timeline__byline">by {}</p>'
_DESCRIPTION = '<div class="moj-timeline__description">{}</div>'


def _item(event: Mapping[str, Any]) -> SafeString:
    moment = event["occurred_at"]
    return format_html(
        _ITEM,
        event["kind_label"],
        format_html(_BYLINE, event["actor__full_name"]) if event["actor"] else "",
        machine_readable(moment),
        date_and_time(moment),
        format_html(_DESCRIPTION, linebreaksbr(event["description"], autoescape=True)) if event["description"] else "",
    )


@register.simple_tag
def case_timeline(events: Iterable[Mapping[str, Any]]) -> SafeString:
    # Each item is format_html: its values escaped, its markup our own.
    return mark_safe("".join(_item(event) for event in events))  # noqa: S308
