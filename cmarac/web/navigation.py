"""What each person is offered: the service navigation and the home page's list of other pages.

Only pages that exist are linked. Each later part of the service adds its entry here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.http import HttpRequest
from django.urls import get_script_prefix
from django.urls import reverse as _reverse

from cmarac.accounts.models import User
from cmarac.accounts.roles import Role
from cmarac.cases.access import agency_sees_cases
from cmarac.governance.subject_access_services import may_make_exports


def reverse(name: str) -> str:
    """The address of a page without arguments, worked out once per process (and script prefix):
    the header on every page links to up to a dozen of them (ADR 0039)."""
    return _fixed_url(name, get_script_prefix())


@lru_cache(maxsize=64)
def _fixed_url(name: str, prefix: str) -> str:
    return _reverse(name)


def sees_cases(user: User) -> bool:
    return user.sees_all_cases or agency_sees_cases(user)


@dataclass(frozen=True)
class Capability:
    title: str
    description: str
    url: str | None = None


def may_refer(user: User) -> bool:
    return user.agency_id is not None


def capabilities_for(user: User) -> list[Capability]:
    found: list[Capability] = []
    if may_refer(user):
        found.append(
            Capability(
                title="Make a referral",
                description="Refer a case to the panel with the risk checklist, save it as a draft, "
                "and follow what happens to your referrals.",
                url=reverse("referrals:mine"),
            )
        )
    if user.has_role(Role.COORDINATOR, Role.CO_CHAIR):
        found.append(
            Capability(
                title="Triage referrals",
                description="Accept submitted referrals into cases, decline them, or ask for more information.",
                url=reverse("referrals:list"),
            )
        )
    if sees_cases(user):
        found.append(
            Capability(
                title="Cases",
                description="Find and read the cases you are entitled to see"
                + (", and open a case by hand." if user.has_role(Role.COORDINATOR) else "."),
                url=reverse("cases:list"),
            )
        )
    if sees_cases(user):
        found.append(
            Capability(
                title="Actions",
                description="Update your agency's actions and see the others on your cases."
                if not user.sees_all_cases
                else "Set actions, review them at the next meeting and download the action log.",
                url=reverse("actions:list"),
            )
        )
    found.append(
        Capability(
            title="Meetings",
            description="See the panel's meetings and the agenda items your agency is invited to"
            + (", build agendas, run meetings and record minutes." if user.sees_all_cases else ".")
            + " Subscribe to the meetings calendar.",
            url=reverse("meetings:list"),
        )
    )
    if user.has_role(Role.COORDINATOR):
        found.append(
            Capability(
                title="Manage risk checklists",
                description="Make a new version of the risk checklist, edit it and publish it. "
                "Referrals already made keep the version they used.",
                url=reverse("checklists:list"),
            )
        )
    if user.has_role(Role.COORDINATOR, Role.AUDITOR):
        found.append(
            Capability(
                title="Audit trail",
                description="See who viewed or changed what, and export it as CSV.",
                url=reverse("audit:trail"),
            )
        )
        found.append(
            Capability(
                title="Retention review",
                description="See the records whose retention period ends this month, hold one with a reason "
                "and a date to look again, and release holds.",
                url=reverse("governance:retention_queue"),
            )
        )
    if may_make_exports(user):
        found.append(
            Capability(
                title="Subject access requests",
                description="Find what is held about a person across every case and referral, and make an "
                "export for a recorded request.",
                url=reverse("governance:subject_access_search"),
            )
        )
    if user.has_role(Role.COORDINATOR, Role.AUDITOR):
        found.append(
            Capability(
                title="Information sharing agreements",
                description="See when each agency signed the agreement and the confidentiality statement, "
                "and which must sign again.",
                url=reverse("governance:sharing"),
            )
        )
    if user.has_role(Role.COORDINATOR):
        found.append(
            Capability(
                title="Second factors",
                description="See who has set up a second factor, and reset someone's when they have lost it.",
                url=reverse("second_factor:people"),
            )
        )
    if user.has_role(Role.COORDINATOR, Role.CO_CHAIR):
        found.append(
            Capability(
                title="Manage agencies and users",
                description="Add agencies and name their lead and deputy, invite people, and propose and approve roles."
                if user.has_role(Role.COORDINATOR)
                else "Propose and approve roles, and see who has changed agency.",
                url=reverse("manage:people"),
            )
        )
    if user.is_staff and user.has_role(Role.ADMINISTRATOR):
        found.append(
            Capability(
                title="Service configuration",
                description="The configuration pages (Django admin). People, roles and agencies are managed by "
                "the coordinators.",
                url=reverse("admin:index"),
            )
        )
    return found


# The administration pages: gathered on one "Manage" page, so the header is one row for every role.
MANAGE_TITLES = (
    "Manage agencies and users",
    "Manage risk checklists",
    "Audit trail",
    "Retention review",
    "Subject access requests",
    "Information sharing agreements",
    "Second factors",
    "Service configuration",
)


def manage_links_for(user: User) -> list[Capability]:
    return [capability for capability in capabilities_for(user) if capability.title in MANAGE_TITLES]


def nav_items_for(request: HttpRequest) -> list[dict[str, object]]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    is_verified = getattr(user, "is_verified", None)  # set by django-otp's middleware
    if is_verified is not None and not is_verified():
        return []  # part-way through signing in: nothing to go to before the second factor
    # The service name links to the home page, so "Home" is not repeated; the chairs' own referrals
    # are on their home page ("Make a referral"), so their header has one "Referrals".
    entries: list[tuple[str, str]] = []
    if user.has_role(Role.COORDINATOR, Role.CO_CHAIR):
        entries.append(("Referrals", reverse("referrals:list")))
    elif may_refer(user):
        entries.append(("My referrals", reverse("referrals:mine")))
    if sees_cases(user):
        entries.append(("Cases", reverse("cases:list")))
    if sees_cases(user):
        entries.append(("Actions", reverse("actions:list")))
    entries.append(("Meetings", reverse("meetings:list")))
    if user.has_role(Role.COORDINATOR, Role.CO_CHAIR, Role.AUDITOR):
        entries.append(("Report", reverse("reports:report")))
    manage = manage_links_for(user)
    if manage:
        entries.append(("Manage", reverse("manage-hub")))
    # The entry whose address is the longest prefix of this page is the current one; "Manage" is
    # current on every page it links to.
    path = request.path
    under = {url: url for _, url in entries}
    under.update({str(link.url): reverse("manage-hub") for link in manage if link.url})
    prefixes = [url for url in under if path == url or (url != "/" and path.startswith(url))]
    current = under[max(prefixes, key=len)] if prefixes else None
    return [{"label": label, "url": url, "active": url == current} for label, url in entries]
