from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cmarac.web.demo import demo_totp_code


class Command(BaseCommand):
    help = "Print the second-factor code the demo accounts' authenticator app shows now (demo systems only)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError("The demo key is published: there is no demo code unless DEMO_DATA_ALLOWED=true.")
        self.stdout.write(f"{demo_totp_code()}  (changes every 30 seconds; each code works once per account)")
