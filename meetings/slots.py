from __future__ import annotations

from datetime import datetime

from meetings.models import Meeting


def meeting_for_slot(slot: datetime) -> Meeting | None:
    """The meeting record of a scheduled slot (where it has moved, its new date), if it exists."""
    return Meeting.objects.filter(kind=Meeting.Kind.SCHEDULED, scheduled_for=slot).first()
