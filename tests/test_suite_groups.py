"""The suite's own guard: under --dist loadgroup, a test marked with xdist_group that reaches a
process without its group (pytest-xdist issue 1386) fails the run instead of being spread out."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests import conftest


def session(*nodeids: str, loadgroup: bool = True) -> SimpleNamespace:
    marked = pytest.mark.xdist_group("seeded-demo").mark
    items = [
        SimpleNamespace(nodeid=nodeid, get_closest_marker=lambda name, m=marked: m if name == "xdist_group" else None)
        for nodeid in nodeids
    ]
    return SimpleNamespace(config=SimpleNamespace(option=SimpleNamespace(loadgroup=loadgroup)), items=items)


def test_a_marked_test_without_its_group_fails_the_run(capsys) -> None:
    with pytest.raises(pytest.UsageError, match="not grouping tests"):
        conftest.pytest_collection_finish(session("tests/test_a.py::TestA::test_one"))
    assert "tests/test_a.py::TestA::test_one" in capsys.readouterr().err


def test_grouped_tests_and_runs_without_loadgroup_pass() -> None:
    conftest.pytest_collection_finish(session("tests/test_a.py::TestA::test_one@seeded-demo"))
    conftest.pytest_collection_finish(session("tests/test_a.py::TestA::test_one", loadgroup=False))


def test_the_broker_tests_are_grouped_as_they_are_collected() -> None:
    item = SimpleNamespace(markers=[], get_closest_marker=lambda name: object() if name == "broker" else None)
    item.add_marker = item.markers.append
    conftest.pytest_itemcollected(item)
    assert [mark.mark.args for mark in item.markers] == [("broker",)]
