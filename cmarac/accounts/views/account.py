"""Your account: who you are in the service, your agency and roles, and your password and second factor."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cmarac.accounts.roles import Role


@require_GET
def account(request: HttpRequest) -> HttpResponse:
    user = request.user
    labels = [role.label for role in Role if role in user.roles]  # in the order of DOMAIN.md
    if user.is_agency_lead:
        labels.append("Agency lead")
    elif user.is_agency_deputy:
        labels.append("Agency deputy")
    return render(request, "accounts/account.html", {"roles": labels, "agency": user.agency})
