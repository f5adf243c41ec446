"""Helpers shared by the apps' forms."""

from __future__ import annotations

from collections.abc import Mapping

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.text import capfirst


def limit_text(form: forms.BaseForm, limits: Mapping[str, int]) -> None:
    """Bound text fields a model leaves unbounded (a TextField), with a GOV.UK error message.

    The database takes any length, so without this a form would save a megabyte of address."""
    for name, limit in limits.items():
        field = form.fields[name]
        field.max_length = limit  # type: ignore[attr-defined]
        field.validators.append(MaxLengthValidator(limit))
        field.widget.attrs.update(field.widget_attrs(field.widget))
        field.error_messages["max_length"] = f"{capfirst(field.label)} must be {limit:,} characters or fewer"
