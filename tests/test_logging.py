"""Refused requests are logged as one line each, with references only."""

from __future__ import annotations

import logging
import sys

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import reverse

from cmarac.core.log_filters import OneLineRefusals

pytestmark = pytest.mark.django_db


def test_a_permission_refusal_is_one_line(housing_case, housing_lead, as_user, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="django.request")
    url = reverse("cases:close", args=[housing_case.reference])
    assert as_user(housing_lead).get(url).status_code == 403
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.getMessage() == f"Forbidden (Permission denied): {url}"
    assert record.exc_info is None
    assert "Traceback" not in caplog.text
    assert len(caplog.text.strip().splitlines()) == 1


def record_with(status: int, exception: Exception) -> logging.LogRecord:
    try:
        raise exception
    except type(exception):
        exc_info = sys.exc_info()
    record = logging.LogRecord("django.security.SuspiciousOperation", logging.ERROR, __file__, 1, "x", (), exc_info)
    record.status_code = status
    return record


def test_the_filter_drops_tracebacks_of_other_refusals_too() -> None:
    record = record_with(400, SuspiciousOperation("Invalid HTTP_HOST header"))
    assert OneLineRefusals().filter(record) is True
    assert record.exc_info is None
    assert "Traceback" not in logging.Formatter().format(record)


def test_server_errors_keep_their_traceback() -> None:
    record = record_with(500, PermissionDenied())
    OneLineRefusals().filter(record)
    assert record.exc_info is not None


def test_the_console_handler_uses_the_filter() -> None:
    handlers = logging.getLogger().handlers
    assert any(isinstance(f, OneLineRefusals) for handler in handlers for f in handler.filters)
