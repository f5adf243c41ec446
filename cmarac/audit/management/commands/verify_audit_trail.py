"""Check that no audit entry was altered, deleted or left unsealed (ADR 0016).

Exit status 0 when the chain holds, 1 when it does not; --alert also emails the auditors then.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cmarac.audit.chain import seal_and_verify
from cmarac.audit.tasks import alert_auditors, record_check


class Command(BaseCommand):
    help = "Verify the audit trail's seals: reports altered, deleted and unsealed entries by id."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--alert", action="store_true", help="Email the auditors when problems are found.")

    def handle(self, *args: Any, alert: bool, **options: Any) -> None:
        result = seal_and_verify()
        record_check(result)
        for problem in result.problems:
            self.stdout.write(f"  {problem}")
        if result.ok:
            self.stdout.write(self.style.SUCCESS(result.summary()))
            return
        if alert:
            alert_auditors(result)
        raise CommandError(result.summary())
