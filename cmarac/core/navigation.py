"""What each person is offered: the service navigation and the home page's list.

Only pages that exist are linked. Each later part of the service adds its entry here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse

from cmarac.accounts.models import User
from cmarac.accounts.roles import Role

ROLE_DESCRIPTIONS: dict[Role, str] = {
    Role.COORDINATOR: (
        "You run the panel day to day: triage referrals, build agendas, record attendance and minutes, "
        "export meeting packs, manage agencies and users, and see the audit trail."
    ),
    Role.CO_CHAIR: (
        "You chair the panel: you see every case, build and approve agendas and minutes, "
        "nominate lead agencies, set and close actions, and close cases."
    ),
    Role.AGENCY_MEMBER: (
        "You see the cases your agency attends and update the actions assigned to your agency or to you."
    ),
    Role.REFERRER: "You submit referrals to the panel and follow their progress. You see your own referrals only.",
    Role.AUDITOR: ("You read the audit trail and run retention and subject access exports. You cannot edit cases."),
    Role.ADMINISTRATOR: (
        "You configure the service: agencies and user accounts. You see case content only through another role."
    ),
}


@dataclass(frozen=True)
class Capability:
    title: str
    description: str
    url: str | None = None


def capabilities_for(user: User) -> list[Capability]:
    found: list[Capability] = []
    if user.is_staff:
        found.append(
            Capability(
                title="Manage agencies and users",
                description="Add agencies, name their lead and deputy, and give people their roles.",
                url=reverse("admin:index"),
            )
        )
    return found


def nav_items_for(request: HttpRequest) -> list[dict[str, object]]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    entries = [("Home", reverse("home"))]
    if user.is_staff:
        entries.append(("Manage agencies and users", reverse("admin:index")))
    path = request.path
    return [
        {"label": label, "url": url, "active": path == url if url == "/" else path.startswith(url)}
        for label, url in entries
    ]
