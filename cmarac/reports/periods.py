"""The period a report covers: a month, a quarter, a financial year, or two dates.

Chosen with a GET form (the report is a read), so a report's address can be bookmarked and
shared between the people allowed to see it. The dates are GOV.UK date inputs (day, month and
year fields), checked as the Design System asks: each error names the field and what to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]  # fmt: skip
# The longest period a report may cover (a few years is enough for any board).
LONGEST = timedelta(days=366 * 5)
EARLIEST_YEAR = 2000


@dataclass(frozen=True)
class Period:
    start: date  # first day, included
    end: date  # last day, included
    label: str

    @property
    def starts_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def ends_before(self) -> datetime:
        """The first moment after the period (local midnight after its last day)."""
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    @property
    def slug(self) -> str:
        return f"{self.start:%Y-%m-%d}-to-{self.end:%Y-%m-%d}"

    def criteria(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


def _month_end(year: int, month: int) -> date:
    following = date(year + (month == 12), month % 12 + 1, 1)
    return following - timedelta(days=1)


def month_period(year: int, month: int) -> Period:
    return Period(date(year, month, 1), _month_end(year, month), f"{MONTHS[month - 1]} {year}")


def quarter_period(year: int, first_month: int) -> Period:
    last = first_month + 2
    return Period(
        date(year, first_month, 1),
        _month_end(year, last),
        f"{MONTHS[first_month - 1]} to {MONTHS[last - 1]} {year}",
    )


def financial_year_period(year: int) -> Period:
    """April to March, as partnership boards and councils report."""
    return Period(date(year, 4, 1), date(year + 1, 3, 31), f"April {year} to March {year + 1}")


def dates_period(start: date, end: date) -> Period:
    return Period(start, end, f"{start.day} {MONTHS[start.month - 1]} {start.year} to "
                              f"{end.day} {MONTHS[end.month - 1]} {end.year}")  # fmt: skip


def last_full_quarter(today: date) -> Period:
    first_month = (today.month - 1) // 3 * 3 + 1  # this quarter's first month
    year, month = (today.year, first_month - 3) if first_month > 3 else (today.year - 1, 10)
    return quarter_period(year, month)


def _month_choices(today: date, count: int = 24) -> list[tuple[str, str]]:
    choices = []
    year, month = today.year, today.month
    for _ in range(count):
        choices.append((f"{year}-{month:02d}", f"{MONTHS[month - 1]} {year}"))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return choices


def _quarter_choices(today: date, count: int = 12) -> list[tuple[str, str]]:
    choices = []
    year, month = today.year, (today.month - 1) // 3 * 3 + 1
    for _ in range(count):
        choices.append((f"{year}-{month:02d}", quarter_period(year, month).label))
        year, month = (year, month - 3) if month > 3 else (year - 1, 10)
    return choices


def _year_choices(today: date, count: int = 6) -> list[tuple[str, str]]:
    latest = today.year if today.month >= 4 else today.year - 1
    return [(str(year), financial_year_period(year).label) for year in range(latest, latest - count, -1)]


class PeriodForm(forms.Form):
    KINDS = [("month", "A month"), ("quarter", "A quarter"), ("year", "A financial year (April to March)"),
             ("dates", "Between two dates")]  # fmt: skip

    period = forms.ChoiceField(label="Period", choices=KINDS, widget=forms.RadioSelect, required=False)
    month = forms.ChoiceField(label="Month", required=False)
    quarter = forms.ChoiceField(label="Quarter", required=False)
    year = forms.ChoiceField(label="Financial year", required=False)
    # GOV.UK date inputs: three text fields each, checked together in clean().
    from_day = forms.CharField(required=False, max_length=2)
    from_month = forms.CharField(required=False, max_length=2)
    from_year = forms.CharField(required=False, max_length=4)
    to_day = forms.CharField(required=False, max_length=2)
    to_month = forms.CharField(required=False, max_length=2)
    to_year = forms.CharField(required=False, max_length=4)

    DATE_PARTS = ("day", "month", "year")

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["month"].choices = _month_choices(today)
        self.fields["quarter"].choices = _quarter_choices(today)
        self.fields["year"].choices = _year_choices(today)
        # Which part of each date input has an error, for the error classes of that part only.
        self.date_part_errors: dict[str, set[str]] = {"from": set(), "to": set()}

    def _date(self, prefix: str, label: str) -> date | None:
        values = {part: (self.cleaned_data.get(f"{prefix}_{part}") or "").strip() for part in self.DATE_PARTS}
        missing = [part for part in self.DATE_PARTS if not values[part]]
        if len(missing) == 3:
            self._date_error(prefix, f"Enter the {label}", set(self.DATE_PARTS))
            return None
        if missing:
            self._date_error(prefix, f"The {label} must include a {' and '.join(missing)}", set(missing))
            return None
        if not all(values[part].isascii() and values[part].isdigit() for part in self.DATE_PARTS):
            wrong = {part for part in self.DATE_PARTS if not (values[part].isascii() and values[part].isdigit())}
            self._date_error(prefix, f"The {label} must be a real date", wrong)
            return None
        if len(values["year"]) != 4:
            self._date_error(prefix, "Year must include 4 numbers", {"year"})
            return None
        try:
            chosen = date(int(values["year"]), int(values["month"]), int(values["day"]))
        except ValueError:
            self._date_error(prefix, f"The {label} must be a real date", set(self.DATE_PARTS))
            return None
        if chosen.year < EARLIEST_YEAR:
            self._date_error(prefix, f"The {label} must be in or after {EARLIEST_YEAR}", {"year"})
            return None
        return chosen

    def _date_error(self, prefix: str, message: str, parts: set[str]) -> None:
        self.date_part_errors[prefix] |= parts
        # The error sits on the first part with a problem, so the summary links to that input.
        first = next(part for part in self.DATE_PARTS if part in parts)
        self.add_error(f"{prefix}_{first}", message)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind = data.get("period") or ""
        if kind == "month" and not data.get("month"):
            self.add_error("month", "Select a month")
        elif kind == "quarter" and not data.get("quarter"):
            self.add_error("quarter", "Select a quarter")
        elif kind == "year" and not data.get("year"):
            self.add_error("year", "Select a financial year")
        elif kind == "dates":
            start = self._date("from", "start date")
            end = self._date("to", "end date")
            if start and end:
                if end < start:
                    self._date_error("to", "The end date must be the same as or after the start date", {"day"})
                elif end > self.today:
                    self._date_error("to", "The end date must be today or in the past", {"day"})
                elif end - start > LONGEST:
                    self._date_error("to", "The period must be 5 years or shorter", {"day"})
            data["start"], data["end"] = start, end
        return data

    def chosen(self) -> Period:
        """The chosen period (call after is_valid()); the last full quarter if none was chosen."""
        data = self.cleaned_data
        kind = data.get("period")
        if kind == "month":
            year, month = map(int, data["month"].split("-"))
            return month_period(year, month)
        if kind == "quarter":
            year, month = map(int, data["quarter"].split("-"))
            return quarter_period(year, month)
        if kind == "year":
            return financial_year_period(int(data["year"]))
        if kind == "dates":
            return dates_period(data["start"], data["end"])
        return last_full_quarter(self.today)

    def date_errors(self, prefix: str) -> list[str]:
        return [error for part in self.DATE_PARTS for error in self.errors.get(f"{prefix}_{part}", [])]

    @property
    def from_errors(self) -> list[str]:
        return self.date_errors("from")

    @property
    def to_errors(self) -> list[str]:
        return self.date_errors("to")
