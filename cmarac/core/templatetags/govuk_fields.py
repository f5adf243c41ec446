"""What includes/field.html renders in Python because the template language is slow at it.

    {% load govuk_fields %}{{ field|select_options }}

A select's options: the same HTML the template's loop over `field.subwidgets` wrote, made in one
pass. A filter of a list may offer hundreds of agencies; in the template each option cost three
variable lookups and two filters, the largest part of the case list's server time.
"""

from __future__ import annotations

from html import escape
from typing import Any

from django import template
from django.forms import BoundField
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
