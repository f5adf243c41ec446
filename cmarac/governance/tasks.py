"""Celery finds tasks in each app's `tasks` module: each part of governance keeps its own."""

from cmarac.governance.sharing_tasks import notify_lapsed_sharing_agreements
from cmarac.governance.subject_access_tasks import build_subject_access_export, remove_expired_subject_access_exports

__all__ = ["build_subject_access_export", "notify_lapsed_sharing_agreements", "remove_expired_subject_access_exports"]
