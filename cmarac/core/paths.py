"""Paths to many records of one kind, for rows written in Python (ADR 0039): Django's reverse()
costs tens of microseconds a call (the URLconf, the script prefix, the pattern checked again), and
a list writes two a row. Make the maker once per render, under the request's script prefix."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.urls import reverse

_PLAIN = re.compile(r"[A-Za-z0-9-]+\Z")  # needs no quoting, and every converter here takes it
_MARKER = "7039512468"  # digits, so an int converter and a str one both take it


def path_maker(name: str, *leading: object) -> Callable[[object], str]:
    """A function giving reverse(name, args=[*leading, key]) for any key, reversed once here and
    filled in: ids and case references (`leading`, the same for every row, such as the meeting of
    its agenda items). A key of anything but letters, digits and hyphens goes through reverse()
    itself."""
    head, marker, tail = reverse(name, args=[*leading, _MARKER]).rpartition(_MARKER)

    def path(key: object) -> str:
        text = str(key)
        if marker and _PLAIN.match(text):
            return f"{head}{text}{tail}"
        return reverse(name, args=[*leading, key])

    return path
