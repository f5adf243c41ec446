"""Helpers shared by the apps' forms."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.functional import lazy
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


# The GOV.UK date input: day, month and year in three text boxes, checked with the Design System's
# error messages (https://design-system.service.gov.uk/components/date-input/).
DATE_PARTS = ("day", "month", "year")
_MONTH_NAMES = {
    name: number
    for number, full in enumerate(
        (
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ),
        start=1,
    )
    for name in (full, full[:3], full[:4])
}


class GovukDateInput(forms.MultiWidget):
    """Three text inputs named <name>_day, <name>_month and <name>_year, shown by
    templates/includes/field.html (widget_type "govukdate") in a fieldset. An address with one
    ISO date (?date_from=2026-01-31, as older links have) is read too."""

    use_fieldset = True

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        widgets = {part: forms.TextInput(attrs={"inputmode": "numeric"}) for part in DATE_PARTS}
        super().__init__(widgets, attrs)
        # Set by GovukDateField.clean: the parts to mark in error, the first one linked from the summary.
        self.invalid_parts: tuple[str, ...] = ()

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value)
            except ValueError:
                return [None, None, None]
        if isinstance(value, date):
            return [value.day, value.month, value.year]
        return [None, None, None]

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[Any]:
        parts = [data.get(f"{name}_{part}") for part in DATE_PARTS]
        iso = data.get(name)
        if all(part is None for part in parts) and isinstance(iso, str):
            pieces = iso.strip().split("-")
            return pieces[::-1] if len(pieces) == 3 else [iso, "", ""]
        return parts

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and all(f"{name}_{part}" not in data for part in DATE_PARTS)

    def id_for_label(self, id_: str) -> str:
        return f"{id_}_{(self.invalid_parts or DATE_PARTS)[0]}" if id_ else ""

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        own_id = widget["attrs"].get("id", "")
        widget["some_invalid"] = bool(self.invalid_parts)
        for part, sub in zip(DATE_PARTS, widget["subwidgets"], strict=True):
            sub["part"] = part
            sub["label"] = part.capitalize()
            sub["width"] = 4 if part == "year" else 2
            sub["invalid"] = part in self.invalid_parts
            if own_id:
                sub["attrs"]["id"] = f"{own_id}_{part}"
        return context


def _example(offset_days: int | None) -> str:
    shown = date(1985, 3, 27) if offset_days is None else timezone.localdate() + timedelta(days=offset_days)
    return f"For example, {shown.day} {shown.month} {shown.year}"


class GovukDateField(forms.Field):
    """A date entered as day, month and year, with the GOV.UK error messages.

    `name` is how the messages speak of the date ("Date of birth" -> "Date of birth must include a
    month"); `when` adds the check a date of its kind needs: "past", "today_or_past", "future" or
    "today_or_future"; `example_offset` puts a date that many days from today in the hint
    ("For example, 15 1 2027"), None a fixed date in the past, as for a date of birth."""

    widget = GovukDateInput
    WHEN_MESSAGES = {
        "past": "must be in the past",
        "today_or_past": "must be today or in the past",
        "future": "must be in the future",
        "today_or_future": "must be today or in the future",
    }

    def __init__(
        self,
        *,
        name: str | None = None,
        when: str | None = None,
        example_offset: int | None = 30,
        help_text: str = "",
        **kwargs: Any,
    ) -> None:
        self.required_message = (kwargs.get("error_messages") or {}).get("required")
        super().__init__(**kwargs)
        self.error_name = name or capfirst(str(self.label or "Date"))
        if when is not None and when not in self.WHEN_MESSAGES:
            raise ValueError(f"Unknown date rule {when!r}")
        self.when = when
        self.help_text = lazy(lambda: " ".join(filter(None, (str(help_text), _example(example_offset) + "."))), str)()

    def _parse(self, value: Any) -> date | None:
        """The date, or None when all three boxes are empty; a _DateProblem when it is not a date."""
        if isinstance(value, date):
            return value
        if not isinstance(value, list | tuple) or len(value) != len(DATE_PARTS):
            value = ["", "", ""]
        texts = dict(zip(DATE_PARTS, (str(part or "").strip() for part in value), strict=True))
        if not any(texts.values()):
            return None
        missing = tuple(part for part in DATE_PARTS if not texts[part])
        if missing:
            words = " and ".join(missing) if len(missing) == 2 else missing[0]
            raise _DateProblem(f"{self.error_name} must include a {words}", missing, "incomplete")
        numbers: dict[str, int] = {}
        for part in DATE_PARTS:
            text = texts[part]
            if part == "month" and text.lower() in _MONTH_NAMES:
                numbers[part] = _MONTH_NAMES[text.lower()]
            elif re.fullmatch(r"[0-9]{1,4}" if part == "year" else r"[0-9]{1,2}", text):
                numbers[part] = int(text)
            else:
                raise _DateProblem(f"{self.error_name} must be a real date", (part,), "invalid")
        if len(texts["year"]) != 4:
            raise _DateProblem(f"{self.error_name}: the year must include 4 numbers", ("year",), "invalid")
        if not 1 <= numbers["month"] <= 12:
            raise _DateProblem(f"{self.error_name} must be a real date", ("month",), "invalid")
        try:
            return date(numbers["year"], numbers["month"], numbers["day"])
        except ValueError:
            raise _DateProblem(f"{self.error_name} must be a real date", ("day",), "invalid") from None

    def clean(self, value: Any) -> date | None:
        self.widget.invalid_parts = ()
        try:
            return super().clean(value)
        except _DateProblem as problem:
            self.widget.invalid_parts = problem.parts
            raise forms.ValidationError(problem.message, code=problem.code) from None

    def to_python(self, value: Any) -> date | None:
        return self._parse(value)

    def validate(self, value: date | None) -> None:
        if value is None:
            if self.required:
                lowered = self.error_name[:1].lower() + self.error_name[1:]
                raise _DateProblem(self.required_message or f"Enter the {lowered}", DATE_PARTS, "required")
            return
        if self.when is None:
            return
        today = timezone.localdate()
        wrong = {
            "past": value >= today,
            "today_or_past": value > today,
            "future": value <= today,
            "today_or_future": value < today,
        }[self.when]
        if wrong:
            raise _DateProblem(f"{self.error_name} {self.WHEN_MESSAGES[self.when]}", DATE_PARTS, self.when)

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return self._parse(data) != (initial if isinstance(initial, date) else None)
        except _DateProblem:
            return True


class _DateProblem(Exception):
    def __init__(self, message: str, parts: tuple[str, ...], code: str) -> None:
        super().__init__(message)
        self.message, self.parts, self.code = message, parts, code


class NamedChoiceIterator(forms.models.ModelChoiceIterator):
    """A select's choices as (id, name) from one values_list query, with no model instances: for
    selects that offer hundreds of rows on every page (the agency filters, the owning agency).
    The field's queryset still checks what is posted."""

    label_field = "name"

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from self.queryset.values_list("pk", self.label_field)


class NamedChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField whose options are the rows' names (see NamedChoiceIterator)."""

    iterator = NamedChoiceIterator
