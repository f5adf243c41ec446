from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import factory

from meetings.models import Meeting

LONDON = ZoneInfo("Europe/London")


class MeetingFactory(factory.django.DjangoModelFactory):
    """A scheduled monthly meeting, by default on Thursday 10 December 2026 at 10:00."""

    class Meta:
        model = Meeting

    kind = Meeting.Kind.SCHEDULED
    starts_at = factory.Sequence(lambda n: datetime(2026, 12, 10, 10, 0, tzinfo=LONDON).replace(year=2026 + n))
    scheduled_for = factory.SelfAttribute("starts_at")
    venue = "Committee Room 2, Town Hall"

    @classmethod
    def _create(cls, model_class: type[Meeting], *args: Any, **kwargs: Any) -> Meeting:
        return super()._create(model_class, *args, **kwargs)


class PastMeetingFactory(MeetingFactory):
    """A meeting whose day has come: only such a meeting can be recorded as held (its minutes,
    the confidentiality statement). Each one an hour after the last, from 11 January 2024."""

    starts_at = factory.Sequence(lambda n: datetime(2024, 1, 11, 10, 0, tzinfo=LONDON) + timedelta(hours=n))


def moved_to_the_past(meeting: Meeting, days: int = 7) -> Meeting:
    """The same meeting, its date put `days` ago, so it may be recorded as held."""
    from django.utils import timezone

    Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now() - timedelta(days=days))
    meeting.refresh_from_db()
    return meeting
