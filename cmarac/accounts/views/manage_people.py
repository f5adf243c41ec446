"""Manage agencies and users: the people pages and role requests (ADR 14).

Coordinators manage people; co-chairs and coordinators propose and approve roles and see
agency moves. Nobody else reaches these pages (403). They show staff, never case data.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from cmarac.accounts import services
from cmarac.accounts.manage_forms import (
    InviteForm,
    PeopleFilterForm,
    PersonForm,
    RevisionForm,
    RoleDecisionForm,
    RoleProposeForm,
)
from cmarac.accounts.models import RoleGrant, User
from cmarac.accounts.roles import ROLES_THAT_GRANT, Role
from cmarac.accounts.selectors import membership_changes, people_for_list, role_grants, role_labels
from cmarac.core.audit import audit_view

PAGE_SIZE = 25


def require_coordinator(user: User) -> None:
    if not user.has_role(Role.COORDINATOR):
        raise PermissionDenied


def require_granter(user: User) -> None:
    if not any(role in user.roles for role in ROLES_THAT_GRANT):
        raise PermissionDenied


def _person(pk: int) -> User:
    return get_object_or_404(User.objects.select_related("agency"), pk=pk)


def _person_url(person: User) -> str:
    return reverse("manage:person", args=[person.pk])


@require_http_methods(["GET"])
def people(request: HttpRequest) -> HttpResponse:
    require_granter(request.user)
    form = PeopleFilterForm(request.GET or None)
    valid = form.is_bound is False or form.is_valid()
    filters: dict[str, Any] = form.cleaned_data if form.is_bound and valid else {}
    page = Paginator(people_for_list(filters=filters), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    rows = [{"person": person, "roles": role_labels(person)} for person in page.object_list]
    return render(
        request,
        "accounts/manage_people.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query_string": query.urlencode(),
            "can_invite": request.user.has_role(Role.COORDINATOR),
            "manage_section": "people",
        },
        status=200 if valid else 400,
    )


@require_http_methods(["GET"])
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_granter(request.user)
    person = _person(pk)
    audit_view(request=request, instance=person, what="Person page (manage)")
    user = request.user
    is_self = person.pk == user.pk
    return render(
        request,
        "accounts/manage_person.html",
        {
            "person": person,
            "roles": [role for role in Role if role in person.roles],
            "grants": list(role_grants().filter(person=person)[:20]),
            "agency_changes": list(membership_changes().filter(person=person)[:10]),
            "is_self": is_self,
            "is_coordinator": user.has_role(Role.COORDINATOR),
            "may_propose": not is_self and person.is_active,
            "revision_form": RevisionForm(initial={"revision": person.revision}),
            "manage_section": "people",
        },
    )


@require_http_methods(["GET", "POST"])
def person_invite(request: HttpRequest) -> HttpResponse:
    require_coordinator(request.user)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.person_invite(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Invitation sent. Give the person their roles below.")
            return redirect(_person_url(person))
    return render(
        request, "accounts/manage_person_form.html", {"form": form, "inviting": True, "manage_section": "people"}
    )


@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_coordinator(request.user)
    person = _person(pk)
    initial = {
        "full_name": person.full_name,
        "job_title": person.job_title,
        "phone": person.phone,
        "agency": person.agency_id,
        "revision": person.revision,
    }
    form = PersonForm(request.POST or None, initial=initial)
    conflicts: list[tuple[str, Any, Any]] = []
    if request.method == "POST" and form.is_valid():
        try:
            services.person_update(person=person, by=request.user, **form.cleaned_data)
        except services.EditConflict as error:
            current = _person(pk)
            data = request.POST.copy()
            data["revision"] = str(current.revision)
            conflicts = [
                (str(form.fields[name].label), getattr(current, name) or "", form.cleaned_data[name] or "")
                for name in ("full_name", "job_title", "phone", "agency")
                if form.cleaned_data[name] != getattr(current, name)
            ]
            form = PersonForm(data, initial=initial)
            form.is_valid()
            form.add_error(None, error)
            person = current
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Details saved")
            return redirect(_person_url(person))
    return render(
        request,
        "accounts/manage_person_form.html",
        {"form": form, "person": person, "conflicts": conflicts, "manage_section": "people"},
    )


def _confirm(
    request: HttpRequest, pk: int, *, action: Any, template_context: dict[str, Any], done: str
) -> HttpResponse:
    require_coordinator(request.user)
    person = _person(pk)
    form = RevisionForm(request.POST or None, initial={"revision": person.revision})
    if request.method == "POST" and form.is_valid():
        try:
            action(person=person, by=request.user, revision=form.cleaned_data["revision"])
        except services.EditConflict:
            messages.error(request, "Someone else changed this person's account. Check it and try again.")
            return redirect(_person_url(person))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, done)
            return redirect(_person_url(person))
    return render(
        request,
        "accounts/manage_confirm.html",
        {"form": form, "person": person, "manage_section": "people", **template_context},
    )


@require_http_methods(["GET", "POST"])
def person_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    return _confirm(
        request,
        pk,
        action=services.person_deactivate,
        template_context={
            "heading": "Deactivate this account",
            "explanation": "They are signed out at once and cannot sign in again. Their roles and history stay, "
            "and a coordinator can reactivate the account.",
            "button": "Deactivate account",
            "warning": True,
        },
        done="Account deactivated and signed out",
    )


@require_http_methods(["GET", "POST"])
def person_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    return _confirm(
        request,
        pk,
        action=services.person_reactivate,
        template_context={
            "heading": "Reactivate this account",
            "explanation": "They can sign in again with the roles they had. Send them a password reset link if needed.",
            "button": "Reactivate account",
        },
        done="Account reactivated",
    )


@require_POST
def person_send_reset(request: HttpRequest, pk: int) -> HttpResponse:
    require_coordinator(request.user)
    person = _person(pk)
    try:
        services.person_send_password_reset(person=person, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Password reset link sent to the person's email address")
    return redirect(_person_url(person))


@require_http_methods(["GET", "POST"])
def role_propose(request: HttpRequest, pk: int) -> HttpResponse:
    require_granter(request.user)
    person = _person(pk)
    form = RoleProposeForm(
        request.POST or None, held=person.roles, direct_allowed=request.user.has_role(Role.COORDINATOR)
    )
    if request.method == "POST" and form.is_valid():
        try:
            grant = services.role_grant_propose(
                person=person, role=Role(form.cleaned_data["role"]), by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if grant.outcome == RoleGrant.Outcome.PENDING:
                messages.success(
                    request, f"{grant.role_label} role proposed. Another co-chair or coordinator must approve it."
                )
            else:
                messages.success(request, f"{grant.role_label} role given")
            return redirect(_person_url(person))
    return render(
        request, "accounts/manage_role_form.html", {"form": form, "person": person, "manage_section": "people"}
    )


@require_http_methods(["GET", "POST"])
def role_remove(request: HttpRequest, pk: int, role: str) -> HttpResponse:
    require_coordinator(request.user)
    person = _person(pk)
    if role not in Role.values:
        raise Http404("No such role")
    chosen = Role(role)
    form = RevisionForm(request.POST or None, initial={"revision": person.revision})
    if request.method == "POST":
        try:
            services.role_revoke(person=person, role=chosen, by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{chosen.label} role removed")
            return redirect(_person_url(person))
    return render(
        request,
        "accounts/manage_confirm.html",
        {
            "form": form,
            "person": person,
            "heading": f"Remove the {chosen.label} role",
            "explanation": "The change takes effect at once and is recorded in the audit trail.",
            "button": "Remove role",
            "warning": True,
            "manage_section": "people",
        },
    )


@require_http_methods(["GET"])
def role_requests(request: HttpRequest) -> HttpResponse:
    require_granter(request.user)
    grants = role_grants()
    return render(
        request,
        "accounts/manage_role_requests.html",
        {
            "pending": list(grants.filter(outcome=RoleGrant.Outcome.PENDING).order_by("proposed_at", "pk")[:100]),
            "decided": list(grants.exclude(outcome=RoleGrant.Outcome.PENDING).filter(proposed_by__isnull=False)[:25]),
            "manage_section": "role-requests",
        },
    )


@require_http_methods(["GET", "POST"])
def role_request_decide(request: HttpRequest, pk: int) -> HttpResponse:
    require_granter(request.user)
    grant = get_object_or_404(role_grants(), pk=pk, outcome=RoleGrant.Outcome.PENDING)
    form = RoleDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["decision"] == "approve":
                services.role_grant_approve(grant=grant, by=request.user)
                messages.success(request, f"{grant.role_label} role approved")
            else:
                services.role_grant_reject(grant=grant, by=request.user, reason=form.cleaned_data["reason"])
                messages.success(request, "Role request rejected")
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("manage:role-requests")
    return render(
        request,
        "accounts/manage_role_decide.html",
        {"form": form, "grant": grant, "manage_section": "role-requests"},
    )


@require_http_methods(["GET"])
def agency_moves(request: HttpRequest) -> HttpResponse:
    require_granter(request.user)
    page = Paginator(membership_changes(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/manage_membership_changes.html",
        {"page": page, "changes": page.object_list, "query_string": "", "manage_section": "agency-moves"},
    )
