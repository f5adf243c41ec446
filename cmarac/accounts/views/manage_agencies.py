"""Manage agencies and users: the agency pages (ADR 14). Co-chairs and coordinators read them;
coordinators add and change agencies, with a revision (ADR 7) and the audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from cmarac.accounts import services
from cmarac.accounts.manage_forms import AgencyForm
from cmarac.accounts.models import Agency, User
from cmarac.accounts.roles import Role
from cmarac.accounts.views.manage_people import require_coordinator, require_granter

FIELDS = [
    "name",
    "short_name",
    "kind",
    "membership",
    "contact_email",
    "members_see_cases",
    "is_active",
    "sharing_agreement_signed_on",
    "confidentiality_statement_signed_on",
    "sharing_agreement_renew_by",
]


def _agency(pk: int) -> Agency:
    return get_object_or_404(Agency.objects.select_related("lead", "deputy", "group"), pk=pk)


@require_http_methods(["GET"])
def agencies(request: HttpRequest) -> HttpResponse:
    require_granter(request.user)
    return render(
        request,
        "accounts/manage_agencies.html",
        {
            "agencies": list(Agency.objects.select_related("lead", "deputy").order_by("-is_active", "name")),
            "can_add": request.user.has_role(Role.COORDINATOR),
            "manage_section": "agencies",
        },
    )


@require_http_methods(["GET"])
def agency_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_granter(request.user)
    agency = _agency(pk)
    return render(
        request,
        "accounts/manage_agency.html",
        {
            "agency": agency,
            "staff": list(User.objects.filter(agency=agency).order_by("-is_active", "full_name")[:200]),
            "can_edit": request.user.has_role(Role.COORDINATOR),
            "manage_section": "agencies",
        },
    )


def _initial(agency: Agency) -> dict[str, Any]:
    return {
        **{name: getattr(agency, name) for name in FIELDS},
        "lead": agency.lead_id,
        "deputy": agency.deputy_id,
        "revision": agency.revision,
    }


@require_http_methods(["GET", "POST"])
def agency_add(request: HttpRequest) -> HttpResponse:
    require_coordinator(request.user)
    form = AgencyForm(
        request.POST or None,
        agency=None,
        initial={"is_active": True, "members_see_cases": True, "membership": Agency.Membership.FLEXIBLE},
    )
    if request.method == "POST" and form.is_valid():
        try:
            agency = services.agency_create(by=request.user, fields={n: form.cleaned_data[n] for n in FIELDS})
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "Agency added. Add its staff, then name its lead and deputy.")
            return redirect("manage:agency", pk=agency.pk)
    return render(
        request, "accounts/manage_agency_form.html", {"form": form, "adding": True, "manage_section": "agencies"}
    )


def _add_errors(form: AgencyForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@require_http_methods(["GET", "POST"])
def agency_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_coordinator(request.user)
    agency = _agency(pk)
    form = AgencyForm(request.POST or None, agency=agency, initial=_initial(agency))
    conflicts: list[tuple[str, Any, Any]] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.agency_update(
                agency=agency,
                by=request.user,
                revision=data["revision"],
                fields={n: data[n] for n in FIELDS},
                lead=data["lead"],
                deputy=data["deputy"],
            )
        except services.EditConflict as error:
            current = _agency(pk)
            saved = _initial(current)
            conflicts = [
                (str(form.fields[name].label), _shown(form, name, saved[name]), _shown(form, name, data[name]))
                for name in [*FIELDS, "lead", "deputy"]
                if _comparable(data[name]) != _comparable(saved[name])
            ]
            posted = request.POST.copy()
            posted["revision"] = str(current.revision)
            form = AgencyForm(posted, agency=current, initial=_initial(current))
            form.is_valid()
            form.add_error(None, error)
            agency = current
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "Agency saved")
            return redirect(reverse("manage:agency", args=[agency.pk]))
    return render(
        request,
        "accounts/manage_agency_form.html",
        {"form": form, "agency": agency, "conflicts": conflicts, "manage_section": "agencies"},
    )


def _comparable(value: Any) -> Any:
    return getattr(value, "pk", value)


def _shown(form: AgencyForm, name: str, value: Any) -> Any:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    value = _comparable(value)
    choices = {str(key): label for key, label in getattr(form.fields[name], "choices", None) or ()}
    return choices.get(str(value), value) if value not in (None, "") else "None"
