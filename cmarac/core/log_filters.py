"""Filters for the logging configuration (settings.LOGGING)."""

from __future__ import annotations

import logging


class OneLineRefusals(logging.Filter):
    """A refused request (a 4xx answer: permission denied, bad request, suspicious operation) is
    logged as the one line Django writes, "Forbidden (Permission denied): /cases/CM-2026-0001/close/",
    without the traceback Django attaches: it says nothing the status and path do not, and repeats
    for every refusal. Server errors (5xx) keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and status < 500 and record.exc_info:
            record.exc_info = None
            record.exc_text = None
        return True
