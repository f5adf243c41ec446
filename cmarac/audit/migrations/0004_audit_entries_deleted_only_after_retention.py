"""On PostgreSQL the database lets an audit entry be deleted only once it is older than the
audit retention period (RETENTION_AUDIT_YEARS when this migration runs, 7 by default), so the
retention job can purge old entries; it still refuses any change, and any deletion of a younger
entry. To shorten the period below the value used here, a new migration must lower it.

The seals over the entries (0003) follow the same rule with a function of their own (they have
`sealed_at`, not `timestamp`): a purge removes the oldest entries with their seals.
"""

from django.conf import settings
from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION cmarac_audit_entries_are_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND OLD.timestamp < now() - make_interval(years => {years}) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit entries cannot be changed, or deleted before the audit retention period ends';
END;
$$ LANGUAGE plpgsql;
"""

SEALS = """
CREATE OR REPLACE FUNCTION cmarac_audit_seals_are_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND OLD.sealed_at < now() - make_interval(years => {years}) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit entries cannot be changed, or deleted before the audit retention period ends';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS audit_seal_append_only ON audit_seal;
CREATE TRIGGER audit_seal_append_only
    BEFORE UPDATE OR DELETE ON audit_seal
    FOR EACH ROW EXECUTE FUNCTION cmarac_audit_seals_are_append_only();
"""

SEALS_APPEND_ONLY = """
DROP TRIGGER IF EXISTS audit_seal_append_only ON audit_seal;
CREATE TRIGGER audit_seal_append_only
    BEFORE UPDATE OR DELETE ON audit_seal
    FOR EACH ROW EXECUTE FUNCTION cmarac_audit_entries_are_append_only();
DROP FUNCTION IF EXISTS cmarac_audit_seals_are_append_only();
"""

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION cmarac_audit_entries_are_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit entries cannot be changed or deleted';
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        years = int(getattr(settings, "RETENTION_AUDIT_YEARS", 7))
        if years < 1:
            raise ValueError("RETENTION_AUDIT_YEARS must be at least 1")
        schema_editor.execute(CREATE.format(years=years))
        schema_editor.execute(SEALS.format(years=years))


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY)
        schema_editor.execute(SEALS_APPEND_ONLY)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_audit_trail_seals")]

    operations = [migrations.RunPython(forwards, backwards)]
