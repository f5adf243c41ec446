"""What apps above the case app do when an agency's last reason to see a case goes (meetings
withdraw the packs that hold the case for that agency's people), so the case app tells them
without importing them. Hooks run inside the transaction that removed the access: what they
change commits, or rolls back, with it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cmarac.accounts.models import Agency, User
    from cmarac.cases.models import Case

AccessEnded = Callable[..., None]  # called with case=, agency=, by= (keyword arguments)

_access_ended: dict[str, AccessEnded] = {}


def register_access_ended(name: str, hook: AccessEnded) -> None:
    """Called from an app's AppConfig.ready(); registering a name again replaces its hook."""
    _access_ended[name] = hook


def agency_access_ended(*, case: Case, agency: Agency, by: User | None) -> None:
    """The agency no longer sees the case: every registered hook is told, in name order."""
    for name in sorted(_access_ended):
        _access_ended[name](case=case, agency=agency, by=by)
