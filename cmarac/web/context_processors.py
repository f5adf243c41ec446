from __future__ import annotations

from functools import partial
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from cmarac.accounts.roles import ROLES_THAT_GRANT
from cmarac.web.navigation import nav_items_for


def _may_manage_people(request: HttpRequest) -> bool:
    """Whether the people pages (manage:people) open for this person, by their rule
    (require_granter): someone holding a role that grants roles."""
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.roles & ROLES_THAT_GRANT)


def service(request: HttpRequest) -> dict[str, Any]:
    return {
        "service_name": settings.SERVICE_NAME,
        "partnership_name": settings.PARTNERSHIP_NAME,
        "protective_marking": settings.PROTECTIVE_MARKING,
        "nav_items": nav_items_for(request),
        # Worked out only by a template that asks (the admin's banner): a template calls it.
        "may_manage_people": partial(_may_manage_people, request),
    }
