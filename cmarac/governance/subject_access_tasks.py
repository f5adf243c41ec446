from __future__ import annotations

from celery import shared_task


# Given up after minutes, like packs, so a stuck build does not hold the worker.
@shared_task(name="governance.build_subject_access_export", soft_time_limit=300, time_limit=330)
def build_subject_access_export(export_id: str) -> str:
    """Make one subject access export. The argument is the export's id, nothing else."""
    from cmarac.governance.subject_access_services import subject_access_export_build

    return subject_access_export_build(export_id).status


@shared_task(name="governance.remove_expired_subject_access_exports")
def remove_expired_subject_access_exports() -> int:
    from cmarac.governance.subject_access_services import subject_access_exports_expire

    return subject_access_exports_expire()
