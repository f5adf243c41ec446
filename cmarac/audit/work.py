"""The audit trail's line on the home page: how the last check of its seals went (ADR 0016)."""

from __future__ import annotations

from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from cmarac.core.work import WorkLine, plural

CHECK = "Audit trail check"


def chain_check_line() -> WorkLine:
    """The last daily verification, as the check recorded itself in the trail. One query."""
    last = (
        LogEntry.objects.filter(content_type__app_label="audit", content_type__model="seal", object_repr=CHECK)
        .order_by("-timestamp", "-pk")
        .only("timestamp", "changes")
        .first()
    )
    url = reverse("audit:trail")
    if last is None:
        return WorkLine(text="The audit trail's seals have not been checked yet", url=url, urgent=True, count=None)
    when = timezone.localtime(last.timestamp)
    changes = last.changes if isinstance(last.changes, dict) else {}
    problems = int(changes.get("problems") or 0)
    checked = f"{when.day} {when:%B %Y} at {when:%H:%M}"
    if problems:
        return WorkLine(
            text=f"The last check of the audit trail's seals, on {checked}, found {plural(problems, 'problem')}",
            url=url,
            count=problems,
            urgent=True,
            note="Run manage.py verify_audit_trail for the entries concerned.",
        )
    return WorkLine(text=f"The audit trail's seals were last checked on {checked}: no problems", url=url)
