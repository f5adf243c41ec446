"""Once, after upgrading to private files kept in a storage every machine reaches (ADR 0038): copy
the packs and subject access exports still in the old local folder into that storage, and delete
them from the disk. Run it on the machine whose PRIVATE_FILES_DIR held them (the pack worker's).

    python manage.py move_private_files [--dry-run]

A pack or export whose file is not moved is shown as no longer available, and its person asks
again; packs last days, so skipping this command loses nothing that cannot be made again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from cmarac.core.files import move_folder_to_storage

# The folders the service wrote under PRIVATE_FILES_DIR before: meetings' packs, governance's exports.
FOLDERS = ("packs", "subject-access")


class Command(BaseCommand):
    help = "Move generated files left in the local PRIVATE_FILES_DIR into the private files' storage."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--folder", help="The old private folder (default: PRIVATE_FILES_DIR).")
        parser.add_argument("--dry-run", action="store_true", help="Count the files; move nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        folder = Path(options["folder"] or settings.PRIVATE_FILES_DIR)
        moved = move_folder_to_storage(folder, FOLDERS, dry_run=options["dry_run"])
        verb = "would move" if options["dry_run"] else "moved"
        self.stdout.write(f"{verb} {len(moved)} file{'' if len(moved) == 1 else 's'} from {folder}")
