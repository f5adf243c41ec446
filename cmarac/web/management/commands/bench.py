"""make bench: the service measured at 10,000 and 100,000 cases against a minimal page (ADR 0027,
docs/performance.md). `--step` runs one part inside a scratch database (used by the run itself)."""

from __future__ import annotations

import json
import resource
import time
import tracemalloc
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from cmarac.web.bench.run import SIZES, Settings, bench, compare


class Command(BaseCommand):
    help = "Benchmark pages, load, reminders and packs at 10k and 100k cases on a scratch database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", action="append", choices=list(SIZES), help="10k, 100k or 1m; repeat for more")
        parser.add_argument("--repeat", type=int, default=Settings.repeat, help="timed requests per page and person")
        parser.add_argument(
            "--load-seconds", type=int, default=Settings.load_seconds,
            help="seconds of load on the pages, and on the reference, in two windows each",
        )  # fmt: skip
        parser.add_argument("--no-load", action="store_true", help="skip the locust mixed load")
        parser.add_argument("--no-pack", action="store_true", help="skip the meeting pack benchmark")
        parser.add_argument("--keep", action="store_true", help="keep the scratch databases")
        parser.add_argument(
            "--against",
            metavar="COMMIT",
            help="time every page under this commit's code and this checkout's, in turn, on one database (one size)",
        )
        parser.add_argument("--step", choices=["generate", "prepare", "reminders", "retention"], help="(internal)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["step"]:
            result = getattr(self, f"step_{options['step']}")(options)
            self.stdout.write(json.dumps(result))
            return
        labels = options["size"] or (["100k"] if options["against"] else ["10k", "100k"])
        settings = Settings(
            repeat=options["repeat"],
            load_seconds=options["load_seconds"],
            load_users=() if options["no_load"] else (50, 200),
            keep=options["keep"],
            pack=not options["no_pack"],
        )
        started = time.monotonic()
        if options["against"]:
            if len(labels) != 1:
                raise CommandError("--against compares at one size: give one --size")
            try:
                table = compare(options["against"], labels[0], settings)
            except ValueError as error:
                raise CommandError(str(error)) from None
        else:
            table = bench(labels, settings)
        self.stdout.write(table)
        self.stdout.write(f"\n{timezone.now():%Y-%m-%d %H:%M} UTC, {time.monotonic() - started:.0f} s in all")

    def step_generate(self, options: dict[str, Any]) -> dict[str, Any]:
        from cmarac.web.bench.data import generate

        labels = options["size"] or []
        if len(labels) != 1:
            raise CommandError("--step generate needs one --size")
        started = time.monotonic()
        counts = generate(SIZES[labels[0]])
        return {"seconds": time.monotonic() - started, "counts": counts}

    def step_prepare(self, options: dict[str, Any]) -> dict[str, Any]:
        from cmarac.web.bench.data import bench_people
        from cmarac.web.bench.pages import pages_for, session_copy, signed_in_session

        people = {}
        for person, user in bench_people().items():
            cookie, token = signed_in_session(user)
            people[person] = {"cookie": cookie, "copy": session_copy(cookie), "pages": pages_for(user, token)}
        return {"people": people}

    def step_reminders(self, options: dict[str, Any]) -> dict[str, Any]:
        from actions.models import Action
        from actions.reminders import run_reminders
        from cmarac.web.bench.pages import machine_seconds

        machine = machine_seconds()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        tracemalloc.start()
        started = time.monotonic()
        sent = run_reminders(today=timezone.localdate())
        seconds = time.monotonic() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        closed = Action.objects.exclude(status__in=Action.OPEN_STATUSES).count()
        return {
            "seconds": seconds,
            "peak_mb": peak / 2**20,
            "rss_kb": before,
            "sent": sent,
            "closed_actions": closed,
            "machine_s": machine,
        }

    def step_retention(self, options: dict[str, Any]) -> dict[str, Any]:
        """The retention job on the benchmark's history (every closed case closed today, as the
        services close them): the nightly run, with nothing due; on the day every closed case
        falls due, what a run finds (a dry run, which reads the due cases in batches as the run
        does); and the cost of anonymising a case, for RETENTION_SAMPLE of them."""
        from cmarac.governance.retention_policy import case_due_on
        from cmarac.governance.retention_selectors import cases_due
        from cmarac.governance.retention_services import case_anonymise, retention_apply
        from cmarac.web.bench.pages import machine_seconds

        machine = machine_seconds()
        nightly, nightly_run = _measured(retention_apply)
        day = case_due_on(timezone.localdate())
        found, found_run = _measured(lambda: retention_apply(today=day, dry_run=True))
        ids = list(cases_due(through=day).order_by("pk").values_list("pk", flat=True)[:RETENTION_SAMPLE])
        anonymising, done = _measured(lambda: sum(case_anonymise(case_id=pk, by=None, today=day) for pk in ids))
        return {
            "nightly": {**nightly, "changed": len(nightly_run.anonymised) + len(nightly_run.removed)},
            "found": {**found, "due": len(found_run.anonymised) + len(found_run.removed)},
            "anonymised": {**anonymising, "cases": done},
            "machine_s": machine,
        }


# How many cases the benchmark anonymises to measure what one costs.
RETENTION_SAMPLE = 200


def _measured(work: Any) -> tuple[dict[str, float], Any]:
    """What `work()` returns, with its time and its peak Python memory."""
    tracemalloc.start()
    started = time.monotonic()
    result = work()
    seconds = time.monotonic() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"seconds": seconds, "peak_mb": peak / 2**20}, result
