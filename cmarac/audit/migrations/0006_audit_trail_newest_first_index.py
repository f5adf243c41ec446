"""The audit trail is read newest first (timestamp, then id, both descending): an index in that
order lets the page read its 25 rows without sorting the whole trail (ADR 0026)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_chain_starts_after_purged_entries")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS audit_trail_newest_first ON auditlog_logentry (timestamp DESC, id DESC)",
            "DROP INDEX IF EXISTS audit_trail_newest_first",
        ),
    ]
