"""Emails about meetings: counts and links, never anything about the people.

Queued in the outbox with the change that prompts them (ADR 0015), so a dead broker loses none.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Q, QuerySet

from cmarac.accounts.models import Agency
from cmarac.outbox.models import OutboxMessage
from cmarac.outbox.services import outbox_enqueue
from meetings.models import Meeting


def agenda_published(meeting: Meeting) -> OutboxMessage:
    from meetings.tasks import send_agenda_published

    return outbox_enqueue(send_agenda_published, meeting.pk)


def minutes_circulated(meeting: Meeting) -> OutboxMessage:
    from meetings.tasks import send_minutes_circulated

    return outbox_enqueue(send_minutes_circulated, meeting.pk)


def agenda_agencies(meeting: Meeting) -> QuerySet[Agency]:
    """The active agencies invited to this meeting's items, with how many items each."""
    return (
        Agency.objects.filter(is_active=True, agenda_invitations__item__meeting=meeting)
        .annotate(items=Count("agenda_invitations", distinct=True))
        .select_related("lead", "deputy")
    )


def agenda_recipients_exist(meeting: Meeting) -> bool:
    """Whether publishing this agenda emails anybody: an invited agency that can be told."""
    return any(agency.notify_addresses() for agency in agenda_agencies(meeting))


def agencies_nobody_can_tell(agencies: Iterable[Agency]) -> list[str]:
    """The names of these agencies that have no contact address and no active lead or deputy."""
    return sorted(agency.name for agency in agencies if not agency.notify_addresses())


def minutes_agencies(meeting: Meeting) -> QuerySet[Agency]:
    """Every active agency with an item or an action at this meeting, whether or not it attended:
    those that sent apologies and own actions most need the minutes."""
    return (
        Agency.objects.filter(is_active=True)
        .filter(Q(agenda_invitations__item__meeting=meeting) | Q(actions__agenda_item__meeting=meeting))
        .distinct()
        .select_related("lead", "deputy")
    )
