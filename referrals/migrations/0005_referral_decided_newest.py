"""The decided referrals, the most recently decided first: the triage list's decided tab reads a
page from here (ADR 0026, amended 2026-12-02). Without it, each page sorted every decided referral
(at least one for each case). Created IF NOT EXISTS, so an index built beforehand with CREATE INDEX
CONCURRENTLY under the same name is adopted (docs/performance.md)."""

from django.db import migrations, models

SQL = (
    "CREATE INDEX IF NOT EXISTS referral_decided_newest ON referrals_referral (decided_at DESC, id DESC) "
    "WHERE status IN ('accepted', 'declined')"
)


class Migration(migrations.Migration):
    dependencies = [("referrals", "0004_checklist_revision")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(SQL, "DROP INDEX IF EXISTS referral_decided_newest")],
            state_operations=[
                migrations.AddIndex(
                    model_name="referral",
                    index=models.Index(
                        condition=models.Q(("status__in", ["accepted", "declined"])),
                        fields=["-decided_at", "-id"],
                        name="referral_decided_newest",
                    ),
                ),
            ],
        ),
    ]
