from __future__ import annotations

from datetime import datetime
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
