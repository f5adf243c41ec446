"""Text helpers for rows written in Python (ADR 0039)."""

from __future__ import annotations

import unicodedata
from functools import cache

from django.utils import translation
from django.utils.text import Truncator, add_truncation_text, calculate_truncate_chars_length


@cache
def _truncation(language: str | None) -> str:
    """What Django's Truncator ends cut text with, in this language (its own translatable string)."""
    with translation.override(language):
        return translation.pgettext("String to return when truncating text", "%(truncated_text)s…")


def truncate_chars(text: str, length: int) -> str:
    """Django's `truncatechars` filter, the same text for every input, at a fraction of the cost:
    Django counts the characters of any text one by one (skipping combining characters) and looks
    its ellipsis up in the translations twice, 20 to 35 microseconds a call, and a page of 25
    actions calls it 50 times. Text no longer than `length` cannot be cut; text without combining
    characters (ASCII text has none) is cut where Django would cut it. Anything else is left to
    Django."""
    if length <= 0:
        return ""
    text = unicodedata.normalize("NFC", text)
    if len(text) <= length:
        return text
    if text.isascii():
        truncate = _truncation(translation.get_language())
        return str(add_truncation_text(text[: calculate_truncate_chars_length(length, truncate)], truncate))
    return str(Truncator(text).chars(length))
