"""make bench-pack: build a full meeting pack for 25 cases and print the seconds and peak memory.

It fills the configured database with an invented meeting (use a scratch database: the
Makefile target points VAR_DIR at a temporary folder), then builds the pack in a child
process, as a Celery worker would: the seconds are the build's (query, template, layout and
PDF), the memory is the child process's peak resident size, imports included.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

SENTENCES = [
    "Neighbours report groups arriving late at night and leaving after short visits.",
    "The tenant has been seen with injuries and says she fell; she appears frightened.",
    "Police attended twice this month after reports of shouting and a smashed window.",
    "Housing officers could not gain entry at the last two visits despite appointments.",
    "The GP surgery reports missed appointments and concerns about weight loss.",
    "A teenager in the household has been missing from school for three weeks.",
]


def paragraph(seed: int, sentences: int = 6) -> str:
    return " ".join(SENTENCES[(seed + i) % len(SENTENCES)] for i in range(sentences))


class Command(BaseCommand):
    help = "Benchmark: build a full meeting pack for a meeting of 25 cases; print seconds and peak memory."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cases", type=int, default=25)
        parser.add_argument("--build", help="(internal) build this pack id and exit")

    def handle(self, *args: Any, cases: int, build: str | None, **options: Any) -> None:
        if build:
            # The child is a worker process: Django and WeasyPrint are imported before the clock
            # starts, as in a Celery worker. The first build in a process also loads fonts
            # ("cold"); the worker builds a few packs per process, so later builds are "warm".
            import weasyprint  # noqa: F401

            from meetings.models import MeetingPack
            from meetings.packs import pack_build

            timings = []
            for _ in range(2):
                started = time.perf_counter()
                pack_build(build)
                timings.append(time.perf_counter() - started)
                MeetingPack.objects.filter(pk=build).update(status=MeetingPack.Status.QUEUED)
            self.stdout.write(" ".join(f"{t:.3f}" for t in timings))
            return
        pack_id = self._set_up(cases)
        child = subprocess.run(  # noqa: S603
            [sys.executable, sys.argv[0], "bench_pack", "--build", pack_id], check=True, capture_output=True, text=True
        )
        cold, warm = (float(value) for value in child.stdout.strip().splitlines()[-1].split())
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        from meetings.models import MeetingPack

        pack = MeetingPack.objects.get(pk=pack_id)
        verdict = "met" if max(cold, warm) < 5 and peak_mb < 500 else "NOT MET"
        self.stdout.write(
            f"pack: {cases} cases, {pack.pages} pages\n"
            f"seconds: {cold:.2f} (first build in a worker process), {warm:.2f} (next build)\n"
            f"peak memory: {peak_mb:.0f} MB\n"
            f"targets: under 5 seconds and under 500 MB -> {verdict}"
        )

    @transaction.atomic
    def _set_up(self, count: int) -> str:
        from actions.services import action_set, action_update
        from cmarac.accounts.models import Agency
        from cmarac.accounts.roles import Role
        from cmarac.accounts.services import agency_save, user_create
        from cmarac.cases.models import Person
        from cmarac.cases.services import case_create
        from meetings import services
        from meetings.models import Meeting, MeetingPack

        stamp = timezone.now().strftime("%H%M%S%f")
        agencies = [
            agency_save(agency=Agency(name=f"Bench agency {stamp} {i}", short_name=f"bench-{stamp}-{i}", kind="other"))
            for i in range(6)
        ]
        chair = user_create(
            email=f"bench-chair-{stamp}@bench.test", full_name="Bench Chair", password=None,
            roles=[Role.CO_CHAIR], agency=agencies[0],
        )  # fmt: skip
        meeting = Meeting.objects.create(starts_at=timezone.now() + timedelta(days=14), kind="extraordinary")
        for n in range(count):
            subjects = [
                (Person(given_name=f"Given{n}a", family_name="Benchmark", postcode="DB1 1AA",
                        vulnerabilities=paragraph(n, 2)), "victim"),
                (Person(given_name=f"Given{n}b", family_name="Benchmark", postcode="DB1 1AB"), "alleged-perpetrator"),
                (Person(given_name=f"Given{n}c", family_name="Benchmark", approximate_age=9), "child"),
            ]  # fmt: skip
            case = case_create(by=chair, summary=paragraph(n, 8), risk_level="high", subjects=subjects)
            item = services.agenda_add_item(meeting=meeting, case=case, item_type="new", by=chair)
            for agency in agencies[n % 3 : n % 3 + 3]:
                services.invite_agency_to_item(item=item, agency=agency, by=chair)
                services.agency_information_save(
                    item=item, agency=agency, by=chair, revision=None,
                    fields={"research_summary": paragraph(n + 1, 5), "known_risks": paragraph(n + 2, 3),
                            "current_involvement": paragraph(n + 3, 2)},
                )  # fmt: skip
            for k in range(3):
                action = action_set(case=case, owner=agencies[(n + k) % 6], description=paragraph(n + k, 2),
                                    by=chair, due_on=timezone.localdate() + timedelta(days=10))  # fmt: skip
                action_update(action=action, by=chair, status="in-progress", text=paragraph(k, 2), revision=None)
        return str(MeetingPack.objects.create(meeting=meeting, kind="pack", recipient=chair).pk)
