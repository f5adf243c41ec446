"""Subject access pages: search people, make an export for a recorded request, follow it, download it.

Only the roles given the duty (SUBJECT_ACCESS_ROLES) reach these pages; anyone else is refused
(403), and an export is found only by the person who made it (404 for anyone else). The search
text stays in the session, never in an address or a log, as the case search does.
"""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cmarac.core.audit import audit_view
from cmarac.core.files import private_storage
from cmarac.governance.subject_access import Criteria, Match, Subjects, search
from cmarac.governance.subject_access_forms import SubjectAccessExportForm, SubjectAccessSearchForm
from cmarac.governance.subject_access_models import SubjectAccessExport
from cmarac.governance.subject_access_services import (
    audit_search,
    data_name,
    export_is_ready,
    may_make_exports,
    pdf_name,
    subject_access_export_request,
)

SEARCHES_KEPT = 10
SESSION_KEY = "subject_access_searches"


def _require_duty(request: HttpRequest) -> None:
    if not may_make_exports(request.user):
        raise PermissionDenied


def _remember(request: HttpRequest, criteria: Criteria) -> str:
    searches: dict[str, dict[str, str]] = request.session.get(SESSION_KEY, {})
    token = secrets.token_urlsafe(8)
    searches[token] = {
        "name": criteria.name,
        "date_of_birth": criteria.date_of_birth.isoformat() if criteria.date_of_birth else "",
        "postcode": criteria.postcode,
    }
    request.session[SESSION_KEY] = dict(list(searches.items())[-SEARCHES_KEPT:])
    return token


def _recall(request: HttpRequest, token: str) -> Criteria | None:
    saved = request.session.get(SESSION_KEY, {}).get(token) if token else None
    if not isinstance(saved, dict):
        return None
    try:
        born = date.fromisoformat(saved["date_of_birth"]) if saved.get("date_of_birth") else None
        return Criteria(name=str(saved.get("name", "")), date_of_birth=born, postcode=str(saved.get("postcode", "")))
    except (KeyError, ValueError):
        return None


def _results_page(
    request: HttpRequest,
    *,
    token: str,
    criteria: Criteria,
    matches: list[Match],
    export_form: SubjectAccessExportForm | None = None,
) -> HttpResponse:
    search_form = SubjectAccessSearchForm(
        initial={"name": criteria.name, "date_of_birth": criteria.date_of_birth, "postcode": criteria.postcode}
    )
    export_form = export_form or SubjectAccessExportForm(matches=matches)
    return render(
        request,
        "governance/subject_access_search.html",
        {
            "search_form": search_form,
            "form": export_form,
            "matches": matches,
            "searched": True,
            "token": token,
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def subject_access_search(request: HttpRequest) -> HttpResponse:
    _require_duty(request)
    if request.method == "POST":
        search_form = SubjectAccessSearchForm(request.POST)
        if search_form.is_valid():
            token = _remember(request, search_form.criteria())
            return redirect(f"{reverse('governance:subject_access_search')}?search={token}")
        return render(
            request,
            "governance/subject_access_search.html",
            {"search_form": search_form, "form": search_form, "searched": False},
        )
    token = request.GET.get("search", "")
    criteria = _recall(request, token)
    if criteria is None:
        return render(
            request,
            "governance/subject_access_search.html",
            {"search_form": SubjectAccessSearchForm(), "searched": False, "expired": bool(token)},
        )
    matches = search(criteria)
    audit_search(request=request, parts_used=criteria.parts_used(), shown=[m.key for m in matches])
    return _results_page(request, token=token, criteria=criteria, matches=matches)


@require_POST
def subject_access_export_create(request: HttpRequest) -> HttpResponse:
    _require_duty(request)
    token = request.POST.get("search", "")
    criteria = _recall(request, token)
    if criteria is None:
        messages.error(request, "Your search has expired. Search again.")
        return redirect("governance:subject_access_search")
    # Only people the recorded search found can be chosen.
    matches = search(criteria)
    form = SubjectAccessExportForm(request.POST, matches=matches)
    if form.is_valid():
        try:
            export = subject_access_export_request(
                made_by=request.user,
                request_reference=form.cleaned_data["request_reference"],
                note=form.cleaned_data["note"],
                subjects=Subjects.from_keys(form.cleaned_data["people"]),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            audit_view(request=request, instance=export, what="Subject access export made")
            return redirect(export)
    return _results_page(request, token=token, criteria=criteria, matches=matches, export_form=form)


@require_GET
def subject_access_exports(request: HttpRequest) -> HttpResponse:
    _require_duty(request)
    exports = list(SubjectAccessExport.objects.visible_to(request.user).order_by("-requested_at")[:200])
    now = timezone.now()
    rows = [{"export": export, "ready": _ready(export, now)} for export in exports]
    return render(request, "governance/subject_access_exports.html", {"rows": rows})


def _ready(export: SubjectAccessExport, now: Any) -> bool:
    # The files are checked only for a ready export, so the list reads the disk for those alone.
    return export.status == SubjectAccessExport.Status.READY and export_is_ready(export, now=now)


def _export_for(request: HttpRequest, export_id: object) -> SubjectAccessExport:
    """Only the person who made an export finds it; anyone else gets 404."""
    return get_object_or_404(SubjectAccessExport.objects.visible_to(request.user), pk=export_id)


@never_cache
@require_GET
def subject_access_export(request: HttpRequest, export_id: object) -> HttpResponse:
    export = _export_for(request, export_id)
    return render(
        request,
        "governance/subject_access_export.html",
        {"export": export, "ready": export_is_ready(export)},
    )


FILES = {
    "pdf": (pdf_name, "pdf", "application/pdf", "PDF"),
    "data": (data_name, "zip", "application/zip", "data file"),
}


@never_cache
@require_GET
def subject_access_export_download(request: HttpRequest, export_id: object, kind: str) -> FileResponse:
    export = _export_for(request, export_id)
    if kind not in FILES or not export_is_ready(export):
        raise Http404("This file is not available")
    name_of, extension, content_type, label = FILES[kind]
    # Streamed from the private storage, whichever machine made it (ADR 0038); never a storage URL.
    try:
        stored = private_storage().open(name_of(export), "rb")
    except FileNotFoundError as gone:
        raise Http404("This file is not available") from gone
    audit_view(request=request, instance=export, what=f"Subject access export download ({label})")
    name = f"subject-access-{slugify(export.request_reference)[:40] or 'export'}-OFFICIAL-SENSITIVE.{extension}"
    response = FileResponse(stored, as_attachment=True, filename=name)
    response["Content-Type"] = content_type
    response["Cache-Control"] = "no-store, private"
    return response
