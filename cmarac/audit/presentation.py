"""How an audit entry is described: who did what to which record and which fields, never content.

Values are stored only for the fields a model's registration shows (`cmarac.core.audit.audit_register`);
the description reads the registration again, so an entry stored before that rule (or a field that
has since been hidden) never shows a value either.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.core.exceptions import FieldDoesNotExist


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str | None = None  # None: the value is not shown (and, since 2026-11, not stored)
    new: str | None = None

    def __str__(self) -> str:
        if self.old is None and self.new is None:
            return self.label
        return f"{self.label}: {self.old or 'none'} to {self.new or 'none'}"


def _label(model: type | None, name: str) -> str:
    if model is None:
        return name.replace("_", " ")
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return name.replace("_", " ")
    return str(getattr(field, "verbose_name", name.replace("_", " ")))


def _shown_fields(model: type | None) -> set[str]:
    """The fields whose values this model's entries may show: those it registered as not masked."""
    if model is None or not auditlog.contains(model):
        return set()
    masked = set(auditlog.get_model_fields(model)["mask_fields"])
    return {field.name for field in model._meta.concrete_fields if field.name not in masked}


def _group_change(model: type | None, name: str, values: object) -> FieldChange | None:
    """A person's role or agency groups added or removed (cmarac.accounts.guard): group names are
    codes ("Role: Co-chair", "Agency: police"), so they are shown; so is an account event's name."""
    if not isinstance(values, dict) or model is None or model._meta.label != "accounts.User":
        return None
    if name == "groups" and values.get("type") == "m2m":
        verb = "added" if values.get("operation") == "add" else "removed"
        return FieldChange(f"Groups {verb}: {', '.join(str(group) for group in values.get('objects', []))}")
    if name == "account" and "event" in values:
        return FieldChange(f"Account: {values['event']}")
    return None


def changed_fields(entry: LogEntry) -> list[FieldChange]:
    """The fields a create, update or delete touched; values only where the registration shows them."""
    if entry.action == LogEntry.Action.ACCESS or not isinstance(entry.changes, dict):
        return []
    model = entry.content_type.model_class() if entry.content_type_id else None
    shown = _shown_fields(model)
    changes = []
    for name, values in sorted(entry.changes.items()):
        group_change = _group_change(model, name, values)
        if group_change is not None:
            changes.append(group_change)
        elif name in shown and isinstance(values, list | tuple) and len(values) == 2:
            old, new = (None if value in (None, "None") else str(value) for value in values)
            changes.append(FieldChange(_label(model, name), old or "", new or ""))
        else:
            changes.append(FieldChange(_label(model, name)))
    return changes


def describe_changes(entry: LogEntry) -> str:
    """One line for the CSV and the page: the references shown for a view, the fields for a change."""
    if entry.action == LogEntry.Action.ACCESS:
        return entry.changes_text.strip()
    return "; ".join(str(change) for change in changed_fields(entry))
