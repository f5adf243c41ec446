from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from cmarac.web.navigation import nav_items_for


def service(request: HttpRequest) -> dict[str, Any]:
    return {
        "service_name": settings.SERVICE_NAME,
        "partnership_name": settings.PARTNERSHIP_NAME,
        "protective_marking": settings.PROTECTIVE_MARKING,
        "nav_items": nav_items_for(request),
    }
