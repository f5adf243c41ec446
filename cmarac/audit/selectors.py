from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from auditlog.models import LogEntry
from django.db.models import Q, QuerySet
from django.utils import timezone


def audit_entries(*, filters: dict[str, Any]) -> QuerySet[LogEntry]:
    entries = LogEntry.objects.select_related("actor", "actor__agency", "content_type").order_by("-timestamp", "-pk")
    if filters.get("person"):
        entries = entries.filter(actor=filters["person"])
    if filters.get("agency"):
        entries = entries.filter(actor__agency=filters["agency"])
    if filters.get("case"):
        reference = filters["case"].strip().upper()
        entries = entries.filter(Q(additional_data__case=reference) | Q(changes_text__contains=f" {reference} "))
    if filters.get("action") not in (None, ""):
        entries = entries.filter(action=int(filters["action"]))
    zone = timezone.get_current_timezone()
    if filters.get("date_from"):
        entries = entries.filter(timestamp__gte=datetime.combine(filters["date_from"], time.min, tzinfo=zone))
    # The last possible date has no next day: it bounds nothing.
    if filters.get("date_to") and filters["date_to"] < date.max:
        end = datetime.combine(filters["date_to"] + timedelta(days=1), time.min, tzinfo=zone)
        entries = entries.filter(timestamp__lt=end)
    return entries
