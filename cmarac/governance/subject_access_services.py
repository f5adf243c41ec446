"""Subject access exports: asked for by the auditor for a recorded request, made in the background,
downloaded by that auditor only, deleted after their retention period."""

from __future__ import annotations

import io
import json
import logging
import uuid
import zipfile
from datetime import datetime, timedelta
from typing import Any

from auditlog.models import LogEntry
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from cmarac.accounts.models import User
from cmarac.core.files import delete_private_file, private_storage, save_private_file
from cmarac.governance.subject_access import KIND_ORDER, Record, Subjects, collect
from cmarac.governance.subject_access_models import SubjectAccessExport

logger = logging.getLogger(__name__)

DIRECTORY = "subject-access"


def may_make_exports(user: User) -> bool:
    """Only the roles given the duty (SUBJECT_ACCESS_ROLES, by default the auditor alone)."""
    if not getattr(user, "is_authenticated", False):
        return False
    roles = getattr(settings, "SUBJECT_ACCESS_ROLES", ("auditor",))
    return any(role.value in roles for role in user.roles)


def retention_days() -> int:
    return int(getattr(settings, "SUBJECT_ACCESS_RETENTION_DAYS", settings.PACK_RETENTION_DAYS))


@transaction.atomic
def subject_access_export_request(
    *, made_by: User, request_reference: str, note: str, subjects: Subjects
) -> SubjectAccessExport:
    """Record the request and queue the export; the task is given the export's id only."""
    if not may_make_exports(made_by):
        raise ValidationError("You cannot make subject access exports.")
    if not (subjects.person_ids or subjects.referral_subject_ids):
        raise ValidationError("Select the person the request is about.")
    export = SubjectAccessExport(
        made_by=made_by,
        request_reference=request_reference.strip(),
        note=note.strip(),
        person_ids=sorted(subjects.person_ids),
        referral_subject_ids=sorted(subjects.referral_subject_ids),
    )
    export.full_clean()
    export.save()
    from cmarac.governance.subject_access_tasks import build_subject_access_export

    build_subject_access_export.delay_on_commit(str(export.pk))
    return export


def export_file(file_name: str) -> str:
    """The name of an export's file in the private storage (cmarac.core.files), never a path."""
    return f"{DIRECTORY}/{file_name}"


def pdf_name(export: SubjectAccessExport) -> str:
    return export_file(export.pdf_file_name)


def data_name(export: SubjectAccessExport) -> str:
    return export_file(export.data_file_name)


def export_read(name: str) -> bytes:
    """A stored file, whole (for tests and checks; downloads stream from private_storage().open)."""
    with private_storage().open(name, "rb") as stored:
        return stored.read()


def export_is_ready(export: SubjectAccessExport, *, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return (
        export.status == SubjectAccessExport.Status.READY
        and export.expires_at is not None
        and export.expires_at > now
        and bool(export.pdf_file_name and export.data_file_name)
        and private_storage().exists(pdf_name(export))
        and private_storage().exists(data_name(export))
    )


def _refusing_url_fetcher() -> Any:
    """Print fetches nothing: no network, no files (as packs)."""
    from weasyprint.urls import URLFetcher, URLFetchingError

    class RefusingURLFetcher(URLFetcher):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__(allowed_protocols=())

        def fetch(self, url: str, headers: Any = None) -> Any:
            raise URLFetchingError(f"print fetches no resources: {url[:80]}")

    return RefusingURLFetcher()


def _groups(records: list[Record]) -> list[dict[str, Any]]:
    return [
        {"kind": kind, "records": [r for r in records if r.kind == kind]}
        for kind in KIND_ORDER
        if any(r.kind == kind for r in records)
    ]


def export_context(export: SubjectAccessExport, records: list[Record], now: datetime) -> dict[str, Any]:
    recipient = export.made_by
    return {
        "export": export,
        "recipient": recipient,
        "recipient_agency": recipient.agency.name if recipient.agency else "",
        "made_at": timezone.localtime(now),
        "groups": _groups(records),
        "records": records,
        "flagged": sum(1 for r in records for p in r.passages if p.flagged),
        "people": [r for r in records if r.kind == "Person"],
        "unlinked_referral_subjects": len(export.referral_subject_ids),
        "service_name": settings.SERVICE_NAME,
        "partnership_name": settings.PARTNERSHIP_NAME,
        "protective_marking": settings.PROTECTIVE_MARKING,
    }


def export_pdf(context: dict[str, Any]) -> tuple[bytes, int]:
    from weasyprint import HTML

    html = render_to_string("governance/subject_access_pdf.html", context)
    document = HTML(string=html, base_url=None, url_fetcher=_refusing_url_fetcher()).render()
    return document.write_pdf(), len(document.pages)


def export_data(export: SubjectAccessExport, context: dict[str, Any]) -> bytes:
    """A zip holding the same records as JSON, for the officer's own tools."""
    data = {
        "protective_marking": settings.PROTECTIVE_MARKING,
        "partnership": settings.PARTNERSHIP_NAME,
        "request_reference": export.request_reference,
        "prepared_for": export.made_by.full_name,
        "made_at": context["made_at"].isoformat(),
        "person_ids": export.person_ids,
        "referral_subject_ids": export.referral_subject_ids,
        "note": "Passages with 'flagged': true name other people (listed in 'names_others'): "
        "redact them before release.",
        "records": [record.as_data() for record in context["records"]],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("subject-access.json", json.dumps(data, indent=2, ensure_ascii=False, default=str))
    return buffer.getvalue()


def subject_access_export_build(export_id: str, *, now: datetime | None = None) -> SubjectAccessExport:
    """Gather the records and write both files (called by the task). A failure is recorded and the
    half-made files removed."""
    export = SubjectAccessExport.objects.select_related("made_by__agency").get(pk=export_id)
    if export.status not in (SubjectAccessExport.Status.QUEUED, SubjectAccessExport.Status.BUILDING):
        return export
    now = now or timezone.now()
    SubjectAccessExport.objects.filter(pk=export.pk).update(status=SubjectAccessExport.Status.BUILDING)
    name = uuid.uuid4().hex
    pdf, data = f"{name}.pdf", f"{name}.zip"
    try:
        subjects = Subjects(frozenset(export.person_ids), frozenset(export.referral_subject_ids))
        records = collect(subjects)
        context = export_context(export, records, now)
        content, pages = export_pdf(context)
        for file_name, payload in ((pdf, content), (data, export_data(export, context))):
            save_private_file(export_file(file_name), payload)
    except Exception:
        delete_private_file(export_file(pdf))
        delete_private_file(export_file(data))
        SubjectAccessExport.objects.filter(pk=export.pk).update(
            status=SubjectAccessExport.Status.FAILED, finished_at=timezone.now()
        )
        raise
    export.status = SubjectAccessExport.Status.READY
    export.pdf_file_name, export.data_file_name = pdf, data
    export.records, export.flagged_passages, export.pages = len(records), context["flagged"], pages
    export.finished_at = timezone.now()
    export.expires_at = export.finished_at + timedelta(days=retention_days())
    export.save(
        update_fields=["status", "pdf_file_name", "data_file_name", "records", "flagged_passages", "pages",
                       "finished_at", "expires_at"]
    )  # fmt: skip
    logger.info("subject access export %s made: %s records, %s pages", export.pk, len(records), pages)
    return export


def subject_access_exports_expire(*, now: datetime | None = None) -> int:
    """Delete the files of exports past their retention date. The record of the export (who made
    it, for which request, when) stays, marked as deleted."""
    now = now or timezone.now()
    expired = list(
        SubjectAccessExport.objects.filter(expires_at__lte=now).exclude(status=SubjectAccessExport.Status.EXPIRED)
    )
    for export in expired:
        for file_name in (export.pdf_file_name, export.data_file_name):
            if file_name:
                delete_private_file(export_file(file_name))
        export.status = SubjectAccessExport.Status.EXPIRED
        export.pdf_file_name = export.data_file_name = ""
        export.save(update_fields=["status", "pdf_file_name", "data_file_name"])
    return len(expired)


def audit_search(*, request: Any, parts_used: list[str], shown: list[str]) -> LogEntry:
    """A search was made: which parts of the form were used and the keys shown, never what was typed."""
    from cmarac.core.audit import audit_list

    return audit_list(
        request=request,
        model=SubjectAccessExport,
        what="Subject access search",
        shown=shown,
        criteria={"parts_used": parts_used},
    )
