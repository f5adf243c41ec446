"""Dates and times are written one way everywhere, the GOV.UK way: "10 December 2026", "10am",
"12:35pm", "midday"; no leading zeros; in the service's time zone."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template

from cmarac.core.dates import clock_time, date_and_time, long_date

LONDON, UTC = ZoneInfo("Europe/London"), ZoneInfo("UTC")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (time(10, 0), "10am"),
        (time(9, 5), "9:05am"),
        (time(12, 35), "12:35pm"),
        (time(12, 0), "midday"),
        (time(0, 0), "midnight"),
        (time(0, 30), "12:30am"),
        (time(23, 59), "11:59pm"),
        (datetime(2026, 7, 1, 9, 0, tzinfo=UTC), "10am"),  # British Summer Time
        (None, ""),
    ],
)
def test_times(value, expected) -> None:
    assert clock_time(value) == expected


def test_dates_have_no_leading_zero_and_are_in_london() -> None:
    assert long_date(date(2026, 12, 5)) == "5 December 2026"
    assert long_date(date(2026, 12, 5), "day") == "Saturday 5 December 2026"
    assert long_date(date(2026, 12, 5), "short") == "5 Dec 2026"
    assert long_date(date(2026, 12, 5), "short_day") == "Sat 5 Dec 2026"
    assert long_date(datetime(2026, 6, 30, 23, 30, tzinfo=UTC)) == "1 July 2026"  # already tomorrow in London
    assert date_and_time(datetime(2026, 12, 10, 10, 0, tzinfo=LONDON), "day") == "Thursday 10 December 2026 at 10am"
    assert long_date("2026-12-05") == ""  # not a date: nothing, as Django's own filters


def test_every_template_has_the_filters_without_loading_them() -> None:
    moment = datetime(2026, 12, 10, 12, 35, tzinfo=LONDON)
    rendered = Template(
        "{{ moment|govuk_date }}|{{ moment|govuk_time }}|"
        "{{ moment|govuk_datetime:'short' }}|{{ moment|govuk_date:'day' }}"
    ).render(Context({"moment": moment}))
    assert rendered == "10 December 2026|12:35pm|10 Dec 2026 at 12:35pm|Thursday 10 December 2026"


def test_no_template_writes_a_24_hour_clock_or_a_leading_zero() -> None:
    from pathlib import Path

    templates = Path(__file__).resolve().parents[1] / "templates"
    offenders = [
        str(path.relative_to(templates))
        for path in templates.rglob("*")
        if path.is_file()
        and path.name != "audit_trail.html"  # the audit trail keeps the second of each entry
        and re.search(r"""\|(date|time):["'](|[^"']*[ ,])(H|H:i|d|G)[ :,"']""", path.read_text())
    ]
    assert offenders == []


@pytest.mark.parametrize("style", ["", "day", "short", "short_day"])
def test_each_style_writes_what_djangos_date_filter_wrote(style) -> None:
    """The templates' dates moved from Django's `date` filter to these: the same text, every day of
    a year, summer time included."""
    from datetime import timedelta

    formats = {"": "j F Y", "day": "l j F Y", "short": "j M Y", "short_day": "D j M Y"}
    template = Template(f"{{{{ moment|date:'{formats[style]}' }}}}")
    first = datetime(2026, 1, 1, 23, 30, tzinfo=UTC)
    for offset in range(366):
        moment = first + timedelta(days=offset)
        assert long_date(moment, style) == template.render(Context({"moment": moment})), moment


@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 7, 1, 9, 0, tzinfo=UTC),  # summer time: 10:00+01:00 in London
        datetime(2026, 12, 10, 23, 59, 58, 123456, tzinfo=UTC),  # microseconds kept, as Django keeps them
        datetime(2026, 12, 10, 10, 0),  # noqa: DTZ001 (naive: left as it is)
        date(2026, 12, 5),
        None,
        "",
    ],
)
def test_a_times_machine_readable_value_is_what_djangos_date_c_wrote(value) -> None:
    """<time datetime="..."> moved from Django's `date:'c'` to `iso`: the same text."""
    context = Context({"value": value})
    assert Template("{{ value|iso }}").render(context) == Template("{{ value|date:'c' }}").render(context)
    assert Template("{{ value|iso }}").render(Context({"value": datetime(2026, 7, 1, 9, 0, tzinfo=UTC)})) == (
        "2026-07-01T10:00:00+01:00"
    )
