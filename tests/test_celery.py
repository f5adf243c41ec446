"""Background tasks: inline without a broker, through a real worker with Redis."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

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


def test_tasks_run_inline_in_the_test_suite() -> None:
    # Production runs tasks inline only without a broker (tests/test_settings_env.py checks both).
    assert project_app.conf.task_always_eager is True
    assert ping.delay().get(timeout=1) == "pong"


@contextmanager
def worker_on_redis(queue: str, *packages: str) -> Iterator[Celery]:
    """A real worker thread consuming from Redis, with an app configured like the project's."""
    url = test_redis_url()
    require(url, "Redis (set TEST_REDIS_URL or REDIS_URL)")
    app = Celery(f"cmarac-{queue}", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(broker_url=url, result_backend=url, task_always_eager=False, task_default_queue=queue)
    app.autodiscover_tasks(list(packages), force=True)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10, loglevel="WARNING"):
            yield app
    finally:
        # The worker makes its app the current one; hand that back to the project's app.
        project_app.set_current()
        project_app.set_default()


@pytest.mark.broker
def test_a_task_round_trips_through_a_real_worker_on_redis() -> None:
    with worker_on_redis("broker-test", "cmarac.core") as app:
        assert app.send_task("core.ping").get(timeout=20) == "pong"


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_the_reminder_job_runs_through_a_real_worker_on_redis(housing, housing_lead, co_chair) -> None:
    from datetime import timedelta

    from django.core import mail
    from django.utils import timezone

    from actions.services import action_set
    from tests.factories.cases import CaseFactory

    action_set(case=CaseFactory(), owner=housing, description="Visit", by=co_chair,
               due_on=timezone.localdate() - timedelta(days=1))  # fmt: skip
    with worker_on_redis("reminder-test", "actions") as app:
        first = app.send_task("actions.send_reminders").get(timeout=30)
        second = app.send_task("actions.send_reminders").get(timeout=30)
    assert first == {"agency_digests": 1, "escalations": 0, "coordinator_digests": 0}
    assert second == {"agency_digests": 0, "escalations": 0, "coordinator_digests": 0}
    assert [m.to for m in mail.outbox] == [[housing_lead.email]]


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_a_meeting_pack_is_built_by_a_real_worker_on_redis(co_chair, housing, settings, tmp_path) -> None:
    from meetings.models import MeetingPack
    from meetings.packs import pack_read
    from meetings.services import agenda_add_item
    from tests.factories.cases import CaseFactory
    from tests.factories.meetings import MeetingFactory

    settings.PRIVATE_FILES_DIR = tmp_path
    meeting = MeetingFactory()
    agenda_add_item(meeting=meeting, case=CaseFactory(), item_type="new", by=co_chair)
    pack = MeetingPack.objects.create(meeting=meeting, kind="pack", recipient=co_chair)
    with worker_on_redis("pack-test", "meetings") as app:
        app.conf.task_routes = {}  # this test worker consumes one queue
        assert app.send_task("meetings.build_pack", args=[str(pack.pk)]).get(timeout=60) == "ready"
    pack.refresh_from_db()
    assert pack_read(pack).startswith(b"%PDF")
