from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from actions.reminders import run_reminders


@shared_task(name="actions.send_reminders")
def send_reminders() -> dict[str, int]:
    """Daily: each agency's digest of due and overdue actions, escalations to the co-chairs and
    coordinators, and the coordinators' digest of agencies nobody can tell."""
    return run_reminders(today=timezone.localdate())
