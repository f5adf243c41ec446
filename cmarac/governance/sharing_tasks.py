from __future__ import annotations

from celery import shared_task


@shared_task(name="governance.notify_lapsed_sharing_agreements")
def notify_lapsed_sharing_agreements() -> int:
    """Tell the co-chairs of new lapses (Celery beat runs this daily). Takes no data."""
    from cmarac.governance.sharing import sharing_lapses_notify

    return sharing_lapses_notify()
