from celery import shared_task


@shared_task(name="core.ping")
def ping() -> str:
    """A task with no data, used to prove a worker is consuming from the broker."""
    return "pong"
