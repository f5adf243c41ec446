"""The home page's work queues: what each app offers as a line of work for a person.

Each app with work to offer has a `work.py` whose functions take the person (and today) and return
`WorkLine`s computed through `visible_to(user)` / the access helpers, in a fixed number of queries.
`cmarac.web.work` puts them into one section per role. A line holds counts, references and dates,
never anything about the people in a case.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class WorkItem:
    """One thing in a line's short list: a reference (or a date), a link, and a note (a deadline...)."""

    label: str
    url: str
    note: str = ""
    urgent: bool = False


@dataclass(frozen=True)
class WorkLine:
    """A count and a link to the list it counts ("3 referrals waiting for triage").

    `count` None means a line of state, not a count (the next meeting's date, the audit check)."""

    text: str
    url: str
    count: int | None = None
    note: str = ""
    urgent: bool = False
    items: list[WorkItem] = field(default_factory=list)
    more: int = 0  # items counted but not listed

    @property
    def needs_attention(self) -> bool:
        return self.urgent and bool(self.count)


@dataclass(frozen=True)
class WorkSection:
    title: str
    lines: list[WorkLine]
    intro: str = ""


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """'1 referral', '3 referrals', '0 referrals'."""
    return f"{count} {singular if count == 1 else (plural_form or singular + 's')}"
