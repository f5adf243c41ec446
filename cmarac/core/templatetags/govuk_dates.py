"""Dates and times written the GOV.UK way, one way everywhere: "10 December 2026", "10am",
"12:35pm", "midday", "Thursday 10 December 2026 at 10am" (https://www.gov.uk/guidance/style-guide/a-to-z#dates,
#times). Aware datetimes are shown in the service's time zone (Europe/London)."""

from __future__ import annotations

from datetime import date, datetime, time

from django import template
from django.utils import timezone

register = template.Library()


def _local(value: datetime) -> datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


@register.filter
def govuk_date(value: date | datetime | None, style: str = "") -> str:
    """10 December 2026; with "day", Thursday 10 December 2026; with "short", 10 Dec 2026."""
    if not isinstance(value, date):
        return ""
    if isinstance(value, datetime):
        value = _local(value).date()
    month = f"{value:%b}" if style == "short" else f"{value:%B}"
    text = f"{value.day} {month} {value.year}"
    return f"{value:%A} {text}" if style == "day" else text


@register.filter
def govuk_time(value: time | datetime | None) -> str:
    """10am, 12:35pm, midday, midnight: no leading zero, no ":00"."""
    if isinstance(value, datetime):
        value = _local(value).time()
    if not isinstance(value, time):
        return ""
    if (value.hour, value.minute) == (12, 0):
        return "midday"
    if (value.hour, value.minute) == (0, 0):
        return "midnight"
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    return f"{hour}{suffix}" if value.minute == 0 else f"{hour}:{value.minute:02d}{suffix}"


@register.filter
def govuk_datetime(value: datetime | None, style: str = "") -> str:
    """10 December 2026 at 10am (style as govuk_date: "day" or "short")."""
    if not isinstance(value, datetime):
        return ""
    return f"{govuk_date(value, style)} at {govuk_time(value)}"
