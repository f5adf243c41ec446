"""Helpers for the property-based tests (tests/test_fuzz_*.py): read the forms a page really shows,
make arbitrary answers to them with hypothesis, and photograph the database to prove that a refused
answer changed nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from django.apps import apps
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# Modest, so the suite stays fast; deadline off because a request's time depends on the machine.
FUZZ = settings(
    max_examples=20,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

# The longest text any form takes (the general minutes of a meeting): nothing longer is ever stored.
LONGEST_LIMIT = 50_000

# Values that broke, or could break, something once: digits str.isdigit() likes and int() does not,
# NUL (PostgreSQL refuses it in text), the last and first dates, huge numbers, markup, SQL.
AWKWARD = [
    "",
    " ",
    "\u00b2",
    "\u0663",
    "\x00",
    "a\x00b",
    "-1",
    "0",
    "9" * 30,
    "1e308",
    "NaN",
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "\u202e\u0645\u0631\u062d\u0628\u0627",
    "\U0001f600" * 3,
    "CM-2026-0001",
    "CM-9999-99999999999999999999",
]


def answers(baseline: str) -> st.SearchStrategy[str]:
    """What a person (or anyone with a browser's developer tools) might send for one field."""
    return st.one_of(
        st.just(baseline),
        st.sampled_from(AWKWARD),
        st.text(max_size=40),
        st.integers(min_value=-(10**20), max_value=10**20).map(str),
        st.sampled_from([10_001, LONGEST_LIMIT + 1]).map(lambda size: "x" * size),
    )


PLAUSIBLE = {
    "date": "2030-01-15",
    "time": "10:00",
    "email": "someone@example.org",
    "number": "3",
    "tel": "020 7946 0000",
    "url": "https://meet.example.org/room",
}

# One part of a GOV.UK date input, by the end of its name (<field>_day, <field>_month, <field>_year).
DATE_PARTS = {"day": "15", "month": "1", "year": "2030"}


@dataclass
class FormOnPage:
    action: str
    method: str
    fields: dict[str, list[str]] = field(default_factory=dict)  # name -> the values the page offers
    baseline: dict[str, list[str]] = field(default_factory=dict)  # name -> what it would send as shown
    kinds: dict[str, str] = field(default_factory=dict)  # name -> input type, "textarea" or "select"

    def sensible(self, name: str) -> list[str]:
        """What a person would send: what the page showed, else something plausible for the field."""
        shown = [value for value in self.baseline.get(name, []) if value != ""]
        if shown or name not in self.baseline:
            return shown
        kind = self.kinds.get(name, "text")
        part = name.rsplit("_", 1)[-1]
        if kind == "text" and part in DATE_PARTS:  # the GOV.UK date input (cmarac.core.forms.GovukDateField)
            return [DATE_PARTS[part]]
        if kind in ("radio", "select"):
            offered = [value for value in self.fields[name] if value != ""]
            return offered[:1]
        return [PLAUSIBLE.get(kind, "Words a person might type")] if kind != "checkbox" else []


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[FormOnPage] = []
        self._form: FormOnPage | None = None
        self._textarea: str | None = None
        self._select: str | None = None
        self._skip = False

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = {name: value or "" for name, value in attrs_list}
        if tag == "form":
            self._skip = "data-sign-out" in attrs or "data-session-timed-out" in attrs
            self._form = FormOnPage(action=attrs.get("action", ""), method=attrs.get("method", "get").lower())
            return
        form = self._form
        if form is None or self._skip or (not attrs.get("name") and tag != "option"):
            return
        name = attrs.get("name", "")
        if tag == "input":
            kind = attrs.get("type", "text")
            form.kinds[name] = kind
            if kind in ("radio", "checkbox"):
                form.fields.setdefault(name, []).append(attrs.get("value", "on"))
                form.baseline.setdefault(name, [])
                if "checked" in attrs:
                    form.baseline[name].append(attrs.get("value", "on"))
            elif kind not in ("submit", "button", "image", "file", "reset"):
                form.fields.setdefault(name, []).append(attrs.get("value", ""))
                form.baseline.setdefault(name, []).append(attrs.get("value", ""))
        elif tag == "button" and attrs.get("type", "submit") == "submit":
            form.fields.setdefault(name, []).append(attrs.get("value", ""))
        elif tag == "textarea":
            self._textarea = name
            form.kinds[name] = "textarea"
            form.fields.setdefault(name, [""])
            form.baseline[name] = [""]
        elif tag == "select":
            self._select = name
            form.kinds[name] = "select"
            form.fields.setdefault(name, [])
            form.baseline.setdefault(name, [])
        elif tag == "option" and self._select:
            value = attrs.get("value", "")
            form.fields[self._select].append(value)
            if "selected" in attrs:
                form.baseline[self._select] = [value]

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea:
            self._form.baseline[self._textarea] = [self._form.baseline[self._textarea][0] + data]

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form" and self._form is not None:
            if not self._skip and self._form.fields:
                self.forms.append(self._form)
            self._form = None


def forms_on(html: str, method: str = "post") -> list[FormOnPage]:
    parser = _Forms()
    parser.feed(html)
    return [form for form in parser.forms if form.method == method]


def fill(form: FormOnPage) -> st.SearchStrategy[dict[str, list[str]]]:
    """Answers to `form`: each field as a person would fill it in (what the page showed, or a
    plausible value for an empty field, or the first choice offered), then up to three fields
    disturbed with arbitrary answers, so that one field's problem is not hidden by the others'."""
    names = [name for name in form.fields if name != "csrfmiddlewaretoken"]

    def disturbed(name: str) -> st.SearchStrategy[list[str]]:
        offered = [value for value in form.fields[name] if value != ""]
        return st.one_of(
            st.sampled_from(offered).map(lambda value: [value]) if offered else st.nothing(),
            st.lists(
                answers(form.baseline.get(name, [""])[:1][0] if form.baseline.get(name) else ""), min_size=1, max_size=2
            ),
            st.just([]),
        )

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, list[str]]:
        data = {name: form.sensible(name) for name in form.fields}
        for name in draw(st.lists(st.sampled_from(names), max_size=3, unique=True) if names else st.just([])):
            data[name] = draw(disturbed(name), label=name)
        return data

    return build()


# What changes on its own and is not the form's doing (the audit trail of views and refusals,
# sessions, sign-in attempts), and Django's own tables of permissions, which no page writes.
_NOT_PHOTOGRAPHED = {"auditlog", "sessions", "axes", "admin", "contenttypes"}
_NOT_PHOTOGRAPHED_MODELS = {"auth.Permission", "auth.Group_permissions", "accounts.UserSession"}


def photograph() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table the application writes, in a comparable form."""
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values_list())
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label not in _NOT_PHOTOGRAPHED
        and model._meta.label not in _NOT_PHOTOGRAPHED_MODELS
        and model._meta.managed
    }


def too_long(photo: dict[str, list[tuple[Any, ...]]]) -> list[str]:
    """Tables holding a text longer than any form takes."""
    return [
        label
        for label, rows in photo.items()
        if any(isinstance(value, str) and len(value) > LONGEST_LIMIT for row in rows for value in row)
    ]


def changed(before: dict[str, list[tuple[Any, ...]]], after: dict[str, list[tuple[Any, ...]]]) -> list[str]:
    return [label for label in before if before[label] != after[label]]
