"""A pack worker killed with SIGKILL mid-build: the pack's message goes back to the queue (late
acknowledgement, rejected when the worker is lost) and the next worker process builds it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from celery import Celery
from django.db import connection

from meetings import services
from meetings.models import MeetingPack
from tests.factories.cases import CaseFactory
from tests.factories.meetings import MeetingFactory
from tests.services import require, test_redis_url


def _wait_for(check, what: str, timeout: float = 90) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    pytest.fail(f"gave up waiting for {what}")


def _database_url() -> str | None:
    """The test database as a URL another process can open (PostgreSQL only: SQLite's is in memory)."""
    settings = connection.settings_dict
    if connection.vendor != "postgresql":
        return None
    user, host, port = settings["USER"], settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"


@pytest.mark.broker
@pytest.mark.postgresql  # the worker process opens the test database: on SQLite it is in memory
@pytest.mark.django_db(transaction=True)
def test_a_pack_survives_its_worker_being_killed_mid_build(co_chair, housing, tmp_path, settings) -> None:
    redis_url, database_url = test_redis_url(), _database_url()
    require(redis_url, "Redis (set TEST_REDIS_URL or REDIS_URL)")
    assert database_url is not None
    meeting = MeetingFactory()
    item = services.agenda_add_item(meeting=meeting, case=CaseFactory(involve=[housing]), item_type="new", by=co_chair)
    services.invite_agency_to_item(item=item, agency=housing, by=co_chair)
    pack = MeetingPack.objects.create(meeting=meeting, kind="pack", recipient=co_chair)
    queue, hold = f"packs-killed-{uuid.uuid4().hex[:8]}", tmp_path / "hold"
    hold.mkdir()
    environment = {
        **os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
        "PRIVATE_FILES_DIR": str(tmp_path / "private"), "DJANGO_SETTINGS_MODULE": "tests.settings",
    }  # fmt: skip
    worker = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
        [sys.executable, "-m", "tests.pack_worker_held", queue, str(hold)],
        cwd=Path(__file__).resolve().parent.parent,
        env=environment,
        start_new_session=True,
    )
    sender = Celery("kill-test", broker=redis_url, set_as_current=False)
    try:
        sender.send_task("meetings.build_pack", args=[str(pack.pk)], queue=queue, ignore_result=True)

        def building() -> list[Path]:
            return sorted(hold.glob("building-*"))

        first = _wait_for(building, "the first build to start")[0]
        os.kill(int(first.name.removeprefix("building-")), signal.SIGKILL)
        # The message comes back, and a new child of the same worker starts the build again.
        second = _wait_for(lambda: [p for p in building() if p != first], "the build to start again")[0]
        assert second.name != first.name
        (hold / "release").write_text("")
        pack.refresh_from_db()
        _wait_for(lambda: MeetingPack.objects.get(pk=pack.pk).status == MeetingPack.Status.READY, "the pack")
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
    assert len(list(hold.glob("building-*"))) == 2  # killed once, built once
