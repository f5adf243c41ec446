"""The triage list's rows written in Python (ADR 0039): a page is 25 rows of six or seven cells,
with their people, flags and risk tag, which the template loop wrote one variable lookup and one
include at a time. This writes the same HTML; tests/test_template_speed.py compares the two, the
loop kept under tests/field_template/.

    {% load referral_rows %}{% referral_rows referrals tab %}

`referrals` as referrals.lists.triage_rows reads them (TriageRow, plain values); `tab` the tab
shown: the decided tab has a column more, the decision and its date."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from cmarac.cases.models import RiskLevel
from cmarac.cases.templatetags.case_rows import cell_tags, people_items
from cmarac.core.dates import long_date
from cmarac.core.paths import path_maker
from referrals.lists import TriageRow
from referrals.models import Referral

register = template.Library()

_REPEAT = '<li><strong class="govuk-tag govuk-tag--purple">Repeat</strong></li>'
_LATE = '<li><strong class="govuk-tag govuk-tag--yellow">Late</strong></li>'
_URGENT = '<li><strong class="govuk-tag govuk-tag--red">Urgent</strong></li>'
_RISK_TAG_CLASSES = {"high": "govuk-tag--red", "medium": "govuk-tag--orange"}  # else grey, as risk_tag.html
_RISK_LABELS = dict(RiskLevel.choices)
_STATUS_LABELS = dict(Referral.Status.choices)
_ROW = (
    '<tr class="govuk-table__row">'
    '<th scope="row" class="govuk-table__header"><a class="govuk-link app-nowrap" href="{}">{}</a>{}</th>'
    '<td class="govuk-table__cell"><ul class="app-cell-list">{}</ul></td>'
    '<td class="govuk-table__cell">{}</td>'
    '<td class="govuk-table__cell app-nowrap">{} <strong class="govuk-tag {}">{}</strong></td>'
    '<td class="govuk-table__cell app-nowrap">{}</td>'
    '<td class="govuk-table__cell app-nowrap">{}</td>'
    "{}</tr>"
)
_DECISION = '<td class="govuk-table__cell app-nowrap">{}, {}</td>'


def _flags(referral: TriageRow) -> SafeString | str:
    tags = [_REPEAT] if referral.is_repeat else []
    if referral.is_late:
        tags.append(_LATE)
    if referral.accepted_as_urgent:
        tags.append(_URGENT)
    return cell_tags(tags)


def _subjects(referral: TriageRow) -> SafeString | str:
    return people_items(referral.subjects) if referral.subjects else mark_safe("<li>None recorded</li>")


def _row(referral: TriageRow, triage_path: Callable[[object], str], decided: bool) -> SafeString:
    decision = (
        format_html(
            _DECISION, _STATUS_LABELS.get(referral.status, referral.status), long_date(referral.decided_at, "short")
        )
        if decided
        else ""
    )
    return format_html(
        _ROW,
        triage_path(referral.reference),  # {% url 'referrals:triage' referral.reference %}
        referral.reference,
        _flags(referral),
        _subjects(referral),
        referral.referring_agency_name or "Not given",
        referral.score,
        _RISK_TAG_CLASSES.get(referral.risk_level, "govuk-tag--grey"),
        _RISK_LABELS.get(referral.risk_level, referral.risk_level),
        long_date(referral.meeting_date, "short"),
        long_date(referral.submitted_at, "short"),
        decision,
    )


@register.simple_tag
def referral_rows(referrals: Iterable[TriageRow], tab: str) -> SafeString:
    triage_path = path_maker("referrals:triage")
    decided = tab == "decided"
    # Each row is format_html: its values escaped, its markup our own.
    return mark_safe("".join(_row(referral, triage_path, decided) for referral in referrals))  # noqa: S308
