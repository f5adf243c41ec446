"""When the panel meets, and which meeting a referral is in time for.

The rule is configuration (Haringey meets on the second Thursday, Islington on the second
Wednesday). All arithmetic is in local wall-clock time, Europe/London: a deadline ten days
before a 10:00 meeting is 10:00 on that earlier day, whatever the clocks did in between.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from cmarac.core.dates import clock_time


@dataclass(frozen=True)
class MeetingRule:
    weekday: int  # Monday is 0
    week_of_month: int  # 1 to 4: the first, second... such weekday of the month
    start: time
    deadline_days: int
    zone: ZoneInfo

    def describe(self) -> str:
        ordinal = {1: "first", 2: "second", 3: "third", 4: "fourth"}[self.week_of_month]
        return f"the {ordinal} {calendar.day_name[self.weekday]} of each month at {clock_time(self.start)}"


def rule_from_settings() -> MeetingRule:
    hours, minutes = (int(part) for part in settings.MEETING_TIME.split(":"))
    return MeetingRule(
        weekday=settings.MEETING_WEEKDAY,
        week_of_month=settings.MEETING_WEEK_OF_MONTH,
        start=time(hours, minutes),
        deadline_days=settings.REFERRAL_DEADLINE_DAYS,
        zone=ZoneInfo(settings.TIME_ZONE),
    )


def meeting_day(year: int, month: int, rule: MeetingRule) -> date:
    first = date(year, month, 1)
    offset = (rule.weekday - first.weekday()) % 7
    return first + timedelta(days=offset + 7 * (rule.week_of_month - 1))


def meeting_start(year: int, month: int, rule: MeetingRule) -> datetime:
    return datetime.combine(meeting_day(year, month, rule), rule.start, tzinfo=rule.zone)


def meetings_from(moment: datetime, rule: MeetingRule) -> Iterator[datetime]:
    """Scheduled meeting starts after `moment`, in order, without end."""
    local = moment.astimezone(rule.zone)
    year, month = local.year, local.month
    while True:
        start = meeting_start(year, month, rule)
        if start > moment:
            yield start
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def referral_deadline(start: datetime, rule: MeetingRule) -> datetime:
    """The last moment a referral can arrive to be heard at the meeting starting at `start`."""
    local = start.astimezone(rule.zone)
    earlier = datetime.combine(local.date() - timedelta(days=rule.deadline_days), local.time(), tzinfo=rule.zone)
    return earlier


@dataclass(frozen=True)
class MeetingSlot:
    start: datetime
    deadline: datetime
    is_late: bool  # missed the deadline of the meeting before this one


def slot_for_referral(submitted_at: datetime, rule: MeetingRule | None = None) -> MeetingSlot:
    """The meeting a referral submitted at this moment is heard at (a deadline met exactly is in time)."""
    rule = rule or rule_from_settings()
    upcoming = meetings_from(submitted_at, rule)
    first = next(upcoming)
    if submitted_at <= referral_deadline(first, rule):
        return MeetingSlot(start=first, deadline=referral_deadline(first, rule), is_late=False)
    following = next(upcoming)
    return MeetingSlot(start=following, deadline=referral_deadline(following, rule), is_late=True)
