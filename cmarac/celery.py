"""The Celery application. Configured from Django settings (CELERY_* names)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cmarac.settings")

app = Celery("cmarac")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
