"""Governance's lines on the home page: retention reviews due, and a person's subject access exports.

Retention reads references and dates only (ADR 0011); exports start from
SubjectAccessExport.objects.visible_to(user). A fixed number of queries each.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q
from django.urls import reverse

from cmarac.accounts.models import User
from cmarac.core.work import WorkLine, plural
from cmarac.governance.retention_selectors import retention_queue
from cmarac.governance.subject_access_models import SubjectAccessExport

E = SubjectAccessExport.Status


def retention_line(*, today: date) -> WorkLine:
    """Records whose retention period ends by the end of this month and are not held: one query for
    the holds and one per kind of record."""
    rows, _ = retention_queue(today=today)
    due = [row for row in rows if row.hold is None]
    overdue = sum(1 for row in due if row.overdue)
    return WorkLine(
        text=f"{plural(len(due), 'record')} due for retention review this month",
        url=reverse("governance:retention_queue"),
        count=len(due),
        note=f"{overdue} already past its date." if overdue else "",
        urgent=bool(overdue),
    )


def subject_access_lines(user: User) -> list[WorkLine]:
    """The person's own exports: ready to download, being made, failed. One query."""
    counts = SubjectAccessExport.objects.visible_to(user).aggregate(
        ready=Count("pk", filter=Q(status=E.READY)),
        making=Count("pk", filter=Q(status__in=[E.QUEUED, E.BUILDING])),
        failed=Count("pk", filter=Q(status=E.FAILED)),
    )
    url = reverse("governance:subject_access_exports")
    return [
        WorkLine(
            text=f"{plural(counts['ready'], 'subject access export')} ready to download", url=url, count=counts["ready"]
        ),
        WorkLine(
            text=f"{plural(counts['making'], 'subject access export')} being made", url=url, count=counts["making"]
        ),
        WorkLine(
            text=f"{plural(counts['failed'], 'subject access export')} failed",
            url=url,
            count=counts["failed"],
            urgent=True,
        ),
    ]
