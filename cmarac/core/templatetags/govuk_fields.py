"""What includes/field.html renders, in Python because the template language is slow at it.

    {% load govuk_fields %}{% govuk_field %}       the whole form group (field.html is this tag)
    {{ field|select_options }}                     a select's options alone

`govuk_field` writes what field.html, with its five small includes, used to: the label or
legend, hint, error message and input of one bound field, with GOV.UK classes, for every widget
field.html knows (its comment lists them), reading the include's options from the context. The
HTML is the same apart from whitespace between tags; every value is escaped as the template
escaped it. Each field cost about a millisecond in the template, and every form page has several.

A select's options: the same HTML the template's loop over `field.subwidgets` wrote, made in one
pass. A filter of a list may offer hundreds of agencies; in the template each option cost three
variable lookups and two filters, the largest part of the case list's server time (ADR 0039).
"""

from __future__ import annotations

from html import escape
from typing import Any

from django import template
from django.forms import BoundField
from django.template import Context
from django.template.base import render_value_in_context
from django.utils.safestring import SafeData, SafeString, mark_safe

register = template.Library()


def _escaped(text: Any) -> str:
    """conditional_escape without its lazy-string wrapper, which cost more than the escaping for
    300 options: the same html.escape (quotes too), and safe strings as they are."""
    return str(text) if isinstance(text, SafeData) else escape(str(text))


@register.filter
def select_options(field: BoundField) -> SafeString:
    """The options as Django's Select.optgroups() chooses them (groups flattened; one selected
    unless the select is multiple), without building a subwidget per option."""
    widget = field.field.widget
    chosen = widget.format_value(field.value())  # a list, or one string (NullBooleanSelect)
    chosen = chosen if isinstance(chosen, str) else set(chosen)
    multiple = widget.allow_multiple_selected
    has_selected = False
    parts = []
    for option_value, option_label in widget.choices:
        group = option_label if isinstance(option_label, (list, tuple)) else [(option_value, option_label)]
        for value, label in group:
            value = "" if value is None else str(value)
            selected = (not has_selected or multiple) and value in chosen
            has_selected |= selected
            parts.append(
                f'\n        <option value="{_escaped(value)}"{" selected" if selected else ""}>'
                f"{_escaped(label)}</option>\n      "
            )
    return mark_safe("".join(parts))  # noqa: S308 (every value and label is escaped above)


# --- The whole field ----------------------------------------------------------------------------

# Attributes field.html writes itself, never copied from the widget's own.
_WRITTEN = frozenset(
    {"id", "name", "type", "value", "class", "aria-describedby", "aria-invalid", "autofocus", "spellcheck", "rows",
     "cols"}
)  # fmt: skip
_CONTEXT_NAMES = (
    "field_label", "field_hint", "label_size", "label_is_page_heading", "input_type", "input_classes",
    "input_spellcheck", "input_autocomplete", "choices_classes", "extra_error", "hide_optional",
)  # fmt: skip


def _s(value: Any) -> str:
    """{{ value|stringformat:'s' }}: the value as text, escaped."""
    return _escaped("%s" % (value,))  # noqa: UP031 - stringformat:'s' is this


def _class(value: Any) -> str:
    """' value' where the template wrote {% if value %} {{ value }}{% endif %} in a class list."""
    return f" {_escaped(value)}" if value else ""


class _Field:
    """What includes/field.html wrote, in one pass: the GOV.UK form group of one bound field. Each
    method is one of its parts; options is the include's `with` values (or the page's context)."""

    def __init__(self, field: BoundField, options: dict[str, Any]) -> None:
        self.field, self.o = field, options
        self.fid = _escaped(field.auto_id or "")
        self.hint = options["field_hint"] or field.help_text
        self.error = bool(options["extra_error"] or field.errors)

    def label_text(self) -> str:
        text = _escaped(self.o["field_label"] or self.field.label)
        return text + (" (optional)" if not self.field.field.required and not self.o["hide_optional"] else "")

    def size(self, prefix: str) -> str:
        return f" {prefix}--{_escaped(self.o['label_size'])}" if self.o["label_size"] else ""

    def label(self) -> str:
        html = (
            f'<label class="govuk-label{self.size("govuk-label")}" for="{_escaped(self.field.id_for_label)}">'
            f"{self.label_text()}</label>"
        )
        return f'<h1 class="govuk-label-wrapper">{html}</h1>' if self.o["label_is_page_heading"] else html

    def legend(self) -> str:
        text = self.label_text()
        if self.o["label_is_page_heading"]:
            text = f'<h1 class="govuk-fieldset__heading">{text}</h1>'
        return f'<legend class="govuk-fieldset__legend{self.size("govuk-fieldset__legend")}">{text}</legend>'

    def hint_html(self, classes: str = "govuk-hint") -> str:
        return f'<div id="{self.fid}-hint" class="{classes}">{_escaped(self.hint)}</div>' if self.hint else ""

    def error_html(self) -> str:
        if not self.error:
            return ""
        extra, errors = self.o["extra_error"], self.field.errors
        messages = _escaped(extra) + ("<br>" if extra and errors else "") if extra else ""
        messages += "<br>".join(_escaped(error) for error in errors)
        return (
            f'<p id="{self.fid}-error" class="govuk-error-message">'
            f'<span class="govuk-visually-hidden">Error:</span> {messages}</p>'
        )

    def described_by(self) -> str:
        ids = [f"{self.fid}-hint"] if self.hint else []
        ids += [f"{self.fid}-error"] if self.error else []
        return f' aria-describedby="{" ".join(ids)}"' if ids else ""

    def invalid(self) -> str:
        return ' aria-invalid="true"' if self.error else ""

    def closing(self, attrs: dict[str, Any]) -> str:
        """What every input, select and textarea ends with: aria-describedby, aria-invalid and the
        widget's other attributes."""
        return f"{self.described_by()}{self.invalid()}{self.attrs(attrs)}"

    def attrs(self, attrs: dict[str, Any]) -> str:
        """The widget's other attributes, as Django's attrs.html writes them: True bare, False left out."""
        skip_autocomplete = bool(self.o["input_autocomplete"])
        written = []
        for name, value in attrs.items():
            if value is False or value is None or name in _WRITTEN or (name == "autocomplete" and skip_autocomplete):
                continue
            written.append(f" {_escaped(name)}" if value is True else f' {_escaped(name)}="{_s(value)}"')
        return "".join(written)

    def group(self, inner: str, extra_class: str = "", module: str = "") -> str:
        error = " govuk-form-group--error" if self.error else ""
        return f'<div class="govuk-form-group{extra_class}{error}"{module}>{inner}</div>'

    def heading(self) -> str:
        return self.label() + self.hint_html() + self.error_html()

    def fieldset(self, inner: str, role: str = "") -> str:
        return self.group(
            f'<fieldset class="govuk-fieldset"{role}{self.described_by()}>'
            f"{self.legend()}{self.hint_html()}{self.error_html()}{inner}</fieldset>"
        )

    def spellcheck(self, widget: dict[str, Any]) -> str:
        spell = self.o["input_spellcheck"] or widget["attrs"].get("spellcheck")
        return f' spellcheck="{_escaped(spell)}"' if spell else ""

    def value(self, widget: dict[str, Any]) -> str:
        value = widget.get("value")
        return f' value="{_s(value)}"' if value is not None else ""

    def render(self) -> str:
        field = self.field
        if field.is_hidden:
            return str(field)
        kind = field.widget_type
        if kind in ("radioselect", "checkboxselectmultiple"):
            return self.choices(*(("radios", "radio") if kind == "radioselect" else ("checkboxes", "checkbox")))
        if kind in ("select", "nullbooleanselect", "selectmultiple"):
            return self.select(multiple=kind == "selectmultiple")
        widget = field.subwidgets[0].data
        written = {"checkbox": self.checkbox, "textarea": self.textarea, "password": self.password,
                   "file": self.file, "clearablefile": self.file}  # fmt: skip
        if kind in written:
            return written[kind](widget)
        if getattr(field.field.widget, "input_type", None):
            return self.text_input(widget)
        if kind == "govukdate":
            return self.date(widget)
        if field.use_fieldset:
            return self.fieldset(str(field))
        return self.group(f"{self.heading()}{field}")

    def error_class(self, name: str) -> str:
        return f" {name}--error" if self.error else ""

    def classes(self, widget: dict[str, Any]) -> str:
        """The page's input_classes, then the widget's own class."""
        return f"{_class(self.o['input_classes'])}{_class(widget['attrs'].get('class'))}"

    def ids(self, widget: dict[str, Any]) -> str:
        return f'id="{_escaped(widget["attrs"].get("id", ""))}" name="{_escaped(widget["name"])}"'

    def checkbox(self, widget: dict[str, Any]) -> str:
        own = widget["attrs"]
        return self.group(
            f"{self.error_html()}"
            f'<div class="govuk-checkboxes{_class(self.o["choices_classes"])}" data-module="govuk-checkboxes">'
            f'<div class="govuk-checkboxes__item">'
            f'<input class="govuk-checkboxes__input{_class(own.get("class"))}" {self.ids(widget)} type="checkbox"'
            f"{self.value(widget)}{self.described_by()}{self.attrs(own)}>"
            f'<label class="govuk-label govuk-checkboxes__label{self.size("govuk-label")}"'
            f' for="{_escaped(own.get("id", ""))}">{_escaped(self.o["field_label"] or self.field.label)}</label>'
            f"{self.hint_html('govuk-hint govuk-checkboxes__hint')}</div></div>"
        )

    def choices(self, group: str, option_type: str) -> str:
        options = []
        for option in self.field.subwidgets:
            data = option.data
            if "%s" % ("" if data["value"] is None else data["value"],) == "":  # noqa: UP031 - as stringformat:"s"
                continue
            option_id = _escaped(data["attrs"].get("id", ""))
            options.append(
                f'<div class="govuk-{group}__item"><input class="govuk-{group}__input" {self.ids(data)}'
                f' type="{option_type}" value="{_s(data["value"])}"{self.attrs(data["attrs"])}>'
                f'<label class="govuk-label govuk-{group}__label" for="{option_id}">{_escaped(data["label"])}</label>'
                f"</div>"
            )
        return self.fieldset(
            f'<div class="govuk-{group}{_class(self.o["choices_classes"])}" data-module="govuk-{group}">'
            f"{''.join(options)}</div>"
        )

    def select(self, *, multiple: bool) -> str:
        field = self.field
        static = field.field.widget.attrs  # the widget's own attributes, not those of a rendering
        return self.group(
            f"{self.heading()}"
            f'<select class="govuk-select{_class(self.o["input_classes"])}{_class(static.get("class"))}'
            f'{self.error_class("govuk-select")}" id="{_escaped(field.id_for_label)}"'
            f' name="{_escaped(field.html_name)}"{" multiple" if multiple else ""}'
            f"{' disabled' if field.field.disabled else ''}{self.closing(static)}>{select_options(field)}</select>"
        )

    def textarea(self, widget: dict[str, Any]) -> str:
        own, value = widget["attrs"], widget.get("value")
        return self.group(
            f"{self.heading()}"
            f'<textarea class="govuk-textarea{self.classes(widget)}{self.error_class("govuk-textarea")}"'
            f' {self.ids(widget)} rows="{_escaped(own.get("rows") or "5")}"{self.spellcheck(widget)}'
            f"{self.closing(own)}>\n{_escaped(value) if value else ''}</textarea>"
        )

    def password(self, widget: dict[str, Any]) -> str:
        own, chosen = widget["attrs"], self.o["input_autocomplete"]
        if chosen:
            autocomplete = f' autocomplete="{_escaped(chosen)}"'
        else:
            autocomplete = "" if own.get("autocomplete") else ' autocomplete="current-password"'
        capitalize = "" if own.get("autocapitalize") else ' autocapitalize="none"'
        return self.group(
            f"{self.heading()}"
            f'<div class="govuk-input__wrapper govuk-password-input__wrapper">'
            f'<input class="govuk-input govuk-password-input__input govuk-js-password-input-input'
            f'{self.classes(widget)}{self.error_class("govuk-input")}" {self.ids(widget)} type="password"'
            f'{self.value(widget)} spellcheck="false"{capitalize}{autocomplete}'
            f"{self.closing(own)}>"
            f'<button type="button" class="govuk-button govuk-button--secondary govuk-password-input__toggle'
            f' govuk-js-password-input-toggle" data-module="govuk-button" aria-controls="{_escaped(own.get("id", ""))}"'
            f' aria-label="Show password" hidden>Show</button></div>',
            " govuk-password-input",
            ' data-module="govuk-password-input"',
        )

    def file(self, widget: dict[str, Any]) -> str:
        return self.group(
            f"{self.heading()}"
            f'<input class="govuk-file-upload{self.classes(widget)}{self.error_class("govuk-file-upload")}"'
            f' {self.ids(widget)} type="file"{self.closing(widget["attrs"])}>'
        )

    def text_input(self, widget: dict[str, Any]) -> str:
        chosen = self.o["input_autocomplete"]
        autocomplete = f' autocomplete="{_escaped(chosen)}"' if chosen else ""
        return self.group(
            f"{self.heading()}"
            f'<input class="govuk-input{self.classes(widget)}{self.error_class("govuk-input")}" {self.ids(widget)}'
            f' type="{_escaped(self.o["input_type"] or widget.get("type"))}"{self.value(widget)}'
            f"{self.spellcheck(widget)}{autocomplete}{self.closing(widget['attrs'])}>"
        )

    def date(self, widget: dict[str, Any]) -> str:
        disabled = " disabled" if self.field.field.disabled else ""
        parts = []
        for part in widget["subwidgets"]:
            part_id = _escaped(part["attrs"].get("id", ""))
            marked = self.error and (part["invalid"] or not widget["some_invalid"])
            parts.append(
                f'<div class="govuk-date-input__item"><div class="govuk-form-group">'
                f'<label class="govuk-label govuk-date-input__label" for="{part_id}">{_escaped(part["label"])}</label>'
                f'<input class="govuk-input govuk-date-input__input govuk-input--width-{part["width"]}'
                f'{" govuk-input--error" if marked else ""}" id="{part_id}" name="{_escaped(part["name"])}" type="text"'
                f' inputmode="numeric"{self.value(part)} autocomplete="off"{disabled}></div></div>'
            )
        return self.fieldset(f'<div class="govuk-date-input" id="{self.fid}">{"".join(parts)}</div>', ' role="group"')


@register.simple_tag(takes_context=True)
def govuk_field(context: Context) -> SafeString:
    """includes/field.html: `field` and the include's options from the context (see that file)."""
    field = context.get("field")
    if not isinstance(field, BoundField):
        return mark_safe("")  # nothing to show (as the template showed next to nothing)
    options = {name: context.get(name) for name in _CONTEXT_NAMES}
    return mark_safe(_Field(field, options).render())  # noqa: S308 (every value is escaped above)


# --- A summary list row -------------------------------------------------------------------------

_MISSING = object()
_ROW_NAMES = (
    "row_key", "row_value", "row_values", "row_empty", "row_action_url", "row_action_text", "row_action_hidden",
    "row_no_actions",
)  # fmt: skip


@register.simple_tag(takes_context=True)
def govuk_summary_row(context: Context, **given: Any) -> SafeString:
    """One GOV.UK summary list row, written as includes/summary_list_row.html wrote it (see that
    file for the values); values shown as `{{ }}` shows them. The values are given to the tag as
    the include was given them, `{% govuk_summary_row row_key="Status" row_value=case.status %}`
    (a value not given is read from the context, as the include read it), or read from the
    include's context by the include itself. The tag costs a third of the include (ADR 0039)."""
    if given:
        with context.push(**given):
            return govuk_summary_row(context)
    got = {name: context.get(name, _MISSING) for name in _ROW_NAMES}

    def given(name: str) -> Any:
        return None if got[name] is _MISSING else got[name]

    def shown(item: Any) -> str:
        """As {{ item }}: a value not in the context is nothing (None itself is "None")."""
        return str(render_value_in_context("" if item is _MISSING else item, context))

    key, value, values = got["row_key"], given("row_value"), given("row_values")
    if values:
        listed = list(values)
        held = shown(listed[0]) if len(listed) == 1 else (
            '<ul class="govuk-list">' + "".join(f"<li>{shown(item)}</li>" for item in listed) + "</ul>"
        )  # fmt: skip
    elif value or value == 0:
        held = shown(value)
    else:
        held = shown(given("row_empty") or "Not given")
    url, action = given("row_action_url"), ""
    if url:
        hidden = given("row_action_hidden") or str(given("row_key")).lower()  # as {% firstof ... row_key|lower %}
        action = (
            f'<dd class="govuk-summary-list__actions"><a class="govuk-link" href="{shown(url)}">'
            f'{shown(given("row_action_text") or "Change")}<span class="govuk-visually-hidden"> {shown(hidden)}'
            f"</span></a></dd>"
        )
    modifier = " govuk-summary-list__row--no-actions" if given("row_no_actions") and not url else ""
    return mark_safe(  # noqa: S308 (every value is escaped by render_value_in_context)
        f'<div class="govuk-summary-list__row{modifier}"><dt class="govuk-summary-list__key">{shown(key)}</dt>'
        f'<dd class="govuk-summary-list__value">{held}</dd>{action}</div>'
    )
