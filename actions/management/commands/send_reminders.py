"""Run the daily action reminders by hand (the scheduled task runs the same job each morning).

    python manage.py send_reminders                 # today
    python manage.py send_reminders --date 2026-12-09

Safe to run again: each digest and escalation is sent at most once a day.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from actions.reminders import run_reminders


class Command(BaseCommand):
    help = "Send today's (or --date's) action digests, escalations and coordinators' digest, once each."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="The day to run for, YYYY-MM-DD (default: today).")

    def handle(self, *args: Any, date: str | None, **options: Any) -> None:
        try:
            today = _parse(date) if date else timezone.localdate()
        except ValueError:
            raise CommandError("Give the date as YYYY-MM-DD.") from None
        counts = run_reminders(today=today)
        self.stdout.write(
            f"{today:%Y-%m-%d}: {counts['agency_digests']} agency digest(s), {counts['escalations']} escalation(s), "
            f"{counts['coordinator_digests']} coordinator digest(s) sent."
        )


def _parse(text: str) -> date:
    return date.fromisoformat(text)
