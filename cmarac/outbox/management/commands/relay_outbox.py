"""Hand over the outbox messages that are due, and run the sweepers (ADR 0015).

Run by hand, from cron, or with --every as a small service where there is no Celery beat. Without
a broker the tasks run here, inline.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from cmarac.outbox.services import outbox_relay, run_named_task


class Command(BaseCommand):
    help = "Hand the outbox's due messages to Celery (inline without a broker) and run the sweepers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=int, default=0, help="Repeat every this many seconds, until stopped.")

    def handle(self, *args: Any, every: int, **options: Any) -> None:
        while True:
            handed = outbox_relay()
            swept = {name: run_named_task(name) for name in settings.OUTBOX_RELAY_SWEEPERS}
            done = ", ".join(f"{name}: {result}" for name, result in swept.items())
            self.stdout.write(
                f"Handed over {handed} message{'' if handed == 1 else 's'}." + (f" {done}" if done else "")
            )
            if every <= 0:
                return
            time.sleep(every)
