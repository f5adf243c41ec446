from celery import shared_task

from cmarac.outbox.services import outbox_relay


@shared_task(name="outbox.relay")
def relay() -> int:
    """Beat, every minute: hand over the outbox messages that are due (ADR 0015)."""
    return outbox_relay()
