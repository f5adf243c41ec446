"""Sections that apps above the case app add to the case page (actions, for one), so the case
app shows them without importing those apps."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cmarac.accounts.models import User
    from cmarac.cases.models import Case


@dataclass(frozen=True)
class CasePanel:
    template: str  # rendered with `case` and `panel` (what `context` returns) in its context
    context: Callable[[User, Case], dict[str, Any]]  # reads only through visible_to(user)
    order: int
    heading: str = ""  # the section's <h2>, listed in the page's contents with `anchor`
    anchor: str = ""


_panels: dict[str, CasePanel] = {}


def register_case_panel(
    name: str,
    *,
    template: str,
    context: Callable[[User, Case], dict[str, Any]],
    order: int = 100,
    heading: str = "",
    anchor: str = "",
) -> None:
    """Called from an app's AppConfig.ready()."""
    _panels[name] = CasePanel(template=template, context=context, order=order, heading=heading, anchor=anchor)


def case_panels(user: User, case: Case) -> list[dict[str, Any]]:
    """Each registered panel's template and context for this person and case, in order."""
    return [
        {
            "template": panel.template,
            "panel": panel.context(user, case),
            "heading": panel.heading,
            "anchor": panel.anchor,
        }
        for panel in sorted(_panels.values(), key=lambda panel: panel.order)
    ]
