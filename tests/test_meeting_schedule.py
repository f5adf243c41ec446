"""The monthly schedule and referral deadlines, in Europe/London wall-clock time."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from cmarac.core.schedule import MeetingRule, meeting_day, referral_deadline, slot_for_referral

LONDON = ZoneInfo("Europe/London")
SECOND_THURSDAY = MeetingRule(weekday=3, week_of_month=2, start=time(10, 0), deadline_days=10, zone=LONDON)
SECOND_WEDNESDAY = MeetingRule(weekday=2, week_of_month=2, start=time(10, 0), deadline_days=10, zone=LONDON)


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (
            SECOND_THURSDAY,
            [
                date(2026, m, d)
                for m, d in [
                    (1, 8),
                    (2, 12),
                    (3, 12),
                    (4, 9),
                    (5, 14),
                    (6, 11),
                    (7, 9),
                    (8, 13),
                    (9, 10),
                    (10, 8),
                    (11, 12),
                    (12, 10),
                ]
            ],
        ),
        (
            SECOND_WEDNESDAY,
            [
                date(2026, m, d)
                for m, d in [
                    (1, 14),
                    (2, 11),
                    (3, 11),
                    (4, 8),
                    (5, 13),
                    (6, 10),
                    (7, 8),
                    (8, 12),
                    (9, 9),
                    (10, 14),
                    (11, 11),
                    (12, 9),
                ]
            ],
        ),
    ],
)
def test_meeting_days_across_a_year(rule: MeetingRule, expected: list[date]) -> None:
    assert [meeting_day(2026, month, rule) for month in range(1, 13)] == expected


def test_deadline_is_ten_days_before_at_the_same_wall_clock_time_across_the_clock_change() -> None:
    # Meeting Thursday 9 April 2026 10:00 BST; the clocks went forward on 29 March.
    meeting = at(2026, 4, 9, 10, 0)
    assert referral_deadline(meeting, SECOND_THURSDAY) == at(2026, 3, 30, 10, 0)
    # And back: meeting 12 November 2026 (GMT), clocks went back on 25 October.
    assert referral_deadline(at(2026, 11, 12, 10, 0), SECOND_THURSDAY) == at(2026, 11, 2, 10, 0)
    # A deadline across the change itself: meeting 8 April 2027? 2027's second Thursday in April is the 8th,
    # deadline 29 March 2027 10:00 BST, the day after the clocks change (28 March 2027).
    assert referral_deadline(at(2027, 4, 8, 10, 0), SECOND_THURSDAY).utcoffset() == timedelta(hours=1)


@pytest.mark.parametrize(
    ("submitted", "meeting", "late"),
    [
        (at(2026, 3, 30, 9, 59), at(2026, 4, 9, 10, 0), False),  # a minute before the deadline
        (at(2026, 3, 30, 10, 0), at(2026, 4, 9, 10, 0), False),  # exactly at the deadline: in time
        (at(2026, 3, 30, 10, 1), at(2026, 5, 14, 10, 0), True),  # a minute after: the following meeting
        (at(2026, 3, 29, 1, 30), at(2026, 4, 9, 10, 0), False),  # in the hour the clocks jump
        (at(2026, 4, 9, 10, 30), at(2026, 5, 14, 10, 0), False),  # after a meeting: the next one, in time
    ],
)
def test_a_referral_goes_to_the_meeting_whose_deadline_it_meets(submitted, meeting, late) -> None:
    slot = slot_for_referral(submitted, SECOND_THURSDAY)
    assert (slot.start, slot.is_late) == (meeting, late)


def test_deadline_in_utc_terms_moves_with_summer_time() -> None:
    # 10:00 BST is 09:00 UTC: a submission at 09:30 UTC on the deadline day is late.
    utc = ZoneInfo("UTC")
    assert slot_for_referral(datetime(2026, 3, 30, 9, 0, tzinfo=utc), SECOND_THURSDAY).is_late is False
    assert slot_for_referral(datetime(2026, 3, 30, 9, 30, tzinfo=utc), SECOND_THURSDAY).is_late is True


def test_the_rule_comes_from_settings(settings) -> None:
    from cmarac.core.schedule import rule_from_settings

    settings.MEETING_WEEKDAY, settings.MEETING_TIME, settings.REFERRAL_DEADLINE_DAYS = 2, "09:30", 7
    rule = rule_from_settings()
    assert (rule.weekday, rule.start, rule.deadline_days) == (2, time(9, 30), 7)
    assert rule.describe() == "the second Wednesday of each month at 9:30am"
