"""The Celery application. Configured from Django settings (CELERY_* names)."""

import logging
import os

from celery import Celery
from celery.signals import beat_init, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cmarac.settings")

app = Celery("cmarac")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
@beat_init.connect
def refuse_to_start_without_a_secret_key(**kwargs: object) -> None:
    """The worker and beat refuse to start as the web server does. Celery logs and carries on
    after an exception in a signal handler, so this one leaves with SystemExit."""
    from django.core.exceptions import ImproperlyConfigured

    from cmarac.env import refuse_to_start_without_a_secret_key as refuse

    try:
        refuse()
    except ImproperlyConfigured as refused:
        logging.getLogger(__name__).critical("Refusing to start: %s", refused)
        raise SystemExit(f"Refusing to start: {refused}") from None
