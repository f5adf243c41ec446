"""python manage.py apply_retention [--date YYYY-MM-DD] [--dry-run] [--by EMAIL]"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cmarac.accounts.models import User
from cmarac.governance.retention_services import retention_apply


class Command(BaseCommand):
    help = (
        "Anonymise the closed cases and delete the referrals whose retention period has ended, "
        "except those on hold. Prints references only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--date",
            help=(
                "Apply the policy to cases and referrals as on this day (YYYY-MM-DD); default today. "
                "Audit entries always go by the real clock, as the database checks them."
            ),
        )
        parser.add_argument("--dry-run", action="store_true", help="List what would be done; change nothing.")
        parser.add_argument("--by", metavar="EMAIL", help="Record this person, not the retention job, as the actor.")

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options["date"]:
            try:
                today = date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError("--date must be a date such as 2032-01-31") from None
        by = None
        if options["by"]:
            by = User.objects.filter(email__iexact=options["by"], is_active=True).first()
            if by is None:
                raise CommandError("No active user has that email address")
        run = retention_apply(today=today, by=by, dry_run=options["dry_run"])
        verb = "Would anonymise" if options["dry_run"] else "Anonymised"
        self.stdout.write(f"{verb} {len(run.anonymised)} case(s): {' '.join(run.anonymised) or '-'}")
        verb = "Would delete" if options["dry_run"] else "Deleted"
        self.stdout.write(f"{verb} {len(run.removed)} record(s): {' '.join(run.removed) or '-'}")
        verb = "Would delete" if options["dry_run"] else "Deleted"
        self.stdout.write(f"{verb} {run.audit_entries_deleted} audit entries older than the audit retention period")
        if run.failed:
            raise CommandError(f"Failed, left as they were: {' '.join(run.failed)}")
