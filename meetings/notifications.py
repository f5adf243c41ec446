"""Emails about meetings: counts and links, never anything about the people."""

from __future__ import annotations

from meetings.models import Meeting


def agenda_published(meeting: Meeting) -> None:
    from meetings.tasks import send_agenda_published

    send_agenda_published.delay_on_commit(meeting.pk)


def minutes_circulated(meeting: Meeting) -> None:
    from meetings.tasks import send_minutes_circulated

    send_minutes_circulated.delay_on_commit(meeting.pk)
