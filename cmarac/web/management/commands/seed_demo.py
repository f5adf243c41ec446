from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cmarac.web.demo import DemoDataNotAllowed, seed_demo


class Command(BaseCommand):
    help = "Create or refresh the demo partnership: agencies, and a synthetic user for every role."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            people = seed_demo()
        except DemoDataNotAllowed as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS("Demo data is ready. Demo sign-ins (all share one password):"))
        width = max(len(p.email) for p in people)
        for person in people:
            roles = ", ".join(role.label for role in person.roles)
            where = f" ({person.agency})" if person.agency else ""
            self.stdout.write(f"  {person.email.ljust(width)}  {roles}{where}")
        self.stdout.write(f"  Password: {settings.DEMO_PASSWORD}")
        self.stdout.write(
            f"  Second factor: add the key {settings.DEMO_TOTP_SECRET} to an authenticator app (time-based, 6 digits),"
        )
        self.stdout.write("  or run `python manage.py demo_code` for the current code.")
