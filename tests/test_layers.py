"""The house has floors: a package imports only from its own floor and the floors below it.

From the ground up: core, outbox, accounts and agencies, the audit trail, cases, governance,
referrals, then meetings and actions (one floor: actions are set at meetings, and meetings show
them), and at the top the service's own pages and demo data (`cmarac.web`) and the URL and
settings modules. Governance finds each app's `retention.py` and `subject_access.py` by name;
those plug-in modules may import governance whatever floor their app is on.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

FLOORS = [
    {"cmarac.core"},
    {"cmarac.outbox"},
    {"cmarac.accounts"},
    {"cmarac.audit"},
    {"cmarac.cases"},
    {"cmarac.governance"},
    {"referrals"},
    {"meetings", "actions"},
    {"cmarac.web", "cmarac.reports"},
]
PLUG_INS = {"retention.py": "cmarac.governance", "subject_access.py": "cmarac.governance"}


def _floor_of(module: str) -> int | None:
    for number, packages in enumerate(FLOORS):
        if any(module == package or module.startswith(package + ".") for package in packages):
            return number
    return None


def _package_files():
    for packages in FLOORS:
        for package in packages:
            for path in sorted((ROOT / package.replace(".", "/")).rglob("*.py")):
                if "migrations" not in path.parts:
                    yield package, path


def _imports(path: Path):
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module


def test_no_import_runs_up_the_house() -> None:
    problems = []
    for package, path in _package_files():
        own = _floor_of(package)
        for line, module in _imports(path):
            floor = _floor_of(module)
            if floor is None or floor <= own:
                continue
            if PLUG_INS.get(path.name) and module.startswith(PLUG_INS[path.name]):
                continue
            problems.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert problems == []


@pytest.mark.parametrize("module", ["referrals.services", "cmarac.cases.models", "cmarac.core.schedule"])
def test_the_floors_know_these_modules(module: str) -> None:
    assert _floor_of(module) is not None
