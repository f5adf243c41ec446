"""The benchmark's mixed load (run by `manage.py bench` with locust, headless, 127.0.0.1 only).

Each simulated user signs in as one of the three people (their session cookie) and opens their
pages in turn without pausing; with BENCH_REFERENCE_ONLY set, everyone opens the reference page
instead, to measure the throughput the pages are compared with. Not imported by the service.
"""

from __future__ import annotations

import itertools
import json
import os

from locust import FastHttpUser, constant, task  # type: ignore[import-not-found]

PLAN = json.loads(open(os.environ["BENCH_PLAN"]).read())  # noqa: SIM115
PEOPLE = itertools.cycle(sorted(PLAN["people"].items()))
REFERENCE_ONLY = bool(os.environ.get("BENCH_REFERENCE_ONLY"))


class Person(FastHttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        _, entry = next(PEOPLE)
        self.cookie = {"Cookie": f"sessionid={entry['cookie']}"}
        pages = [("reference", "/bench/reference/")] if REFERENCE_ONLY else sorted(entry["pages"].items())
        self.pages = itertools.cycle(pages)

    @task
    def open_a_page(self) -> None:
        page, path = next(self.pages)
        self.client.get(path, headers=self.cookie, name=page)
