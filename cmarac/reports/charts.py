"""Bar charts drawn on the server as SVG: no script, no third party, nothing fetched.

The table beside each chart is the source of truth and what a screen reader reads; the chart is
an image (role="img") named by its <title>, with a <desc> that says what it shows and where the
figures are. Every label and value is written out in full next to its bar, so the chart does
not rely on colour or on measuring bar lengths.
"""

from __future__ import annotations

from dataclasses import dataclass

WIDTH = 640
BAR_SPACE = 540  # the longest bar; the rest of the width holds its value
ROW_HEIGHT = 46
BAR_HEIGHT = 18
LABEL_GAP = 16  # from a row's top to its label's baseline


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    label_y: int
    bar_y: int
    width: int
    value_x: int
    value_y: int


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    description: str
    bars: list[Bar]
    height: int
    width: int = WIDTH
    bar_height: int = BAR_HEIGHT


def bar_chart(*, key: str, title: str, column: str, data: list[tuple[str, int]]) -> Chart | None:
    """A horizontal bar chart, one bar per row; None when every value is zero (nothing to draw)."""
    if not data or not any(value for _, value in data):
        return None
    largest = max(value for _, value in data)
    bars = []
    for index, (label, value) in enumerate(data):
        top = index * ROW_HEIGHT
        width = round(BAR_SPACE * value / largest) if value else 0
        bars.append(
            Bar(
                label=label,
                value=value,
                label_y=top + LABEL_GAP,
                bar_y=top + LABEL_GAP + 6,
                width=max(width, 2) if value else 0,
                value_x=max(width, 2) + 8 if value else 0,
                value_y=top + LABEL_GAP + 6 + BAR_HEIGHT - 4,
            )
        )
    description = (
        f"Bar chart of {column.lower()}, one bar for each of the {len(data)} rows of the table that follows, "
        f"which gives the same figures. The longest bar is {largest}."
    )
    return Chart(key=key, title=title, description=description, bars=bars, height=len(data) * ROW_HEIGHT + 4)
