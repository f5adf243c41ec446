"""The case list's rows written in Python (ADR 0039): a page is 25 rows of six cells with their
subjects and flags, which the template loop wrote one variable lookup at a time. This writes the
same HTML; tests/test_template_speed.py compares the two, the loop kept under
tests/field_template/.

    {% load case_rows %}{% case_rows cases %}

`cases` as the case list's view leaves them (cmarac.cases.selectors.cases_by_ids): the lead
agency's name joined, subjects with their people prefetched."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from cmarac.core.dates import long_date
from cmarac.core.paths import path_maker

register = template.Library()

_REPEAT = '<li><strong class="govuk-tag govuk-tag--purple">Repeat</strong></li>'
_THRESHOLD = '<li><strong class="govuk-tag govuk-tag--magenta">ASB Case Review threshold</strong></li>'
_POTENTIAL = '<li><strong class="govuk-tag govuk-tag--orange">Potential ASB Case Review</strong></li>'
_RISK_TAG_CLASSES = {"high": "govuk-tag--red", "medium": "govuk-tag--orange"}  # else grey, as risk_tag.html
_NOT_NOMINATED = mark_safe('<span class="app-secondary-text">Not nominated</span>')
_ROW = (
    '<tr class="govuk-table__row">'
    '<th scope="row" class="govuk-table__header"><a class="govuk-link app-nowrap" href="{}">{}</a>{}</th>'
    '<td class="govuk-table__cell">{}</td>'
    '<td class="govuk-table__cell"><strong class="govuk-tag {}">{}</strong></td>'
    '<td class="govuk-table__cell">{}</td>'
    '<td class="govuk-table__cell">{}</td>'
    '<td class="govuk-table__cell app-nowrap">{}</td>'
    "</tr>"
)


def _flags(case: Any) -> SafeString | str:
    tags = [_REPEAT] if case.is_repeat else []
    if case.asb_case_review_threshold_reached:
        tags.append(_THRESHOLD)
    elif case.asb_case_review_potential:
        tags.append(_POTENTIAL)
    return mark_safe(f' <ul class="app-cell-tags">{"".join(tags)}</ul>') if tags else ""  # noqa: S308 (constants)


def _subjects(case: Any) -> SafeString | str:
    subjects = list(case.subjects.all())
    if not subjects:
        return "None recorded"
    items = format_html_join(
        "",
        '<li>{} <span class="app-secondary-text">({})</span></li>',
        ((subject.person.full_name, subject.get_role_display().lower()) for subject in subjects),
    )
    return format_html('<ul class="app-cell-list">{}</ul>', items)


def _row(case: Any, case_path: Callable[[object], str]) -> SafeString:
    return format_html(
        _ROW,
        case_path(case.reference),  # case.get_absolute_url()
        case.reference,
        _flags(case),
        _subjects(case),
        _RISK_TAG_CLASSES.get(case.risk_level, "govuk-tag--grey"),
        case.get_risk_level_display(),
        case.get_status_display(),
        case.lead_agency.name if case.lead_agency else _NOT_NOMINATED,
        long_date(case.opened_on, "short"),
    )


@register.simple_tag
def case_rows(cases: Iterable[Any]) -> SafeString:
    case_path = path_maker("cases:detail")
    # Each row is format_html: its values escaped, its markup our own.
    return mark_safe("".join(_row(case, case_path) for case in cases))  # noqa: S308
