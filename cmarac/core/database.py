"""The application's own database role: it reads and writes rows, and owns nothing (ADR 0016).

Migrations run as the owner of the schema. The web server and workers connect as a role that
cannot create, alter, drop or truncate anything, cannot switch off a trigger, and never rewrites
the audit trail: no UPDATE or TRUNCATE on the audit tables. It may DELETE there only because the
retention policy removes entries older than the audit period; the append-only triggers refuse any
younger one (ADR 0011, ADR 0016).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import migrations
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

# Append-only for the application (but for the retention purge): the audit trail and its seals.
APPEND_ONLY_TABLES = ("auditlog_logentry", "audit_seal")


class RoleError(Exception):
    pass


def grant_app_access(connection: BaseDatabaseWrapper, role: str, *, password: str | None = None) -> None:
    """As the schema's owner, after `migrate`: give `role` what the application needs and no more.
    With `password`, create the role (LOGIN) if it does not exist yet. Safe to run again."""
    if connection.vendor != "postgresql":
        raise RoleError("Database roles are a PostgreSQL matter; SQLite has none.")
    from psycopg2 import sql

    name = sql.Identifier(role)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper OR rolcreaterole OR rolcreatedb OR rolbypassrls FROM pg_roles WHERE rolname = %s", [role]
        )
        found = cursor.fetchone()
        if found is None:
            if password is None:
                raise RoleError(f"There is no role {role!r}: create it, or pass a password to have it created.")
            cursor.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD %s").format(name), [password])
        elif found[0]:
            raise RoleError(f"Role {role!r} is a superuser or may create roles or databases: use a plain role.")
        cursor.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = %s", [role]
        )
        if cursor.fetchone()[0]:
            raise RoleError(f"Role {role!r} owns tables: the application's role must own nothing.")
        cursor.execute("SELECT current_user = %s", [role])
        if cursor.fetchone()[0]:
            raise RoleError("Run this as the schema's owner, not as the application's role.")
        statements = [
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
                sql.Identifier(connection.settings_dict["NAME"]), name
            ),
            sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(name),
            sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(name),
            sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(name),
            sql.SQL("REVOKE CREATE ON SCHEMA public FROM {}").format(name),
            sql.SQL("REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM {}").format(name),
            sql.SQL("REVOKE UPDATE ON {} FROM {}").format(
                sql.SQL(", ").join(sql.Identifier(table) for table in APPEND_ONLY_TABLES), name
            ),
        ]
        for statement in statements:
            cursor.execute(statement)


def postgresql_only(forwards: str, backwards: str) -> migrations.RunPython:
    """A migration step of raw SQL (triggers, functions) that only PostgreSQL has: run there, and a
    no-op on SQLite, whose tests rely on the service's own checks instead. The SQL is executed
    without parameters, so a % in it is literal."""

    def run(sql: str) -> Callable[[Any, BaseDatabaseSchemaEditor], None]:
        def step(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
            if schema_editor.connection.vendor == "postgresql":
                schema_editor.execute(sql, params=None)

        return step

    return migrations.RunPython(run(forwards), run(backwards))
