"""The panel's side: coordinators and co-chairs triage submitted referrals into cases."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from cmarac.accounts.roles import Role
from cmarac.core.audit import audit_list, audit_refused, audit_view
from cmarac.core.csv_download import csv_download
from cmarac.core.pagination import bounded_page
from cmarac.core.revisions import form_after_conflict
from referrals import services
from referrals.access import get_referral_for
from referrals.forms_triage import TriageForm, UrgentForm
from referrals.lists import PAGE_SIZE, triage_csv_rows, triage_filters, triage_referrals, triage_rows, triage_tabs
from referrals.matching import find_repeat, propose_cases
from referrals.models import Referral


def _require_triage_role(request: HttpRequest) -> None:
    if not request.user.has_role(Role.COORDINATOR, Role.CO_CHAIR):
        raise PermissionDenied


def triage_list(request: HttpRequest) -> HttpResponse:
    _require_triage_role(request)
    filters = triage_filters(request.GET)
    tab = filters["tab"]
    referrals = triage_referrals(request.user, filters)
    # The page's ids first, then its referrals by id (BoundedPaginator, ADR 0026).
    page = bounded_page(referrals, PAGE_SIZE, request.GET.get("page"), read=triage_rows)
    audit_list(
        request=request,
        model=Referral,
        what="Referral triage list",
        shown=[r.reference for r in page.object_list],
        criteria=_criteria(filters),
    )
    query = urlencode({"tab": tab, **({"late": "1"} if filters["late"] else {})})
    return render(
        request,
        "referrals/triage_list.html",
        {
            "tab": tab,
            "late": filters["late"],
            "tabs": triage_tabs(request.user, filters, page.paginator),
            "page": page,
            "referrals": page.object_list,
            "query_string": query,
        },
    )


def _criteria(filters: dict[str, Any]) -> dict[str, Any]:
    return {"tab": filters["tab"], **({"late": True} if filters["late"] else {})}


@require_GET
def triage_export(request: HttpRequest) -> StreamingHttpResponse:
    """The triage list as CSV: the tab (and late filter) shown, every page of it, in its order."""
    _require_triage_role(request)
    filters = triage_filters(request.GET)
    referrals = triage_referrals(request.user, filters)
    if not filters["valid"]:
        referrals = referrals.none()
    shown = list(referrals.order_by("reference").values_list("reference", flat=True))
    audit_list(
        request=request, model=Referral, what="Referral list CSV export", shown=shown, criteria=_criteria(filters)
    )
    return csv_download(triage_csv_rows(referrals), filename=f"referrals-{filters['tab']}.csv")


@require_http_methods(["GET", "POST"])
def triage_detail(request: HttpRequest, referral: str) -> HttpResponse:
    _require_triage_role(request)
    try:
        item = get_referral_for(
            request.user,
            referral,
            Referral.objects.select_related("referrer", "referring_agency", "checklist", "case"),
        )
    except Http404:
        audit_refused(request=request, model=Referral, what="Referral triage", reference=referral[:20], key="referral")
        raise
    # Its people are read once: the proposed matches are worked out from them, and the page lists them.
    prefetch_related_objects([item], "subjects")
    proposals = propose_cases(item) if item.status == Referral.Status.SUBMITTED else []
    action = request.POST.get("action") if request.method == "POST" else None
    shown = {"revision": item.revision}  # every decision carries the revision it was shown (ADR 0007)
    forms: dict[str, Any] = {
        "decide": TriageForm(request.POST if action == "decide" else None, proposals=proposals, initial=shown),
        "urgent": UrgentForm(request.POST if action == "urgent" else None, prefix="urgent", initial=shown),
    }
    conflicts: list[tuple[str, Any, Any]] = []
    if request.method == "GET":
        audit_view(request=request, instance=item, what="Referral triage")
    elif item.status != Referral.Status.SUBMITTED:
        messages.error(request, "This referral has already been dealt with.")
        return redirect("referrals:triage", referral=item.reference)
    else:
        try:
            response = _decide(request, item, action, forms)
        except services.StaleReferral as error:
            conflicts = _after_conflict(request, item, action or "", forms, error)
        else:
            if response is not None:
                return response
    return render(
        request,
        "referrals/triage_detail.html",
        {
            "referral": item,
            "subjects": item.subjects.all(),
            "answers": item.answers.select_related("question", "option"),
            "proposals": proposals,
            "repeat": find_repeat(item) if item.is_repeat else None,
            "forms": forms,
            "active_form": forms.get(action or ""),
            "conflicts": conflicts,
            "can_accept_as_urgent": item.is_late
            and item.status == Referral.Status.SUBMITTED
            and request.user.has_role(Role.CO_CHAIR),
        },
    )


def _after_conflict(
    request: HttpRequest, item: Referral, action: str, forms: dict[str, Any], error: ValidationError
) -> list[tuple[str, Any, Any]]:
    """The referral changed since the page was shown: keep the entries, take the revision saved now."""
    saved = Referral.objects.get(pk=item.pk)
    form_class = type(forms[action])
    extra = {"proposals": propose_cases(item)} if action == "decide" else {"prefix": action}
    shown = forms[action].cleaned_data.get("revision")
    forms[action], conflicts = form_after_conflict(
        form_class, request.POST, revision=saved.revision, saved={}, error=error, **extra
    )
    return [*conflicts, ("Version of the referral", saved.revision, shown)]


def _decide(request: HttpRequest, item: Referral, action: str | None, forms: dict[str, Any]) -> HttpResponse | None:
    try:
        form = forms.get(action or "")
        if action == "urgent" and not request.user.has_role(Role.CO_CHAIR):
            raise PermissionDenied
        if form is None or not form.is_valid():
            if action == "urgent":
                messages.error(request, "Reload the page and try again")
                return redirect("referrals:triage", referral=item.reference)
            return None
        revision = form.cleaned_data["revision"]
        if action == "urgent":
            services.referral_accept_as_urgent(referral=item, by=request.user, revision=revision)
            messages.success(request, f"Referral {item.reference} will be heard at the earlier meeting as urgent")
            return redirect("referrals:triage", referral=item.reference)
        decision = form.cleaned_data["decision"]
        if decision in (TriageForm.NEW, TriageForm.EXISTING):
            case = services.referral_accept(
                referral=item, by=request.user, join_case=form.cleaned_data["case"], revision=revision
            )
            messages.success(request, f"Referral {item.reference} accepted into case {case.reference}")
            return redirect(case)
        if decision == TriageForm.DECLINE:
            services.referral_decline(
                referral=item, by=request.user, reason=form.cleaned_data["decision_reason"], revision=revision
            )
            messages.success(request, f"Referral {item.reference} declined. The referrer will see your reason.")
        else:
            services.referral_request_information(
                referral=item, by=request.user, question=form.cleaned_data["information_request"], revision=revision
            )
            messages.success(request, f"Referral {item.reference} sent back to the referrer with your question")
        return redirect("referrals:list")
    except services.StaleReferral:
        raise
    except ValidationError as error:
        target = forms.get(action or "")
        if target is None:
            messages.error(request, " ".join(error.messages))
            return redirect("referrals:triage", referral=item.reference)
        target.add_error(None, error)
        return None
