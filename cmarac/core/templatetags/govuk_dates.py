"""Template filters for dates and times written the GOV.UK way (cmarac/core/dates.py), built in
to every template (settings.TEMPLATES "builtins"):

    {{ day|govuk_date }}             10 December 2026
    {{ day|govuk_date:"day" }}       Thursday 10 December 2026
    {{ day|govuk_date:"short" }}     10 Dec 2026 (tables)
    {{ day|govuk_date:"short_day" }} Thu 10 Dec 2026 (tables of meetings)
    {{ moment|govuk_time }}          10am, 12:35pm, midday
    {{ moment|govuk_datetime }}      10 December 2026 at 10am ("day" and "short" as govuk_date)
    {{ moment|iso }}                 2026-12-10T10:00:00+00:00 (a <time>'s datetime attribute)
"""

from __future__ import annotations

from django import template

from cmarac.core.dates import clock_time, date_and_time, long_date, machine_readable

register = template.Library()
register.filter("govuk_date", long_date)
register.filter("govuk_time", clock_time)
register.filter("govuk_datetime", date_and_time)
register.filter("iso", machine_readable)
