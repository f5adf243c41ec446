"""Checks behind /healthz: is the database reachable, and the broker if one is configured."""

from __future__ import annotations

from enum import StrEnum

import redis
from django.conf import settings
from django.db import DatabaseError, connection


class State(StrEnum):
    OK = "ok"
    UNREACHABLE = "unreachable"
    NOT_CONFIGURED = "not configured"


def database_state() -> State:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return State.UNREACHABLE
    return State.OK


def broker_state() -> State:
    if not settings.REDIS_URL:
        return State.NOT_CONFIGURED
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError:
        return State.UNREACHABLE
    finally:
        client.close()
    return State.OK
