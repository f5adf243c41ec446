"""make bench-pack: build a full meeting pack for 25 cases and print the seconds and peak memory.

It fills the configured database with an invented meeting (use a scratch database: the
Makefile target points VAR_DIR at a temporary folder), then builds the pack in a child
process, as a Celery worker would: the seconds are the build's (query, template, layout and
PDF). The worker lays the pack out in PACK_RENDER_PROCESSES forked processes at once
(meetings/printing.py); the memory is the worker's peak resident size, imports included, plus
that many times the largest render process's peak: an upper bound, as shared pages count twice.
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
            self._build(build)
            return
        pack_id = self.set_up(cases)
        child = subprocess.run(  # noqa: S603
            [sys.executable, sys.argv[0], "bench_pack", "--build", pack_id], check=True, capture_output=True, text=True
        )
        cold, warm, worker_kb, render_kb, processes, own_kb = child.stdout.strip().splitlines()[-1].split()
        cold_s, warm_s, worker_mb, render_mb = float(cold), float(warm), int(worker_kb) / 1024, int(render_kb) / 1024
        # Each render process's resident size counts the pages it shares with the worker again,
        # so this sum is an upper bound on what the build held at once; the target is held to it.
        total_mb = worker_mb + int(processes) * render_mb
        # Closer to the truth: the worker's peak plus what the render processes held of their own.
        likely_mb = worker_mb + int(own_kb) / 1024
        from meetings.models import MeetingPack

        pack = MeetingPack.objects.get(pk=pack_id)
        verdict = "met" if max(cold_s, warm_s) < 5 and total_mb < 500 else "NOT MET"
        layout = f"laid out by {processes} processes at once" if int(processes) > 1 else "laid out in the worker alone"
        memory = f"peak memory: {worker_mb:.0f} MB (the worker process)"
        if int(processes) > 1:
            memory = (
                f"peak memory: {total_mb:.0f} MB at most (worker {worker_mb:.0f} MB + {processes} x {render_mb:.0f} MB"
                f" render processes, shared pages counted twice); about {likely_mb:.0f} MB counting shared pages once"
            )
        self.stdout.write(
            f"pack: {cases} cases, {pack.pages} pages, {layout}\n"
            f"seconds: {cold_s:.2f} (first build in a worker process), {warm_s:.2f} (next build)\n"
            f"{memory}\n"
            f"targets: under 5 seconds and under 500 MB -> {verdict}"
        )

    def _build(self, pack_id: str) -> None:
        """The child is a worker process: Django and WeasyPrint are imported before the clock
        starts, as in a Celery worker. The first build in a process also loads fonts ("cold"); the
        worker builds a few packs per process, so later builds are "warm". It prints the two
        timings, its own peak memory, its render processes' largest peak and how many ran."""
        import weasyprint  # noqa: F401
        from django.conf import settings

        from meetings.models import MeetingPack
        from meetings.packs import pack_build
        from meetings.printing import may_fork

        processes = settings.PACK_RENDER_PROCESSES if may_fork() else 1
        timings, own_kb = [], 0
        for _ in range(2):
            started = time.perf_counter()
            pack = pack_build(pack_id)
            timings.append(time.perf_counter() - started)
            own_kb = max(own_kb, sum(pack.printed.child_private_kb))
            MeetingPack.objects.filter(pk=pack_id).update(status=MeetingPack.Status.QUEUED)
        worker_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        render_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        figures = [*(f"{t:.3f}" for t in timings), str(worker_kb), str(render_kb), str(processes), str(own_kb)]
        self.stdout.write(" ".join(figures))

    @transaction.atomic
    def set_up(self, count: int) -> str:
        """An invented meeting of `count` cases, each from an accepted referral; the id of a full pack
        for a co-chair, queued but not built."""
        from actions.services import action_set, action_update
        from cmarac.accounts.models import Agency
        from cmarac.accounts.roles import Role
        from cmarac.accounts.services import agency_save, user_create
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
        referrer = user_create(
            email=f"bench-referrer-{stamp}@bench.test", full_name="Bench Referrer", password=None,
            roles=[Role.REFERRER], agency=agencies[1],
        )  # fmt: skip
        meeting = Meeting.objects.create(starts_at=timezone.now() + timedelta(days=14), kind="extraordinary")
        for n in range(count):
            case = self._accepted_referral(n, referrer, chair)
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

    def _accepted_referral(self, n: int, referrer: Any, chair: Any) -> Any:
        """A case made the way real ones are: a referral with three people and the whole checklist
        answered (half of it Yes), submitted and accepted."""
        from referrals import services as referrals

        referral = referrals.referral_start(referrer=referrer)
        fields = {
            "contact_phone": "01632 960000", "issue_types": ["cuckooing", "drugs"],
            "concerns": paragraph(n, 8), "chronology": paragraph(n + 1, 10), "actions_taken": paragraph(n + 2, 4),
            "request_of_panel": paragraph(n + 3, 2), "criterion_escalation": True, "consent": "no",
            "unsafe_to_ask": True, "sharing_basis": "prevent-crime", "sharing_justification": paragraph(n + 4, 1),
        }  # fmt: skip
        referral = referrals.referral_update(referral=referral, by=referrer, revision=None, fields=fields)
        for subject in (
            {"role": "victim", "given_name": f"Given{n}a", "family_name": "Benchmark", "postcode": "DB1 1AA",
             "vulnerabilities": paragraph(n, 2)},
            {"role": "alleged-perpetrator", "given_name": f"Given{n}b", "family_name": "Benchmark",
             "postcode": "DB1 1AB"},
            {"role": "child", "given_name": f"Given{n}c", "family_name": "Benchmark", "approximate_age": 9},
        ):  # fmt: skip
            referrals.referral_subject_save(referral=referral, by=referrer, revision=None, fields=subject, subject=None)
        questions = referral.checklist.questions.prefetch_related("options").order_by("order")
        answers = {
            question.pk: next(o.pk for o in question.options.all() if o.label == ("Yes" if i % 2 == 0 else "No"))
            for i, question in enumerate(questions)
        }
        referral = referrals.referral_answers_save(referral=referral, by=referrer, revision=None, answers=answers)
        referral = referrals.referral_submit(referral=referral, by=referrer, revision=None)
        return referrals.referral_accept(referral=referral, by=chair)
