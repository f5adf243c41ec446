"""The closed cases not yet anonymised, by closing date (ADR 0011, amended): the retention job asks
each night whether any are due, and reads them in batches from where the last one ended. Without
it, both read every closed case. Created IF NOT EXISTS, so an index built beforehand with
CREATE INDEX CONCURRENTLY under the same name is adopted (docs/performance.md)."""

from django.db import migrations, models

SQL = (
    "CREATE INDEX IF NOT EXISTS case_retention_due ON cases_case (closed_on, id) "
    "WHERE status = 'closed' AND anonymised_at IS NULL"
)


class Migration(migrations.Migration):
    dependencies = [("cases", "0010_case_status_id")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(SQL, "DROP INDEX IF EXISTS case_retention_due")],
            state_operations=[
                migrations.AddIndex(
                    model_name="case",
                    index=models.Index(
                        condition=models.Q(("anonymised_at__isnull", True), ("status", "closed")),
                        fields=["closed_on", "id"],
                        name="case_retention_due",
                    ),
                ),
            ],
        ),
    ]
