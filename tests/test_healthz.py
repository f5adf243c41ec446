"""/healthz reports the database and the broker; 503 when a configured one is down."""

from __future__ import annotations

import socket

import pytest
from django.db import OperationalError
from django.test import Client

from tests.services import require, test_redis_url

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_healthy_without_a_broker(client: Client, settings) -> None:
    settings.REDIS_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "not configured", "outbox_backlog": 0}


def test_reports_the_outbox_backlog_as_a_count_only(client: Client, settings) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from cmarac.outbox.models import OutboxMessage

    settings.REDIS_URL = ""
    settings.OUTBOX_BACKLOG_MINUTES = 15
    now = timezone.now()
    OutboxMessage.objects.create(
        task="meetings.send_agenda_published", args=[1], created_at=now - timedelta(minutes=20)
    )
    OutboxMessage.objects.create(task="meetings.send_agenda_published", args=[2], created_at=now - timedelta(minutes=5))
    OutboxMessage.objects.create(
        task="meetings.send_agenda_published", args=[3], created_at=now - timedelta(hours=2), sent_at=now
    )
    response = client.get("/healthz")
    assert response.status_code == 200  # a backlog is reported, it does not take the site down
    assert response.json()["outbox_backlog"] == 1


def test_needs_no_sign_in_and_is_not_cached(client: Client, settings) -> None:
    settings.REDIS_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]


def test_unavailable_when_the_configured_broker_is_down(client: Client, settings) -> None:
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"] == "unreachable"
    assert response.json()["database"] == "ok"


def test_unavailable_when_the_database_is_down(client: Client, settings, monkeypatch) -> None:
    settings.REDIS_URL = ""

    def refuse(*args: object, **kwargs: object) -> None:
        raise OperationalError("connection refused")

    from cmarac.core import health

    monkeypatch.setattr(health.connection, "cursor", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


@pytest.mark.broker
def test_healthy_with_a_reachable_broker(client: Client, settings) -> None:
    url = test_redis_url()
    require(url, "Redis (set TEST_REDIS_URL or REDIS_URL)")
    settings.REDIS_URL = url
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["broker"] == "ok"
