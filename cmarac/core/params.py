"""Parsing values people (or their browsers, or anyone) put in addresses and query strings.

`str.isdigit()` is true for "²" and `int()` takes "٣" and " 4", so a hand-written check lets odd
values reach the database and answer 500. These helpers take plain ASCII only.
"""

from __future__ import annotations

import re

# A positive 64-bit id: at most 18 digits, so it always fits a bigint.
_ID = re.compile(r"[0-9]{1,18}")


def parse_id(value: str) -> int | None:
    """`value` as a database id, or None unless it is 1 to 18 ASCII digits and nothing else."""
    return int(value) if _ID.fullmatch(value) else None
