from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cmarac.core.schedule import rule_from_settings
from meetings.services import meetings_generate


class Command(BaseCommand):
    help = "Create the scheduled monthly meetings of the coming months that do not exist yet (safe to repeat)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--months", type=int, default=12)

    def handle(self, *args: Any, months: int, **options: Any) -> None:
        created = meetings_generate(months=months)
        self.stdout.write(f"{created} meeting(s) created; the panel meets {rule_from_settings().describe()}.")
