"""On PostgreSQL the database itself refuses to change or delete an audit entry.

Not on SQLite: the test runner empties tables with DELETE there, and SQLite is for
development only. The app and the admin offer no way to edit entries on either.
"""

from django.db import migrations

from cmarac.core.database import postgresql_only

CREATE = """
CREATE OR REPLACE FUNCTION cmarac_audit_entries_are_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit entries cannot be changed or deleted';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER auditlog_logentry_append_only
    BEFORE UPDATE OR DELETE ON auditlog_logentry
    FOR EACH ROW EXECUTE FUNCTION cmarac_audit_entries_are_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS auditlog_logentry_append_only ON auditlog_logentry;
DROP FUNCTION IF EXISTS cmarac_audit_entries_are_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("auditlog", "0017_add_actor_email")]

    operations = [postgresql_only(CREATE, DROP)]
