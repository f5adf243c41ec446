"""Benchmark mode only (settings.BENCH): each response says how long the server took and how many
queries it ran, so `manage.py bench` measures the server, not the network or the client."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.db import connections
from django.http import HttpRequest, HttpResponse


class _QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def bench_timing(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    def middleware(request: HttpRequest) -> HttpResponse:
        counter = _QueryCounter()
        started = time.perf_counter()
        with connections["default"].execute_wrapper(counter):
            response = get_response(request)
        response["X-Response-Time"] = f"{(time.perf_counter() - started) * 1000:.2f}"
        response["X-Query-Count"] = str(counter.count)
        return response

    return middleware
