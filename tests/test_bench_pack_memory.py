"""The pack benchmark's memory figure: what a worker and the render processes it forks hold of the
machine's memory at once, with the pages a forked process still shares with the worker counted
once (meetings/management/commands/bench_pack.py)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from meetings.management.commands.bench_pack import _rollup_kb, process_tree, run_sampled, tree_memory_kb

pytestmark = pytest.mark.skipif(not Path("/proc/self/smaps_rollup").exists(), reason="Linux /proc only")

MB = 1024

# Touches 100 MB, forks a child that only waits (so it shares those pages with its parent), says
# "ready" with the child's pid, and waits until its standard input closes.
HOLD_AND_FORK = """
import os, sys
held = bytearray(os.urandom(1024 * 1024)) * 100
child = os.fork()
if child == 0:
    sys.stdin.read()
    os._exit(0)
print("ready", child, flush=True)
sys.stdin.read()
os.waitpid(child, 0)
"""


@pytest.fixture
def worker_and_child():
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", HOLD_AND_FORK], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        word, child = process.stdout.readline().split()
        assert word == "ready"
        yield process.pid, int(child)
    finally:
        process.stdin.close()
        process.wait(timeout=30)


def test_the_tree_holds_the_worker_and_what_it_forked(worker_and_child):
    worker, child = worker_and_child
    assert process_tree(worker) == [worker, child]
    assert process_tree(child) == [child]


def test_pages_shared_with_a_forked_process_count_once(worker_and_child):
    worker, child = worker_and_child
    resident = _rollup_kb(worker)["Rss"] + _rollup_kb(child)["Rss"]
    held = tree_memory_kb(worker)
    # Both processes map the 100 MB; summing resident sizes counts it twice, the figure once.
    assert resident >= 200 * MB
    assert 100 * MB <= held <= resident - 90 * MB


def test_a_process_that_has_ended_is_not_measured():
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    assert tree_memory_kb(int(done.stdout)) is None


def test_the_sampled_peak_is_the_most_held_while_the_command_ran():
    # Holds 60 MB for a second (the sampler looks every 50 ms), lets it go, then prints.
    command = [
        sys.executable,
        "-c",
        "import os, time; held = bytearray(os.urandom(1024 * 1024)) * 60; time.sleep(1); del held; print('done')",
    ]
    out, peak = run_sampled(command)
    assert out.strip() == "done"
    assert peak is not None
    assert peak >= 60 * MB


def test_a_failing_command_fails_the_measure():
    with pytest.raises(subprocess.CalledProcessError):
        run_sampled([sys.executable, "-c", "raise SystemExit(3)"])


@pytest.mark.own_database
def test_the_pack_benchmark_end_to_end_at_two_cases(tmp_path):
    """`make bench-pack` as `make bench` runs it, at two cases so it cannot rot: a scratch SQLite
    database, the timed builds, the build whose memory is sampled, and every pack of the meeting.
    Only the shape of the rows is checked, never the machine's speed."""
    from cmarac.web.bench.run import run_pack_bench

    rows = run_pack_bench(tmp_path, cases=2)
    assert [row.what for row in rows] == ["meeting pack (2 cases)", "meeting packs for 15 people", "one full pack"]
    measured = rows[0].measured
    assert "(first build in a worker process)" in measured
    peak = int(measured.rsplit("peak memory ", 1)[1].removesuffix(" MB"))
    assert peak > 50  # Django and WeasyPrint are loaded in the worker
    assert re.match(r"\d+\.\d\d for all of them at once = \d+\.\d x the one full pack above", rows[1].measured)
    assert re.fullmatch(r"\d+\.\d\d \(next build\)", rows[2].measured)
