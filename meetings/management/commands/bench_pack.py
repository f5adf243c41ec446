"""make bench-pack: build a full meeting pack for 25 cases and print the seconds and peak memory;
then every pack of that meeting for 15 people at once (3 co-chairs and the leads of 12 invited
agencies, meetings/pack_batch.py), against the one full pack measured in the same run.

It fills the configured database with an invented meeting (use a scratch database: the
Makefile target points VAR_DIR at a temporary folder), then builds the pack in a child
process, as a Celery worker would: the seconds are the build's (query, template, layout and
PDF). The worker lays the pack out in PACK_RENDER_PROCESSES forked processes at once
(meetings/printing.py). The memory is measured in a build of its own, so that measuring it does
not slow the timed builds: every 50 ms this process adds the worker's resident size (its shared
libraries counted in full) to what each render process holds alone (a forked process shares most
of its pages with the worker, and those are counted once, in the worker's); the highest sum is
the build's peak. Beside it is printed what the sum of each process's peak resident size would
be: the figure the target was held to before, which counts the shared pages two or three times
and adds peaks that did not happen at once.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
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


# One full pack of 25 cases (110 pages) before sections were laid out once for a whole meeting
# (ADR 0037), on an idle 2-core machine: the reference of issue 14's target for all packs.
TODAY_FULL_PACK_S = 13.5


PROC = Path("/proc")
SAMPLE_EVERY_S = 0.05


def process_tree(pid: int) -> list[int]:
    """The process and every process under it (Linux: read from /proc)."""
    parents: dict[int, list[int]] = {}
    for stat in PROC.glob("[0-9]*/stat"):
        try:
            # "pid (command) state ppid ...": the command may hold spaces and brackets.
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # it ended while we looked
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    tree, waiting = [], [pid]
    while waiting:
        tree.append(waiting.pop())
        waiting += parents.get(tree[-1], [])
    return tree


def _rollup_kb(pid: int) -> dict[str, int]:
    """The memory totals of /proc/<pid>/smaps_rollup, in kB (empty if the process has ended)."""
    try:
        with open(PROC / str(pid) / "smaps_rollup") as rollup:
            lines = [line.split() for line in rollup]
    except OSError:
        return {}
    return {words[0].rstrip(":"): int(words[1]) for words in lines if len(words) == 3 and words[1].isdigit()}


def tree_memory_kb(pid: int) -> int | None:
    """What a process and the processes it started hold of the machine's memory at once, in kB:
    the process's resident size (its shared libraries counted in full) and, of each process under
    it, the pages it holds alone (not those it still shares with the process it was forked from,
    which the first figure counts). None where /proc does not say (not Linux)."""
    root = _rollup_kb(pid)
    if "Rss" not in root:
        return None
    own = (_rollup_kb(child) for child in process_tree(pid)[1:])
    return root["Rss"] + sum(f.get("Private_Clean", 0) + f.get("Private_Dirty", 0) for f in own)


def run_sampled(command: list[str]) -> tuple[str, int | None]:
    """Run `command` to its end: (its standard output, the most memory it and the processes it
    started held at once (`tree_memory_kb`), sampled every SAMPLE_EVERY_S, in kB; None where it
    cannot be read)."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)  # noqa: S603
    peak: int | None = None
    while True:
        sample = tree_memory_kb(process.pid)
        if sample is not None:
            peak = max(peak or 0, sample)
        try:
            out, _ = process.communicate(timeout=SAMPLE_EVERY_S)
        except subprocess.TimeoutExpired:
            continue
        if process.returncode:
            raise subprocess.CalledProcessError(process.returncode, command, out)
        return out, peak


def paragraph(seed: int, sentences: int = 6) -> str:
    return " ".join(SENTENCES[(seed + i) % len(SENTENCES)] for i in range(sentences))


class Command(BaseCommand):
    help = "Benchmark: build a full meeting pack for a meeting of 25 cases; print seconds and peak memory."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cases", type=int, default=25)
        parser.add_argument("--build", help="(internal) build this pack id and exit")
        parser.add_argument("--build-unmeasured", help="(internal) as --build, its memory sampled from outside")
        parser.add_argument("--build-all", help="(internal) build every pack of this meeting's pack's meeting and exit")

    def handle(self, *args: Any, cases: int, build: str | None, build_all: str | None, **options: Any) -> None:
        build = build or options.get("build_unmeasured")
        if build:
            self._build(build)
            return
        if build_all:
            self._build_all(build_all)
            return
        pack_id = self.set_up(cases)
        child = subprocess.run(  # noqa: S603
            [sys.executable, sys.argv[0], "bench_pack", "--build", pack_id], check=True, capture_output=True, text=True
        )
        cold, warm, worker_kb, render_kb, processes = child.stdout.strip().splitlines()[-1].split()
        cold_s, warm_s, worker_mb, render_mb = float(cold), float(warm), int(worker_kb) / 1024, int(render_kb) / 1024
        # Each render process's resident size counts the pages it shares with the worker again,
        # so this sum is an upper bound on what the build held at once.
        bound_mb = worker_mb + int(processes) * render_mb
        # What the build held of the machine's memory at its peak, measured in a build of its own.
        _, held_kb = run_sampled([sys.executable, sys.argv[0], "bench_pack", "--build-unmeasured", pack_id])
        peak_mb = held_kb / 1024 if held_kb is not None else bound_mb
        from meetings.models import MeetingPack

        pack = MeetingPack.objects.get(pk=pack_id)
        verdict = "met" if max(cold_s, warm_s) < 5 and peak_mb < 500 else "NOT MET"
        layout = f"laid out by {processes} processes at once" if int(processes) > 1 else "laid out in the worker alone"
        bound = f"worker {worker_mb:.0f} MB + {processes} x {render_mb:.0f} MB render processes"
        if int(processes) == 1:
            bound = f"the worker's peak resident size {worker_mb:.0f} MB"
        if held_kb is None:
            memory = f"peak memory: {bound_mb:.0f} MB at most ({bound}; /proc cannot be read here)"
        else:
            memory = (
                f"peak memory: {peak_mb:.0f} MB (the worker's resident size and its render processes' own memory,"
                f" at once, sampled every {SAMPLE_EVERY_S * 1000:.0f} ms); the sum of each one's peak resident size"
                f" would be {bound_mb:.0f} MB ({bound})"
            )
        self.stdout.write(
            f"pack: {cases} cases, {pack.pages} pages, {layout}\n"
            f"seconds: {cold_s:.2f} (first build in a worker process), {warm_s:.2f} (next build)\n"
            f"{memory}\n"
            f"targets: under 5 seconds and under 500 MB -> {verdict}"
        )
        self.whole_meeting(pack_id, single=warm_s)

    def _build(self, pack_id: str) -> None:
        """The child is a pack worker's process: Django and WeasyPrint are imported, and printing
        warmed up (a page laid out, as the pack worker does as it starts: meetings/tasks.py), before
        the clock starts. It builds the pack twice ("first build in a worker process", "next
        build") and prints the two timings, its own peak memory, its render processes' largest
        peak and how many ran."""
        import weasyprint  # noqa: F401
        from django.conf import settings

        from meetings.models import MeetingPack
        from meetings.packs import pack_build, packs_warm_up
        from meetings.printing import may_fork

        packs_warm_up()

        processes = settings.PACK_RENDER_PROCESSES if may_fork() else 1
        timings = []
        for _ in range(2):
            started = time.perf_counter()
            pack_build(pack_id)
            timings.append(time.perf_counter() - started)
            MeetingPack.objects.filter(pk=pack_id).update(status=MeetingPack.Status.QUEUED)
        worker_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        render_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        figures = [*(f"{t:.3f}" for t in timings), str(worker_kb), str(render_kb), str(processes)]
        self.stdout.write(" ".join(figures))

    def whole_meeting(self, pack_id: str, *, single: float) -> None:
        """Every pack of the meeting for 15 people at once, in a worker process, against the one
        full pack (its next build) measured above in the same run."""
        recipients = self.set_up_recipients(pack_id)
        child = subprocess.run(  # noqa: S603
            [sys.executable, sys.argv[0], "bench_pack", "--build-all", pack_id],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        seconds, built, ready, pages, distinct, placed = child.stdout.strip().splitlines()[-1].split()
        all_s, ratio = float(seconds), float(seconds) / single
        self.stdout.write(
            f"whole meeting: {built} packs for {recipients} people (co-chairs and invited agency leads), {pages} pages,"
            f" {ready} ready; {distinct} distinct parts laid out for {placed} placed in packs\n"
            f"seconds: {all_s:.2f} for all of them at once = {ratio:.1f} x the one full pack above ({single:.2f} s);"
            f" {all_s / TODAY_FULL_PACK_S:.1f} x one full pack before sections were shared ({TODAY_FULL_PACK_S} s)\n"
            f"targets: all packs under 3 x one full pack -> {'MET' if ratio < 3 else 'NOT MET'};"
            f" one full pack under 3 seconds -> {'MET' if single < 3 else 'NOT MET'}"
        )

    def _build_all(self, pack_id: str) -> None:
        """As _build: a worker process, imports done before the clock starts. Packs for everyone
        who gets one (made here, not queued), built at once by the batch task's own function."""
        import weasyprint  # noqa: F401

        from meetings.models import MeetingPack
        from meetings.pack_batch import meeting_pack_recipients, packs_build

        meeting = MeetingPack.objects.get(pk=pack_id).meeting
        packs = [MeetingPack.objects.create(meeting=meeting, kind="pack", recipient=person)
                 for person in meeting_pack_recipients(meeting)]  # fmt: skip
        cache: dict[str, Any] = {}
        started = time.perf_counter()
        built = packs_build([str(pack.pk) for pack in packs], cache=cache)
        seconds = time.perf_counter() - started
        ready = sum(pack.status == MeetingPack.Status.READY for pack in built)
        pages = sum(pack.pages or 0 for pack in built)
        placed = sum(pack.printed.parts for pack in built if hasattr(pack, "printed"))
        self.stdout.write(f"{seconds:.3f} {len(packs)} {ready} {pages} {len(cache)} {placed}")

    @transaction.atomic
    def set_up_recipients(self, pack_id: str) -> int:
        """The meeting's 15 recipients: 3 co-chairs, and leads for 12 invited agencies (the 5
        already invited, and 7 more invited to every 7th item)."""
        from cmarac.accounts.models import Agency
        from cmarac.accounts.roles import Role
        from cmarac.accounts.services import agency_save, user_create
        from meetings import services
        from meetings.models import AgendaInvitation, MeetingPack
        from meetings.pack_batch import meeting_pack_recipients

        pack = MeetingPack.objects.select_related("meeting", "recipient").get(pk=pack_id)
        meeting, chair = pack.meeting, pack.recipient
        stamp = timezone.now().strftime("%H%M%S%f")
        for i in range(2):
            user_create(email=f"bench-chair-{stamp}-{i}@bench.test", full_name=f"Bench Chair {i + 2}", password=None,
                        roles=[Role.CO_CHAIR], agency=chair.agency)  # fmt: skip
        items = list(meeting.items.order_by("position", "pk"))
        invited = list(Agency.objects.filter(pk__in=AgendaInvitation.objects.filter(item__meeting=meeting)
                                             .values("agency_id")).order_by("pk"))  # fmt: skip
        for j in range(7):
            agency = agency_save(agency=Agency(name=f"Bench agency {stamp} extra {j}",
                                               short_name=f"bench-{stamp}-x{j}", kind="other"))  # fmt: skip
            for item in items[j::7]:
                services.invite_agency_to_item(item=item, agency=agency, by=chair)
            invited.append(agency)
        for n, agency in enumerate(invited):
            agency.lead = user_create(email=f"bench-lead-{stamp}-{n}@bench.test", full_name=f"Bench Lead {n}",
                                      password=None, roles=[Role.AGENCY_MEMBER], agency=agency)  # fmt: skip
            agency.save(update_fields=["lead"])
        return len(meeting_pack_recipients(meeting))

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
