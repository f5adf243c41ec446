from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from cmarac.accounts.models import User
from cmarac.accounts.roles import Role
from cmarac.cases import services
from cmarac.cases.access import get_case_for
from cmarac.cases.forms import AsbThresholdForm, CaseCreateForm, CaseFilterForm, PersonForm, ReasonForm
from cmarac.cases.models import Case, CaseInvolvement, CaseSubject, Person
from cmarac.cases.panels import case_panels
from cmarac.cases.selectors import (
    SEARCH_LIMIT,
    case_page_history,
    cases_by_ids,
    cases_for_list,
    matching_case_ids,
    search_terms,
)
from cmarac.core.audit import NOT_RECORDED, audit_list, audit_refused, audit_view
from cmarac.core.csv_download import csv_download
from cmarac.core.pagination import bounded_page

PAGE_SIZE = 25


def _require_role(user: User, *roles: Role) -> None:
    if not user.has_role(*roles):
        raise PermissionDenied


def _case_for(request: HttpRequest, reference: str, queryset: QuerySet[Case] | None = None) -> Case:
    """get_case_for, with refusals (missing or not theirs) written to the audit trail."""
    try:
        return get_case_for(request.user, reference, queryset)
    except Http404:
        audit_refused(request=request, model=Case, what="Case page", reference=reference[:20])
        raise


SEARCHES_KEPT = 20


def _remember_search(request: HttpRequest, text: str) -> str:
    """Keep a search's text in the session and return a random token for the URL.

    Searches are by name or postcode: personal data, which must not travel in URLs (browser
    history, proxy and server logs). The URL carries the token, the session the text."""
    searches: dict[str, str] = request.session.get("case_searches", {})
    token = secrets.token_urlsafe(8)
    searches[token] = text
    request.session["case_searches"] = dict(list(searches.items())[-SEARCHES_KEPT:])
    return token


@require_http_methods(["GET", "POST"])
def case_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        # The filter form posts so that the search text stays out of the URL; redirect to a GET
        # whose address holds the filters and a token for the text.
        query = QueryDict(mutable=True)
        for key in ("status", "lead_agency", "led_by_my_agency", "shared_since", "sort"):
            if request.POST.get(key):
                query[key] = request.POST[key]
        query.setlist("risk_level", request.POST.getlist("risk_level"))
        query.setlist("asb_case_review", request.POST.getlist("asb_case_review"))
        text = request.POST.get("q", "").strip()[:100]
        if text:
            query["search"] = _remember_search(request, text)
        return redirect(f"{reverse('cases:list')}?{query.urlencode()}" if query else reverse("cases:list"))

    form, filters, criteria = _list_filters(request)
    cases = cases_for_list(user=request.user, filters=filters)
    number = request.GET.get("page")
    too_many = False
    if search_terms(filters):
        # The search runs once: its matching ids give the count and the page; the page's cases
        # are then read by id.
        ids, too_many = matching_case_ids(cases)
        page = Paginator(ids, PAGE_SIZE).get_page(number)
        page.object_list = cases_by_ids(list(page.object_list))
    else:
        # The page's ids first, then its cases by id (BoundedPaginator, ADR 0026).
        page = bounded_page(cases, PAGE_SIZE, number, read=cases_by_ids)
    shown = [case.reference for case in page.object_list]
    audit_list(request=request, model=Case, what="Case list", shown=shown, criteria=criteria)
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("q", None)
    return render(
        request,
        "cases/case_list.html",
        {
            "form": form,
            "page": page,
            "cases": page.object_list,
            "query_string": query.urlencode(),
            "searching": bool(criteria),
            "too_many": too_many,
            "search_limit": SEARCH_LIMIT,
            "shared_since": filters.get("shared_since"),
            "can_create": request.user.has_role(Role.COORDINATOR),
        },
    )


def _list_filters(request: HttpRequest) -> tuple[CaseFilterForm, dict[str, Any], dict[str, str]]:
    """The list's filters from the address, the search text from the session (by its token), and
    the criteria for the audit trail."""
    data = request.GET.copy()
    data.pop("page", None)
    token = data.pop("search", [""])[-1]
    data.pop("q", None)  # a name typed into the address is not accepted
    text = request.session.get("case_searches", {}).get(token, "")
    if text:
        data["q"] = text
    form = CaseFilterForm(data or None)
    filters: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    criteria = {key: str(value) for key, value in filters.items() if value not in (None, "", [], False)}
    if "q" in criteria:
        # That someone searched is recorded, with the cases shown; what they typed (a name, a
        # postcode) is not, so the trail holds no personal data.
        criteria["q"] = NOT_RECORDED
    return form, filters, criteria


CSV_HEADER = [
    "reference", "status", "risk level", "lead agency", "opened", "closed", "repeat case",
    "ASB Case Review threshold reached", "subjects",
]  # fmt: skip


def _csv_rows(cases: QuerySet[Case]) -> Iterator[list[str]]:
    """Streamed in chunks, each with its subjects prefetched: the queries do not grow with rows."""
    yield CSV_HEADER
    for case in cases.iterator(chunk_size=500):
        yield [
            case.reference,
            case.get_status_display(),
            case.get_risk_level_display(),
            case.lead_agency.name if case.lead_agency else "",
            case.opened_on.isoformat(),
            case.closed_on.isoformat() if case.closed_on else "",
            "yes" if case.is_repeat else "no",
            "yes" if case.asb_case_review_threshold_reached else "no",
            "; ".join(f"{s.person.full_name} ({s.get_role_display().lower()})" for s in case.subjects.all()),
        ]


@require_GET
def case_export(request: HttpRequest) -> StreamingHttpResponse:
    """The case list as CSV: the cases this person may see, with the list's filters and search."""
    form, filters, criteria = _list_filters(request)
    cases = cases_for_list(user=request.user, filters=filters)
    if form.is_bound and not form.is_valid():
        # The page shows the default list with an error; a download holds nothing rather than
        # more than was asked for.
        cases = cases.none()
    shown = list(cases.order_by("reference").values_list("reference", flat=True))
    audit_list(request=request, model=Case, what="Case list CSV export", shown=shown, criteria=criteria)
    return csv_download(_csv_rows(cases), filename="cases.csv")


def case_detail(request: HttpRequest, reference: str) -> HttpResponse:
    case = _case_for(request, reference, Case.objects.with_names())
    audit_view(request=request, instance=case, what="Case page")
    user = request.user
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "panels": case_panels(user, case),
            "subjects": case.subjects.select_related("person").order_by("pk"),
            **case_page_history(case),
            "can_edit_subjects": user.has_role(Role.COORDINATOR) and case.is_open,
            "can_close": user.has_role(Role.COORDINATOR, Role.CO_CHAIR) and case.is_open,
            "can_flag_asb": user.has_role(Role.CO_CHAIR) and case.anonymised_at is None,
            "can_reopen": user.has_role(Role.COORDINATOR, Role.CO_CHAIR)
            and not case.is_open
            and case.anonymised_at is None,
        },
    )


@require_http_methods(["GET", "POST"])
def case_create(request: HttpRequest) -> HttpResponse:
    _require_role(request.user, Role.COORDINATOR)
    form = CaseCreateForm(request.POST or None)
    person_form = PersonForm(request.POST or None, prefix="subject")
    if request.method == "POST" and form.is_valid() and person_form.is_valid():
        data = form.cleaned_data
        person = Person(**{k: v for k, v in person_form.cleaned_data.items() if k not in ("role", "last_seen")})
        with transaction.atomic():
            case = services.case_create(
                by=request.user,
                summary=data["summary"],
                risk_level=data["risk_level"],
                subjects=[(person, person_form.cleaned_data["role"])],
            )
            if data["referring_agency"]:
                services.involve_agency(
                    case=case,
                    agency=data["referring_agency"],
                    reason=CaseInvolvement.Reason.REFERRED,
                    source="manual",
                    by=request.user,
                )
            if data["lead_agency"]:
                services.case_set_lead(case=case, agency=data["lead_agency"], officer=None, by=request.user)
        messages.success(request, f"Case {case.reference} created")
        return redirect(case)
    return render(request, "cases/case_form.html", {"form": form, "person_form": person_form})


def _subject_for(request: HttpRequest, case: Case, subject_id: int) -> CaseSubject:
    subject = (
        CaseSubject.objects.visible_to(request.user)
        .select_related("person", "case")
        .filter(case=case, pk=subject_id)
        .first()
    )
    if subject is None:
        raise Http404("No subject found")
    return subject


def _editable_case(request: HttpRequest, reference: str) -> Case:
    case = _case_for(request, reference)
    _require_role(request.user, Role.COORDINATOR)
    if not case.is_open:
        raise PermissionDenied
    return case


@require_http_methods(["GET", "POST"])
def subject_add(request: HttpRequest, reference: str) -> HttpResponse:
    case = _editable_case(request, reference)
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person = Person(**{k: v for k, v in form.cleaned_data.items() if k not in ("role", "last_seen")})
        try:
            services.subject_add(case=case, person=person, role=form.cleaned_data["role"], by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Subject added")
            return redirect(case)
    return render(request, "cases/subject_form.html", {"case": case, "form": form, "adding": True})


@require_http_methods(["GET", "POST"])
def subject_edit(request: HttpRequest, reference: str, subject_id: int) -> HttpResponse:
    case = _editable_case(request, reference)
    subject = _subject_for(request, case, subject_id)
    initial = {"role": subject.role, "last_seen": subject.person.updated_at.isoformat()}
    form = PersonForm(request.POST or None, instance=subject.person, initial=initial)
    conflicts: list[tuple[str, Any, Any]] = []
    if request.method == "GET":
        audit_view(request=request, instance=subject, what="Subject details for editing")
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k not in ("role", "last_seen")}
        try:
            services.subject_update(
                subject=subject,
                role=form.cleaned_data["role"],
                person_fields=fields,
                last_seen=form.cleaned_data["last_seen"],
                by=request.user,
            )
        except services.EditConflict as error:
            form, conflicts = _form_after_conflict(request, subject, error)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Subject details saved")
            return redirect(case)
    return render(
        request,
        "cases/subject_form.html",
        {"case": case, "form": form, "subject": subject, "conflicts": conflicts},
    )


def _form_after_conflict(
    request: HttpRequest, subject: CaseSubject, error: ValidationError
) -> tuple[PersonForm, list[tuple[str, Any, Any]]]:
    """Keep what this person typed, show what the other person saved, and let them save again."""
    current = Person.objects.get(pk=subject.person_id)
    saved = {name: getattr(current, name) for name in PersonForm.Meta.fields}
    data = request.POST.copy()
    data["last_seen"] = current.updated_at.isoformat()
    form = PersonForm(data, instance=current)
    form.is_valid()
    form.add_error(None, error)

    def shown(name: str, value: Any) -> Any:
        choices = dict(getattr(form.fields[name], "choices", None) or ())
        return choices.get(value, value)

    conflicts = [
        (str(form.fields[name].label), shown(name, saved[name]), shown(name, form.cleaned_data.get(name)))
        for name in PersonForm.Meta.fields
        if name in form.cleaned_data and form.cleaned_data[name] != saved[name]
    ]
    return form, conflicts


@require_http_methods(["GET", "POST"])
def subject_remove(request: HttpRequest, reference: str, subject_id: int) -> HttpResponse:
    case = _editable_case(request, reference)
    subject = _subject_for(request, case, subject_id)
    if request.method == "POST":
        services.subject_remove(subject=subject, by=request.user)
        messages.success(request, "Subject removed from the case")
        return redirect(case)
    audit_view(request=request, instance=subject, what="Subject shown for removal")  # the page names them
    return render(request, "cases/subject_remove.html", {"case": case, "subject": subject})


def _close_or_reopen(request: HttpRequest, reference: str, *, closing: bool) -> HttpResponse:
    case = _case_for(request, reference)
    _require_role(request.user, Role.COORDINATOR, Role.CO_CHAIR)
    # A post is checked against the case as it was shown (last_seen), so someone who closed or
    # reopened it meanwhile is named in a clear refusal rather than a bare 403.
    if request.method != "POST" and case.is_open is not closing:
        raise PermissionDenied
    form = ReasonForm(request.POST or None, closing=closing, initial={"last_seen": case.updated_at.isoformat()})
    conflicts: list[tuple[str, Any, Any]] = []
    if request.method == "POST" and form.is_valid():
        action = services.case_close if closing else services.case_reopen
        try:
            action(
                case=case, by=request.user, reason=form.cleaned_data["reason"], last_seen=form.cleaned_data["last_seen"]
            )
        except services.EditConflict as error:
            saved = Case.objects.get(pk=case.pk)
            data = request.POST.copy()
            data["last_seen"] = saved.updated_at.isoformat()
            form = ReasonForm(data, closing=closing)
            form.is_valid()
            form.add_error(None, error)
            yours = "Closed" if closing else "Open"
            conflicts = [("Status", saved.get_status_display(), yours)]
            if closing and saved.closure_reason:
                conflicts.append(("Why the case was closed", saved.closure_reason, form.cleaned_data.get("reason")))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Case {case.reference} {'closed' if closing else 'reopened'}")
            return redirect(case)
    elif request.method == "POST" and case.is_open is not closing:
        raise PermissionDenied
    return render(
        request,
        "cases/case_status_form.html",
        {"case": case, "form": form, "closing": closing, "conflicts": conflicts},
    )


@require_http_methods(["GET", "POST"])
def case_close(request: HttpRequest, reference: str) -> HttpResponse:
    return _close_or_reopen(request, reference, closing=True)


@require_http_methods(["GET", "POST"])
def case_reopen(request: HttpRequest, reference: str) -> HttpResponse:
    return _close_or_reopen(request, reference, closing=False)


@require_http_methods(["GET", "POST"])
def asb_threshold(request: HttpRequest, reference: str) -> HttpResponse:
    """A co-chair sets or clears the ASB Case Review threshold flag, with a reason for the timeline."""
    case = _case_for(request, reference)
    _require_role(request.user, Role.CO_CHAIR)
    if case.anonymised_at is not None:
        raise PermissionDenied
    # What the form was shown to do travels with it, so a flag changed meanwhile is a clear refusal.
    reaching = (request.POST.get("reaching") if request.method == "POST" else None) == "yes" or (
        request.method != "POST" and not case.asb_case_review_threshold_reached
    )
    form = AsbThresholdForm(_posted(request), reaching=reaching, initial={"last_seen": case.updated_at.isoformat()})
    conflicts: list[tuple[str, Any, Any]] = []
    if request.method == "GET":
        audit_view(request=request, instance=case, what="ASB Case Review threshold")
    if request.method == "POST" and form.is_valid():
        try:
            services.case_set_asb_threshold(
                case=case, reached=reaching, reason=form.cleaned_data["reason"], by=request.user,
                last_seen=form.cleaned_data["last_seen"],
            )  # fmt: skip
        except services.EditConflict as error:
            saved = Case.objects.get(pk=case.pk)
            data = request.POST.copy()
            data["last_seen"] = saved.updated_at.isoformat()
            form = AsbThresholdForm(data, reaching=reaching)
            form.is_valid()
            form.add_error(None, error)
            shown = {True: "Yes", False: "No"}
            saved_flag = saved.asb_case_review_threshold_reached
            conflicts = [("ASB Case Review threshold reached", shown[saved_flag], shown[reaching])]
        except ValidationError as error:
            form.add_error(None, error)
        else:
            done = "marked as reached" if reaching else "flag cleared"
            messages.success(request, f"{case.reference}: ASB Case Review threshold {done}")
            return redirect(case)
    return render(
        request,
        "cases/asb_threshold_form.html",
        {"case": case, "form": form, "reaching": reaching, "conflicts": conflicts},
    )


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None
