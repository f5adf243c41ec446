from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from actions.reminders import send_agency_digests, send_escalations


@shared_task(name="actions.send_reminders")
def send_reminders() -> dict[str, int]:
    """Daily: each agency's digest of due and overdue actions, and escalations to the co-chairs."""
    today = timezone.localdate()
    return {"agency_digests": send_agency_digests(today=today), "escalations": send_escalations(today=today)}
