"""Run as the schema's owner after `migrate`: the application's role gets rows, not the schema.

DATABASE_URL=postgres://owner@host/cmarac python manage.py grant_app_database_access --role cmarac_app
"""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from cmarac.core.database import RoleError, grant_app_access


class Command(BaseCommand):
    help = "Grant the application's database role what it needs and no more (PostgreSQL; run as the owner)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--role", default=os.environ.get("APP_DATABASE_ROLE", ""), help="The application's role.")
        parser.add_argument(
            "--password-from-env",
            metavar="VARIABLE",
            default="",
            help="Create the role if it is missing, with the password in this environment variable.",
        )

    def handle(self, *args: Any, role: str, password_from_env: str, **options: Any) -> None:
        if not role:
            raise CommandError("Name the application's role with --role or APP_DATABASE_ROLE.")
        password = None
        if password_from_env:
            password = os.environ.get(password_from_env) or None
            if password is None:
                raise CommandError(f"{password_from_env} is not set.")
        try:
            with transaction.atomic():
                grant_app_access(connection, role, password=password)
        except RoleError as refused:
            raise CommandError(str(refused)) from None
        self.stdout.write(self.style.SUCCESS(f"Role {role} may read and write rows; it owns nothing."))
