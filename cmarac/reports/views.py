"""The partnership report: a page, a CSV of each table and a PDF of the whole, for a period.

Co-chairs, coordinators and the information governance officer open it; everyone else is refused
(403), as on the governance pages. The page shows the figures as counted; the CSV and PDF are
made "for sharing" (counts from 1 to 4 shown as "fewer than 5"), and only a co-chair may make
them with the small numbers shown, for the panel's own use.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET

from cmarac.accounts.models import User
from cmarac.accounts.roles import Role
from cmarac.cases.models import Case
from cmarac.core.audit import audit_list
from cmarac.core.csv_download import csv_download
from cmarac.reports.charts import bar_chart
from cmarac.reports.figures import Section, for_sharing, partnership_report, report_tables
from cmarac.reports.periods import Period, PeriodForm, last_full_quarter
from meetings.printing import layout

SHOW_SMALL_NUMBERS = "show"


def may_see_report(user: User) -> bool:
    return user.has_role(Role.CO_CHAIR, Role.COORDINATOR, Role.AUDITOR)


def may_show_small_numbers(user: User) -> bool:
    """Only a co-chair may take the report out with its small numbers (it may leave the panel)."""
    return user.has_role(Role.CO_CHAIR)


def _require_report_role(user: User) -> None:
    if not may_see_report(user):
        raise PermissionDenied


def _period_form(request: HttpRequest) -> PeriodForm:
    today = timezone.localdate()
    data: Any = request.GET
    if not data.get("period"):  # nothing chosen yet: the last full quarter
        default = last_full_quarter(today)
        data = {"period": "quarter", "quarter": f"{default.start:%Y-%m}"}
    form = PeriodForm(data, today=today)
    form.is_valid()
    return form


def _period_fields(form: PeriodForm) -> list[tuple[str, str]]:
    """The chosen period as query fields, for the downloads' addresses."""
    kind = form.cleaned_data.get("period") or ""
    names = {"month": ["month"], "quarter": ["quarter"], "year": ["year"]}.get(
        kind, [f"{end}_{part}" for end in ("from", "to") for part in PeriodForm.DATE_PARTS]
    )
    return [("period", kind), *((name, str(form.data.get(name, ""))) for name in names)]


def _audit(request: HttpRequest, period: Period, output: str, *, small_numbers: bool) -> None:
    audit_list(
        request=request,
        model=Case,
        what=f"Partnership report ({output})",
        shown=[],  # counts only: no record is shown
        criteria={**period.criteria(), "output": output, "small_numbers": "shown" if small_numbers else "suppressed"},
    )


def _shows_small_numbers(request: HttpRequest) -> bool:
    return request.GET.get("small_numbers") == SHOW_SMALL_NUMBERS and may_show_small_numbers(request.user)


@require_GET
def report(request: HttpRequest) -> HttpResponse:
    _require_report_role(request.user)
    form = _period_form(request)
    context: dict[str, Any] = {"form": form, "may_show_small_numbers": may_show_small_numbers(request.user)}
    if form.is_valid():
        period = form.chosen()
        sections = partnership_report(period, today=timezone.localdate())
        _audit(request, period, "page", small_numbers=True)
        context.update(
            period=period,
            query=urlencode(_period_fields(form)),
            query_fields=_period_fields(form),
            sections=[
                {
                    "title": section.title,
                    "tables": [
                        {
                            "table": table,
                            "chart": bar_chart(
                                key=table.key,
                                title=table.title,
                                column=table.columns[table.chart_column] if table.chart_column is not None else "",
                                data=table.chart(),
                            ),
                        }
                        for table in section.tables
                    ],
                }
                for section in sections
            ],
        )
    return render(request, "reports/report.html", context)


def _figures(request: HttpRequest) -> tuple[Period, list[Section], bool]:
    """The figures for a download: for sharing unless a co-chair asked for the small numbers."""
    form = _period_form(request)
    if not form.is_valid():
        raise Http404("No such period")
    period = form.chosen()
    small_numbers = _shows_small_numbers(request)
    sections = partnership_report(period, today=timezone.localdate())
    return period, (sections if small_numbers else for_sharing(sections)), small_numbers


@require_GET
def report_csv(request: HttpRequest, key: str) -> HttpResponse:
    _require_report_role(request.user)
    period, sections, small_numbers = _figures(request)
    table = report_tables(sections).get(key)
    if table is None:
        raise Http404("No such table")
    _audit(request, period, f"CSV {key}", small_numbers=small_numbers)
    marking = settings.PROTECTIVE_MARKING
    rows = [
        [marking],
        [f"{table.title}: {period.label}"],
        ["Small numbers shown: not for sharing" if small_numbers else "For sharing: counts from 1 to 4 are shown as "
         "'fewer than 5'"],
        table.header(),
        *table.lines(),
    ]  # fmt: skip
    suffix = "" if not small_numbers else "-not-for-sharing"
    return csv_download(rows, filename=f"{key}-{period.slug}{suffix}.csv")


@require_GET
def report_pdf(request: HttpRequest) -> HttpResponse:
    _require_report_role(request.user)
    period, sections, small_numbers = _figures(request)
    _audit(request, period, "PDF", small_numbers=small_numbers)
    html = render_to_string(
        "packs/partnership_report.html",
        {
            "period": period,
            "sections": sections,
            "small_numbers": small_numbers,
            "made_at": timezone.localtime(),
            "partnership_name": settings.PARTNERSHIP_NAME,
            "service_name": settings.SERVICE_NAME,
            "protective_marking": settings.PROTECTIVE_MARKING,
        },
    )
    pdf = layout(html).write_pdf()
    suffix = "" if not small_numbers else "-not-for-sharing"
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="partnership-report-{period.slug}{suffix}.pdf"'
    response["Cache-Control"] = "no-store, private"
    return response
