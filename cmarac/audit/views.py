from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from cmarac.accounts.roles import Role
from cmarac.audit.forms import AuditFilterForm
from cmarac.audit.presentation import changed_fields, describe_changes
from cmarac.audit.selectors import audit_entries
from cmarac.core.audit import audit_list
from cmarac.core.csv_download import csv_download
from cmarac.core.pagination import bounded_page

PAGE_SIZE = 50


def _filters(request: HttpRequest) -> tuple[AuditFilterForm, dict[str, Any]]:
    if not request.user.has_role(Role.COORDINATOR, Role.AUDITOR):
        raise PermissionDenied
    form = AuditFilterForm(request.GET or None)
    return form, (form.cleaned_data if form.is_valid() else {})


def _criteria(filters: dict[str, Any]) -> dict[str, str]:
    return {key: str(value) for key, value in filters.items() if value not in (None, "")}


def audit_trail(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    page = bounded_page(audit_entries(filters=filters), PAGE_SIZE, request.GET.get("page"))
    page.object_list = list(page.object_list)
    for entry in page.object_list:
        entry.changed_fields = changed_fields(entry)
    audit_list(request=request, model=LogEntry, what="Audit trail", shown=[], criteria=_criteria(filters))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/audit_trail.html",
        {"form": form, "page": page, "entries": page.object_list, "query_string": query.urlencode()},
    )


def _csv_rows(entries: Any) -> Iterator[list[str]]:
    yield [
        "time",
        "person",
        "email",
        "agency",
        "action",
        "record type",
        "record",
        "case or referral",
        "address",
        "details",
    ]
    for entry in entries.iterator(chunk_size=500):
        actor = entry.actor
        yield [
            timezone.localtime(entry.timestamp).isoformat(),
            actor.full_name if actor else "",
            entry.actor_email or (actor.email if actor else ""),
            actor.agency.name if actor and actor.agency else "",
            entry.get_action_display(),
            entry.content_type.name,
            entry.object_repr,
            (entry.additional_data or {}).get("case") or (entry.additional_data or {}).get("referral", ""),
            entry.remote_addr or "",
            describe_changes(entry),
        ]


def audit_export(request: HttpRequest) -> StreamingHttpResponse:
    _, filters = _filters(request)
    audit_list(request=request, model=LogEntry, what="Audit trail CSV export", shown=[], criteria=_criteria(filters))
    return csv_download(_csv_rows(audit_entries(filters=filters)), filename="audit-trail.csv")
