"""A pack worker warms printing up as it starts (meetings/tasks.py), and no other worker does."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string

from meetings import packs, tasks
from meetings.printing import warm_up


def worker(*queues: str) -> SimpleNamespace:
    """What the handler reads of a Celery worker: the queues `-Q` chose (None: not chosen)."""
    consume_from = {name: object() for name in queues} or None
    return SimpleNamespace(app=SimpleNamespace(amqp=SimpleNamespace(queues=SimpleNamespace(consume_from=consume_from))))


@pytest.fixture
def warmed(monkeypatch) -> list[float]:
    calls: list[float] = []

    def fake() -> float:
        calls.append(0.1)
        return 0.1

    monkeypatch.setattr(packs, "packs_warm_up", fake)
    return calls


@pytest.mark.parametrize(
    ("queues", "warms"),
    [
        (("celery", "packs"), True),
        (("packs",), True),
        (("celery",), False),
        ((), False),  # no -Q: the default queue alone, never packs
    ],
)
def test_only_a_worker_of_the_packs_queue_warms_printing_up(queues, warms, warmed) -> None:
    tasks.warm_up_printing(sender="celery@host", instance=worker(*queues))
    assert len(warmed) == (1 if warms else 0)


def test_the_queue_is_the_one_packs_are_routed_to(settings, warmed) -> None:
    settings.CELERY_TASK_ROUTES = {**settings.CELERY_TASK_ROUTES, "meetings.build_pack": {"queue": "print"}}
    tasks.warm_up_printing(sender="celery@host", instance=worker("packs"))
    assert warmed == []
    tasks.warm_up_printing(sender="celery@host", instance=worker("print"))
    assert warmed == [0.1]


def test_a_failed_warm_up_is_logged_and_the_worker_starts(monkeypatch, caplog) -> None:
    def broken() -> float:
        raise OSError("no fonts")

    monkeypatch.setattr(packs, "packs_warm_up", broken)
    caplog.set_level(logging.INFO, logger="meetings.tasks")
    tasks.warm_up_printing(sender="celery@host", instance=worker("packs"))  # does not raise
    [record] = caplog.records
    assert record.levelno == logging.ERROR
    assert "warming up printing failed" in record.getMessage()


def test_the_warm_up_page_is_laid_out_and_written_in_the_print_shell() -> None:
    html = render_to_string("packs/warm_up.html")
    assert "OFFICIAL-SENSITIVE" in html  # the print shell's own styles and markings
    for face in ("<b>", "<i>", "<table>", "<h2"):
        assert face in html
    assert warm_up(html) == 1


def test_the_real_warm_up_takes_its_seconds_and_logs_them(caplog) -> None:
    caplog.set_level(logging.INFO, logger="meetings.tasks")
    tasks.warm_up_printing(sender="celery@host", instance=worker("celery", "packs"))
    [record] = caplog.records
    assert record.getMessage().startswith("packs: printing warmed up in ")
    assert packs.packs_warm_up() > 0
