"""The case list's rows written in Python (ADR 0039): a page is 25 rows of six cells with their
subjects and flags, which the template loop wrote one variable lookup at a time. This writes the
same HTML; tests/test_template_speed.py compares the two, the loop kept under
tests/field_template/.

    {% load case_rows %}{% case_rows cases %}

`cases` as the case list's view leaves them: cmarac.cases.selectors.CaseListRow, read as values by
cases_by_ids."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from cmarac.cases.models import Case, CaseSubject, RiskLevel
from cmarac.cases.selectors import CaseListRow
from cmarac.core.dates import long_date
from cmarac.core.paths import path_maker

register = template.Library()

_REPEAT = '<li><strong class="govuk-tag govuk-tag--purple">Repeat</strong></li>'
_THRESHOLD = '<li><strong class="govuk-tag govuk-tag--magenta">ASB Case Review threshold</strong></li>'
_POTENTIAL = '<li><strong class="govuk-tag govuk-tag--orange">Potential ASB Case Review</strong></li>'
_RISK_TAG_CLASSES = {"high": "govuk-tag--red", "medium": "govuk-tag--orange"}  # else grey, as risk_tag.html
_RISK_LABELS = dict(RiskLevel.choices)
_STATUS_LABELS = dict(Case.Status.choices)
_ROLE_LABELS = {value: label.lower() for value, label in CaseSubject.Role.choices}
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


def cell_tags(tags: list[str]) -> SafeString | str:
    """A row's flags (constant tag markup, each a list item) after its reference, or nothing."""
    return mark_safe(f' <ul class="app-cell-tags">{"".join(tags)}</ul>') if tags else ""  # noqa: S308 (constants)


def people_items(subjects: Iterable[tuple[str, str]]) -> SafeString:
    """A row's people as list items, each "name (role)": the case list's and the triage list's."""
    return format_html_join(
        "",
        '<li>{} <span class="app-secondary-text">({})</span></li>',
        ((name, _ROLE_LABELS.get(role, role)) for name, role in subjects),
    )


def _flags(case: CaseListRow) -> SafeString | str:
    tags = [_REPEAT] if case.is_repeat else []
    if case.asb_case_review_threshold_reached:
        tags.append(_THRESHOLD)
    elif case.asb_case_review_potential:
        tags.append(_POTENTIAL)
    return cell_tags(tags)


def _subjects(case: CaseListRow) -> SafeString | str:
    if not case.subjects:
        return "None recorded"
    return format_html('<ul class="app-cell-list">{}</ul>', people_items(case.subjects))


def _row(case: CaseListRow, case_path: Callable[[object], str]) -> SafeString:
    return format_html(
        _ROW,
        case_path(case.reference),  # case.get_absolute_url()
        case.reference,
        _flags(case),
        _subjects(case),
        _RISK_TAG_CLASSES.get(case.risk_level, "govuk-tag--grey"),
        _RISK_LABELS.get(case.risk_level, case.risk_level),
        _STATUS_LABELS.get(case.status, case.status),
        case.lead_agency_name if case.lead_agency_name is not None else _NOT_NOMINATED,
        long_date(case.opened_on, "short"),
    )


@register.simple_tag
def case_rows(cases: Iterable[CaseListRow]) -> SafeString:
    case_path = path_maker("cases:detail")
    # Each row is format_html: its values escaped, its markup our own.
    return mark_safe("".join(_row(case, case_path) for case in cases))  # noqa: S308
