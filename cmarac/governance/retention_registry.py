"""Where each app says how retention applies to its records, without governance importing it.

`cmarac/` may not import the apps above it, so every installed app may have a module named
`retention` (found by `discover_retention_modules`, called when the app registry is ready) that
registers:

- a *case part*: a function that removes the personal data and free text of its records about
  one case. Every part runs inside the one transaction of that case, with the audit log's own
  signals off (the run records one entry per case instead of field values);
- a *record sweep*: records of its own that fall due without a case (e.g. a declined referral),
  with how to list them by due date and how to remove one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.db import models
from django.utils.module_loading import autodiscover_modules

if TYPE_CHECKING:
    from cmarac.cases.models import Case

# What stands in for required free text that was removed.
REMOVED_TEXT = "Removed under the retention policy."
# What an anonymised person is called on every page, pack and download.
ANONYMISED_NAME = "Anonymised subject"

CasePart = Callable[["Case"], None]


@dataclass(frozen=True)
class DueRecord:
    """A record that falls due on its own: references, dates and codes only, never content."""

    kind: str
    reference: str
    due_on: date
    policy: str
    reason: str


@dataclass(frozen=True)
class RecordSweep:
    kind: str
    # Every record due on or before the day, oldest first, read in chunks (bounded memory).
    due: Callable[[date], Iterable[DueRecord]]
    # Remove one record if it is still due on the day; returns the record as it was (for the
    # audit entry), or None when there was nothing to do. Called inside a transaction.
    remove: Callable[[str, date], models.Model | None]
    exists: Callable[[str], bool]


_case_parts: list[tuple[int, str, CasePart]] = []
_sweeps: dict[str, RecordSweep] = {}


def register_case_part(name: str, *, order: int) -> Callable[[CasePart], CasePart]:
    """Decorator: run this function (lowest order first) when a case is anonymised."""

    def register(function: CasePart) -> CasePart:
        _case_parts[:] = [part for part in _case_parts if part[1] != name]
        _case_parts.append((order, name, function))
        _case_parts.sort(key=lambda part: (part[0], part[1]))
        return function

    return register


def register_sweep(sweep: RecordSweep) -> None:
    _sweeps[sweep.kind] = sweep


def case_parts() -> list[tuple[str, CasePart]]:
    return [(name, function) for _, name, function in _case_parts]


def sweeps() -> list[RecordSweep]:
    return list(_sweeps.values())


def sweep_for(kind: str) -> RecordSweep | None:
    return _sweeps.get(kind)


def discover_retention_modules() -> None:
    autodiscover_modules("retention")
