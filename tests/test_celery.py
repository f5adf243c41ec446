"""Background tasks: inline without a broker, through a real worker with Redis."""

from __future__ import annotations

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker

from cmarac.celery import app as project_app
from cmarac.core.tasks import ping
from tests.services import require, test_redis_url


def test_the_app_reads_its_configuration_from_django_settings(settings) -> None:
    assert project_app.conf.task_serializer == "json"
    assert project_app.conf.timezone == "Europe/London"
    assert project_app.conf.broker_url == settings.CELERY_BROKER_URL


def test_tasks_run_inline_exactly_when_no_broker_is_configured(settings) -> None:
    assert project_app.conf.task_always_eager is (not settings.REDIS_URL)
    if not settings.REDIS_URL:
        assert ping.delay().get(timeout=1) == "pong"


@pytest.mark.broker
def test_a_task_round_trips_through_a_real_worker_on_redis() -> None:
    url = test_redis_url()
    require(url, "Redis (set TEST_REDIS_URL or REDIS_URL)")
    app = Celery("cmarac-broker-test")
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(broker_url=url, result_backend=url, task_always_eager=False, task_default_queue="broker-test")
    app.autodiscover_tasks(["cmarac.core"], force=True)
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10, loglevel="WARNING"):
        result = app.send_task("core.ping")
        assert result.get(timeout=20) == "pong"
