from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from cmarac.accounts.roles import Role
from cmarac.core.health import State, broker_state, database_state
from cmarac.governance.sharing import lapsed_agencies
from cmarac.outbox.services import outbox_backlog
from cmarac.web.navigation import capabilities_for, manage_links_for
from cmarac.web.work import work_sections


def home(request: HttpRequest) -> HttpResponse:
    """What needs the person now: a section of counts and links for each role they hold."""
    user = request.user
    return render(
        request,
        "core/home.html",
        {
            "sections": work_sections(request),
            "has_role": bool(user.roles),
            "capabilities": [vars(c) for c in capabilities_for(user)],
            "lapsed_sharing_agreements": (
                [agency.name for agency in lapsed_agencies()] if user.has_role(Role.COORDINATOR) else []
            ),
        },
    )


@require_GET
def manage(request: HttpRequest) -> HttpResponse:
    """The administration pages this person may use, in one place (the header's "Manage")."""
    links = manage_links_for(request.user)
    if not links:
        raise PermissionDenied
    return render(request, "core/manage.html", {"links": [vars(link) for link in links]})


@login_not_required
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "core/accessibility.html")


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": database_state(), "broker": broker_state()}
    healthy = all(state != State.UNREACHABLE for state in checks.values())
    body: dict[str, object] = {"status": "ok" if healthy else "unavailable", **{k: str(v) for k, v in checks.items()}}
    if checks["database"] == State.OK:
        # A count only: work saved but not yet done for longer than OUTBOX_BACKLOG_MINUTES.
        body["outbox_backlog"] = outbox_backlog()
    return JsonResponse(body, status=200 if healthy else 503)
