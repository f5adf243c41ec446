"""The optimistic lock every edit form carries (ADR 0007), for forms that are not the referral's.

The form sends the revision it was shown in a hidden field; the service locks the row, compares,
and raises its app's stale error when someone saved in between. The view then shows the form
again with the person's entries, the revision they have now seen, and what differs
(``includes/edit_conflict.html``), so saving again is a deliberate choice.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import QueryDict

F = TypeVar("F", bound=forms.BaseForm)

RELOAD = "Reload the page and try again"


def revision_field() -> forms.IntegerField:
    return forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=0,
        label="Version",
        error_messages={"required": RELOAD, "invalid": RELOAD, "min_value": RELOAD},
    )


class RevisionForm(forms.Form):
    """A form with the hidden revision of the record it edits."""

    revision = revision_field()


def _plain(value: Any) -> Any:
    """Many chosen records (a queryset or a list) as a list in a fixed order, to compare."""
    if isinstance(value, QuerySet | list | tuple | set):
        return sorted(value, key=lambda v: getattr(v, "pk", v))
    return value


def _shown(field: forms.Field | None, value: Any) -> Any:
    if isinstance(value, list | tuple | set):
        return ", ".join(str(_shown(field, v)) for v in value) or None
    choices = dict(getattr(field, "choices", None) or ())
    return choices.get(value, choices.get(str(value), value)) if choices else value


def form_after_conflict(
    form_class: type[F],
    data: QueryDict,
    *,
    revision: int,
    saved: Mapping[str, Any],
    error: ValidationError,
    **kwargs: Any,
) -> tuple[F, list[tuple[str, Any, Any]]]:
    """The form again, bound to what the person posted but with the revision saved now, carrying
    the refusal; and the (label, saved now, your entry) rows of the fields that differ."""
    data = data.copy()
    prefix = kwargs.get("prefix")
    data[f"{prefix}-revision" if prefix else "revision"] = str(revision)
    form = form_class(data, **kwargs)
    form.is_valid()
    form.add_error(None, error)
    conflicts = []
    for name, saved_value in saved.items():
        field = form.fields.get(name)
        if field is None or name not in form.cleaned_data:
            continue
        yours, saved_value = _plain(form.cleaned_data[name]), _plain(saved_value)
        if yours != saved_value:
            conflicts.append((str(field.label or name), _shown(field, saved_value), _shown(field, yours)))
    return form, conflicts
