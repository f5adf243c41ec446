from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from cmarac.governance.sharing import sharing_lapses_notify


class Command(BaseCommand):
    help = "Email the co-chairs the agencies whose information sharing agreement has newly lapsed (once per lapse)."

    def handle(self, *args: Any, **options: Any) -> None:
        told = sharing_lapses_notify()
        self.stdout.write(f"{told} lapsed agreement{'' if told == 1 else 's'} told to the co-chairs")
