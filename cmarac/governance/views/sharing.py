"""Records of processing: the information-sharing basis in force for each agency."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from cmarac.accounts.roles import Role
from cmarac.governance.sharing import DUE_SOON_DAYS, sharing_states


def may_see_sharing(user: object) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_role(Role.AUDITOR, Role.COORDINATOR)  # type: ignore[attr-defined]


@require_GET
def sharing(request: HttpRequest) -> HttpResponse:
    if not may_see_sharing(request.user):
        raise PermissionDenied
    today = timezone.localdate()
    states = sharing_states(today=today)
    return render(
        request,
        "governance/sharing.html",
        {
            "states": states,
            "today": today,
            "due_soon_days": DUE_SOON_DAYS,
            "lapsed": [s.agency.name for s in states if s.lapsed],
            # The dates are changed on the agency's page in the service, which coordinators keep.
            "can_edit": request.user.has_role(Role.COORDINATOR),
        },
    )
