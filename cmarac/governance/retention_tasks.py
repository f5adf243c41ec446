"""The daily retention run (Celery beat). It takes no arguments: it reads the policy and the date."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="governance.apply_retention")
def apply_retention() -> dict[str, int]:
    from cmarac.governance.retention_services import retention_apply

    run = retention_apply()
    return {
        "anonymised": len(run.anonymised),
        "removed": len(run.removed),
        "audit_entries_deleted": run.audit_entries_deleted,
        "failed": len(run.failed),
    }
