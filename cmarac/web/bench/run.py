"""`manage.py bench`: the whole benchmark, one size after another, each on a scratch database.

For each size: a fresh database (PostgreSQL on 127.0.0.1 as postgres if it answers, else SQLite,
said so), migrated; history generated in bulk; gunicorn (2 workers, 127.0.0.1, a free port) in
benchmark mode; each page timed for three people against the reference page; a mixed load with
locust at 50 and 200 users against the same with the reference page alone; the reminders job and
the retention job. Then
the meeting pack benchmark, and one table with targets. The steps that need the scratch database
run as child processes of this one, with DATABASE_URL pointing at it.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cmarac.web.bench.pages import (
    FLOOR,
    Row,
    Timing,
    compare_table,
    growth_rows,
    load_rows,
    page_rows,
    reminders_growth_row,
    render_table,
    retention_growth_rows,
    retention_rows,
    time_pages,
    time_pages_against,
)

SIZES = {"tiny": 50, "10k": 10_000, "100k": 100_000, "1m": 1_000_000}
ROOT = Path(__file__).resolve().parents[3]
MANAGE = str(ROOT / "manage.py")
LOCUSTFILE = str(Path(__file__).with_name("locustfile.py"))
POSTGRES = "postgres://postgres@127.0.0.1:5432"
# PostgreSQL's cost of a random page read against a sequential one. Its default (4) is for spinning
# disks; where the data is cached or on SSD, 1.1 lets the planner start from a small agency's grants
# (a case search: 10 ms to 4 ms at 100k). docker-compose.yml runs PostgreSQL with it.
RANDOM_PAGE_COST = "1.1"
REFERENCE = "reference"


@dataclass
class Settings:
    # Rounds of timed requests per page: a p95 of 15 was the worst request or the one before it, so
    # one busy moment of the machine moved it by a third. Of 40 it was the second worst: on a
    # virtual machine whose host was busy, one page's p95 was 59 ms against 45 ms for the same page
    # of another person. Of 100 it is the fifth worst; the rounds take about 100 s at 100k.
    repeat: int = 100
    load_seconds: int = 20  # for each of the reference and the pages, in two windows each
    load_users: tuple[int, ...] = (50, 200)
    keep: bool = False
    pack: bool = True


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# --- Scratch databases -------------------------------------------------------------------------


def _postgres(database: str = "postgres") -> Any:
    import psycopg2

    connection = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname=database, connect_timeout=5)
    connection.autocommit = True
    return connection


def postgres_answers() -> bool:
    try:
        _postgres().close()
    except Exception:
        return False
    return True


def _execute(sql: str) -> None:
    connection = _postgres()
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
    finally:
        connection.close()


def scratch_database(label: str, folder: Path) -> str:
    if postgres_answers():
        name = f"cmarac_bench_{label}"
        _execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _execute(f'CREATE DATABASE "{name}"')
        # As production is advised to run (docs/performance.md, and the compose stack does).
        _execute(f'ALTER DATABASE "{name}" SET random_page_cost = {RANDOM_PAGE_COST}')
        return f"{POSTGRES}/{name}"
    say("PostgreSQL does not answer on 127.0.0.1:5432: measuring on SQLite, which is not what production runs.")
    return f"sqlite:///{folder / f'bench-{label}.sqlite3'}"


def drop_database(url: str) -> None:
    if url.startswith("postgres"):
        _execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def child_env(database_url: str, folder: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("REDIS_URL", "DEBUG"):
        env.pop(name, None)
    env.update(
        DATABASE_URL=database_url,
        VAR_DIR=str(folder),
        SECRET_KEY="bench-" + "x" * 50,
        SECURE_SSL_REDIRECT="false",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        LOG_LEVEL="ERROR",
        **extra,
    )
    return env


def step(env: dict[str, str], *args: str) -> Any:
    """Run `manage.py bench --step ...` against the scratch database; its last line is JSON."""
    done = subprocess.run([sys.executable, MANAGE, "bench", *args], env=env, check=True, capture_output=True, text=True)  # noqa: S603
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- gunicorn ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    def __init__(self, env: dict[str, str], folder: Path, *, root: Path = ROOT) -> None:
        """gunicorn serving the code in `root` (this checkout, or another commit's for --against)."""
        self.port = free_port()
        self.log = folder / f"gunicorn-{self.port}.log"
        self.process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "gunicorn", "cmarac.wsgi:application", "--workers", "2", "--chdir", str(root),
             "--bind", f"127.0.0.1:{self.port}", "--timeout", "30", "--error-logfile", str(self.log)],
            env={**env, "BENCH": "true", "PYTHONPATH": str(root)}, cwd=root,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.base}/healthz", timeout=10)  # noqa: S310 (127.0.0.1 only)
                return
            except urllib.error.HTTPError:
                return  # it answers (unhealthy only for want of a broker, which nothing here needs)
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"gunicorn did not start: see {self.log}")

    def fetch(self, cookie: str, path: str) -> tuple[int, float, int]:
        request = urllib.request.Request(f"{self.base}{path}", headers={"Cookie": f"sessionid={cookie}"})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                response.read()
                status, headers = response.status, response.headers
        except urllib.error.HTTPError as error:
            status, headers = error.code, error.headers
        return status, float(headers.get("X-Response-Time", 0)), int(headers.get("X-Query-Count", 0))

    def worker_timeouts(self) -> int:
        return self.log.read_text().count("WORKER TIMEOUT") if self.log.exists() else 0

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


# --- Load ---------------------------------------------------------------------------------------


def locust_command() -> list[str] | None:
    found = os.environ.get("LOCUST") or shutil.which("locust")
    if found:
        return [found]
    # Looked for, not imported: importing locust monkey-patches this process with gevent, and
    # Django then fails closing its connections at exit ("created in a thread").
    if importlib.util.find_spec("locust") is not None:
        return [sys.executable, "-m", "locust"]
    return None


def run_load(
    server: Server, plan_file: Path, users: int, seconds: int, *, reference: bool, folder: Path, window: int = 0
) -> dict[str, Any]:
    """One locust run of `seconds` (the reference page alone, or the people's pages): requests,
    requests a second, p95 and failures."""
    command = locust_command()
    kind = "reference" if reference else "mixed"
    prefix = folder / f"locust-{users}-{kind}-{window}"
    env = {**os.environ, "BENCH_PLAN": str(plan_file), "BENCH_REFERENCE_ONLY": "1" if reference else ""}
    subprocess.run(  # noqa: S603
        [*command, "-f", LOCUSTFILE, "--headless", "--users", str(users), "--spawn-rate", str(users),  # type: ignore[misc]
         "--run-time", f"{seconds}s", "--host", server.base, "--csv", str(prefix), "--only-summary",
         "--stop-timeout", "5", "--exit-code-on-error", "0"],
        env=env, check=True, capture_output=True, text=True, timeout=seconds + 120,
    )  # fmt: skip
    with open(f"{prefix}_stats.csv", newline="") as stats:
        total = next(row for row in csv.DictReader(stats) if row["Name"] == "Aggregated")
    return {"requests": int(total["Request Count"]), "rps": float(total["Requests/s"]),
            "p95": float(total["95%"] or 0), "failures": int(total["Failure Count"])}  # fmt: skip


# The order of the load windows: the reference, the pages twice, the reference again. A machine
# whose speed drifts during the minute (another tenant of the host, a thermal limit) then slows
# both alike; run one after the other, the two 15 s runs had ratios from 0.30 to 0.53 on the same
# code and database (docs/performance.md).
LOAD_WINDOWS = (True, False, False, True)


def combine_windows(windows: list[dict[str, Any]]) -> dict[str, Any]:
    """Several runs of one kind as one: requests over the time they took, the slowest p95, every
    failure."""
    requests = sum(window["requests"] for window in windows)
    elapsed = sum(window["requests"] / window["rps"] for window in windows if window["rps"])
    return {
        "requests": requests,
        "rps": requests / elapsed if elapsed else 0.0,
        "p95": max(window["p95"] for window in windows),
        "failures": sum(window["failures"] for window in windows),
    }


def measure_load(
    server: Server, plan_file: Path, users: int, seconds: int, *, folder: Path
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the people's pages, the reference page) under `users` users, each for `seconds` in all, in
    the windows of LOAD_WINDOWS."""
    window_seconds = max(1, round(seconds / LOAD_WINDOWS.count(True)))  # each kind has as many windows
    runs: dict[bool, list[dict[str, Any]]] = {True: [], False: []}
    for n, reference in enumerate(LOAD_WINDOWS):
        runs[reference].append(
            run_load(server, plan_file, users, window_seconds, reference=reference, folder=folder, window=n)
        )
    return combine_windows(runs[False]), combine_windows(runs[True])


# --- The pack benchmark ---------------------------------------------------------------------------


def run_pack_bench(folder: Path, *, cases: int = 25) -> list[Row]:
    scratch = folder / "pack"
    scratch.mkdir(exist_ok=True)
    env = child_env(f"sqlite:///{scratch / 'bench.sqlite3'}", scratch, DEBUG="true")
    subprocess.run([sys.executable, MANAGE, "migrate", "--noinput", "-v0"], env=env, check=True)  # noqa: S603
    command = [sys.executable, MANAGE, "bench_pack", "--cases", str(cases)]
    done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)  # noqa: S603
    lines = done.stdout.strip().splitlines()
    seconds = [line.removeprefix("seconds: ") for line in lines if line.startswith("seconds:")] + ["", ""]
    verdict = next((line for line in lines if line.startswith("targets: under 5 seconds")), "")
    peak = next((line.split()[2] for line in lines if line.startswith("peak memory:")), "?")
    rows = [Row(f"meeting pack ({cases} cases)", f"{seconds[0]}; peak memory {peak} MB", "under 5 s and 500 MB",
                "NOT MET" not in verdict)]  # fmt: skip
    # The whole meeting's packs for 15 people at once, against the one full pack (ADR 0037).
    targets = next((line for line in lines if line.startswith("targets: all packs")), "")
    if targets:
        whole, single = targets.split(";")[0], targets.split(";")[-1]
        rows.append(Row("meeting packs for 15 people", seconds[1].split(";")[0], "under 3x one full pack",
                        "NOT MET" not in whole))  # fmt: skip
        rows.append(Row("one full pack", seconds[0].split(",")[-1].strip(), "under 3 s", "NOT MET" not in single))
    return rows


# --- One size ---------------------------------------------------------------------------------------


def generated_database(label: str, folder: Path) -> tuple[str, dict[str, str], dict[str, Any]]:
    """A scratch database of this size, migrated and filled, and what the benchmark asks of it
    (people's session cookies and pages): (database URL, environment, plan)."""
    database_url = scratch_database(label, folder)
    env = child_env(database_url, folder)
    say(f"[{label}] migrating a scratch database ({database_url.split('://')[0]})")
    subprocess.run([sys.executable, MANAGE, "migrate", "--noinput", "-v0"], env=env, check=True)  # noqa: S603
    say(f"[{label}] generating {SIZES[label]:,} cases")
    generated = step(env, "--step", "generate", "--size", label)
    say(f"[{label}] generated in {generated['seconds']:.0f} s: {generated['counts']}")
    return database_url, env, step(env, "--step", "prepare")


def page_plan(plan: dict[str, Any], *, cookie: str = "cookie") -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """(session cookie per person, pages per person), the reference and the layout-only page
    among them as the co-chair's. `cookie="copy"`: each person's copy of their session."""
    cookies = {person: entry[cookie] for person, entry in plan["people"].items()}
    cookies[REFERENCE] = cookies["co-chair"]
    pages = {REFERENCE: {"reference": "/bench/reference/", "floor": FLOOR[1]}}
    pages.update({person: entry["pages"] for person, entry in plan["people"].items()})
    return cookies, pages


def bench_size(
    label: str, options: Settings, folder: Path
) -> tuple[list[Row], dict[tuple[str, str], Timing], dict[str, Any]]:
    started = time.monotonic()
    database_url, env, plan = generated_database(label, folder)
    plan_file = folder / f"plan-{label}.json"
    plan_file.write_text(json.dumps(plan))
    rows: list[Row] = []
    server = Server(env, folder)
    try:
        cookies, pages = page_plan(plan)
        say(f"[{label}] timing pages")
        timings = time_pages(lambda person, path: server.fetch(cookies[person], path), pages, repeat=options.repeat)
        reference = timings.pop((REFERENCE, "reference"))
        floor = timings.pop((REFERENCE, "floor"))
        rows += page_rows(label, timings, reference, floor)
        command = locust_command()
        for users in options.load_users if command else ():
            say(f"[{label}] mixed load, {users} users: {options.load_seconds} s, and the reference as long, in turns")
            mixed, baseline = measure_load(server, plan_file, users, options.load_seconds, folder=folder)
            rows += load_rows(label, users, mixed, baseline, server.worker_timeouts())
        if command is None:
            rows.append(Row(f"{label} mixed load", "locust is not installed (make install)", "", False))
    finally:
        server.stop()
    say(f"[{label}] the reminders job")
    reminders = step(env, "--step", "reminders")
    measured = (
        f"{reminders['seconds']:.2f} s, {reminders['peak_mb']:.0f} MB peak Python memory, "
        f"{reminders['closed_actions']:,} closed actions"
    )
    rows.append(Row(f"{label} reminders job", measured, "", None))
    say(f"[{label}] the retention job")
    retention = step(env, "--step", "retention")
    rows += retention_rows(label, retention)
    if not options.keep:
        drop_database(database_url)
    say(f"[{label}] done in {time.monotonic() - started:.0f} s")
    return rows, timings, {"reminders": reminders, "retention": retention, "reference": reference}


def bench(labels: list[str], options: Settings) -> str:
    folder = Path(tempfile.mkdtemp(prefix="cmarac-bench-"))
    try:
        rows: list[Row] = []
        results: dict[str, tuple[dict[tuple[str, str], Timing], dict[str, Any]]] = {}
        for label in labels:
            size_rows, timings, jobs = bench_size(label, options, folder)
            rows += size_rows
            results[label] = (timings, jobs)
        if len(labels) >= 2:
            first, last = labels[0], labels[-1]
            small, large = results[first][1], results[last][1]
            references = (small["reference"], large["reference"])
            rows += growth_rows(results[first][0], results[last][0], (first, last), references)
            rows.append(reminders_growth_row(small["reminders"], large["reminders"], (first, last)))
            rows += retention_growth_rows(small["retention"], large["retention"], (first, last))
        if options.pack:
            say("meeting pack benchmark")
            rows += run_pack_bench(folder)
        return render_table(rows)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --- Code against code ------------------------------------------------------------------------------


def git(*args: str) -> str:
    done = subprocess.run(["git", "-C", str(ROOT), *args], check=True, capture_output=True, text=True)  # noqa: S603,S607
    return done.stdout.strip()


def other_checkout(commit: str, folder: Path) -> tuple[Path, str]:
    """The code of `commit` in a folder of its own, and its short name. Refused when its migrations
    differ from this checkout's: both versions are served from one database."""
    try:
        name = git("rev-parse", "--short", f"{commit}^{{commit}}")
    except (subprocess.CalledProcessError, FileNotFoundError) as error:
        raise ValueError(f"{commit!r} is not a commit of this git checkout") from error
    pattern = ":(glob)**/migrations/*.py"
    migrations = git("diff", "--name-only", name, "--", pattern)
    migrations = migrations or git("ls-files", "--others", "--exclude-standard", "--", pattern)  # new, not added
    if migrations:
        raise ValueError(
            f"the migrations of {name} differ from this checkout's ({migrations.splitlines()[0]}, ...): both "
            "versions are served from one database, so compare commits with the same schema"
        )
    root = folder / f"code-{name}"
    root.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", name], check=True, capture_output=True)  # noqa: S603,S607
    subprocess.run(["tar", "-x", "-C", str(root)], input=archive.stdout, check=True)  # noqa: S603,S607
    return root, name


def compare(against: str, label: str, options: Settings) -> str:
    """This checkout's pages against another commit's: both served by gunicorn from one scratch
    database, each request sent to one and then the other (docs/performance.md)."""
    folder = Path(tempfile.mkdtemp(prefix="cmarac-bench-"))
    servers: list[Server] = []
    try:
        root, name = other_checkout(against, folder)
        database_url, env, plan = generated_database(label, folder)
        cookies, pages = page_plan(plan)
        # Each server signs in with sessions of its own (copies holding the same): a server saves
        # the session on every request, in a form its own version reads and an older one may not
        # (cmarac/accounts/session_store.py).
        old_cookies, _ = page_plan(plan, cookie="copy")
        servers = [Server(env, folder, root=root), Server(env, folder)]
        say(f"[{label}] timing pages: {name} and this checkout, in turn, {options.repeat} rounds")
        old, new = time_pages_against(
            lambda person, path: servers[0].fetch(old_cookies[person], path),
            lambda person, path: servers[1].fetch(cookies[person], path),
            pages,
            repeat=options.repeat,
        )
        if not options.keep:
            drop_database(database_url)
        return f"{label}: {name} against this checkout\n\n" + compare_table(old, new, names=(name, "this"))
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)
