"""`manage.py bench --against COMMIT` (make bench-against): two versions of the code served from one
scratch database, every page asked of each in turn. And the layout-only row beside the reference.
No timing is asserted: what is tested is what is asked, in what order, and what is printed."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from cmarac.web.bench import run
from cmarac.web.bench.pages import FLOOR, Timing, compare_table, page_rows, time_pages_against


def test_each_request_goes_to_both_versions_the_first_of_them_alternating() -> None:
    calls: list[tuple[str, str, str]] = []

    def fetcher(side: str, ms: float):  # type: ignore[no-untyped-def]
        def fetch(person: str, path: str) -> tuple[int, float, int]:
            calls.append((side, person, path))
            return 200, ms, 3 if side == "old" else 2

        return fetch

    plan = {"co-chair": {"home": "/", "case list": "/cases/"}}
    old, new = time_pages_against(fetcher("old", 10.0), fetcher("new", 8.0), plan, repeat=3, warm=1)
    assert len(calls) == 4 * 2 * 2  # 4 rounds, 2 pages, 2 versions
    firsts = [calls[i][0] for i in range(0, len(calls), 4)]  # who is asked first in each round
    assert firsts == ["old", "new", "old", "new"]
    assert all(calls[i][1:] == calls[i + 1][1:] for i in range(0, len(calls), 2))  # the same page, back to back
    assert old[("co-chair", "home")].server_ms == [10.0] * 3  # the warm round is not counted
    assert new[("co-chair", "case list")].server_ms == [8.0] * 3
    assert (old[("co-chair", "home")].queries, new[("co-chair", "home")].queries) == (3, 2)


def test_the_comparison_table_says_each_change_and_any_refusal() -> None:
    old = {("co-chair", "home"): Timing([10.0] * 5, 9, {200}), ("large", "case page"): Timing([20.0] * 5, 15, {200})}
    new = {("co-chair", "home"): Timing([8.0] * 5, 8, {200}), ("large", "case page"): Timing([21.0] * 5, 15, {404})}
    table = compare_table(old, new, names=("abc1234", "this"))
    home = next(line for line in table.splitlines() if line.startswith("home, co-chair"))
    assert "10.0 ms" in home
    assert "8.0 ms" in home
    assert "-20%" in home
    assert "9 to 8" in home
    page = next(line for line in table.splitlines() if line.startswith("case page, agency in 45% of cases"))
    assert "+5%" in page
    assert "HTTP [200] and [404]" in page
    assert table.splitlines()[0].startswith("page")
    assert "abc1234 p50" in table


def test_the_layout_only_page_is_reported_beside_the_reference_without_a_target() -> None:
    reference, floor = Timing([4.0] * 5, 5, {200}), Timing([8.0] * 5, 7, {200})
    rows = page_rows("100k", {("co-chair", "home"): Timing([12.0] * 5, 9, {200})}, reference, floor)
    layout = next(row for row in rows if FLOOR[0] in row.what)
    assert layout.met is None
    assert layout.target == ""
    assert "(2.0x)" in layout.measured
    assert "7 queries" in layout.measured
    assert [row.met for row in rows] == [None, None, True]


def _git(folder: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True, text=True)  # noqa: S603,S607
    return done.stdout.strip()


@pytest.fixture
def repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A checkout of two files and a migration, committed, standing in for this one."""
    root = tmp_path / "repository"
    (root / "app" / "migrations").mkdir(parents=True)
    (root / "app" / "views.py").write_text("old = True\n")
    (root / "app" / "migrations" / "0001_initial.py").write_text("operations = []\n")
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "-c", "user.name=Bench", "-c", "user.email=bench@example.test", "commit", "-q", "-m", "first")
    monkeypatch.setattr(run, "ROOT", root)
    return root


def test_the_other_commit_is_unpacked_where_it_may_be_served(repository: Path, tmp_path: Path) -> None:
    (repository / "app" / "views.py").write_text("old = False\n")  # this checkout's change, not committed
    root, name = run.other_checkout("HEAD", tmp_path)
    assert name == _git(repository, "rev-parse", "--short", "HEAD")
    assert (root / "app" / "views.py").read_text() == "old = True\n"


@pytest.mark.parametrize("change", ["edited", "added"])
def test_a_commit_with_other_migrations_is_refused(repository: Path, tmp_path: Path, change: str) -> None:
    """Both versions are served from one database: one of them would run on a schema not its own."""
    if change == "edited":
        (repository / "app" / "migrations" / "0001_initial.py").write_text("operations = [1]\n")
    else:
        (repository / "app" / "migrations" / "0002_more.py").write_text("operations = []\n")
    with pytest.raises(ValueError, match="migrations"):
        run.other_checkout("HEAD", tmp_path)


def test_what_is_not_a_commit_is_refused(repository: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a commit"):
        run.other_checkout("no-such-branch", tmp_path)


def test_the_command_compares_at_one_size() -> None:
    with pytest.raises(CommandError, match="one --size"):
        call_command("bench", "--against", "HEAD", "--size", "tiny", "--size", "10k")


@pytest.mark.own_database
def test_this_checkout_against_its_own_last_commit_end_to_end() -> None:
    """Two gunicorns on one scratch database (PostgreSQL where it answers), at the tiny size: every
    page of every person answers under both versions, and the table has a row for each."""
    table = run.compare("HEAD", "tiny", run.Settings(repeat=1, load_users=(), pack=False))
    lines = table.splitlines()
    assert lines[0].startswith("tiny: ")
    assert lines[0].endswith(" against this checkout")
    rows = [line for line in lines[4:] if line.strip()]
    assert rows[0].startswith("reference page")
    assert rows[1].startswith(FLOOR[0])
    assert any(row.startswith("case page, co-chair") for row in rows)
    assert not any("HTTP" in row for row in rows), table
