"""The panel's side: coordinators and co-chairs triage submitted referrals into cases."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from cmarac.accounts.roles import Role
from cmarac.core.audit import audit_list, audit_refused, audit_view
from referrals import services
from referrals.access import get_referral_for
from referrals.forms_triage import AcceptForm, DeclineForm, InformationForm
from referrals.matching import find_repeat, propose_cases
from referrals.models import Referral

TABS = {
    "waiting": ("Waiting for triage", [Referral.Status.SUBMITTED]),
    "information": ("More information requested", [Referral.Status.MORE_INFORMATION]),
    "decided": ("Decided", [Referral.Status.ACCEPTED, Referral.Status.DECLINED]),
}


def _require_triage_role(request: HttpRequest) -> None:
    if not request.user.has_role(Role.COORDINATOR, Role.CO_CHAIR):
        raise PermissionDenied


def triage_list(request: HttpRequest) -> HttpResponse:
    _require_triage_role(request)
    tab = request.GET.get("tab", "waiting")
    if tab not in TABS:
        tab = "waiting"
    referrals = (
        Referral.objects.visible_to(request.user)
        .filter(status__in=TABS[tab][1])
        .select_related("referring_agency", "referrer", "case")
        .prefetch_related("subjects")
        .order_by("meeting_date", "submitted_at", "pk")
    )
    page = Paginator(referrals, 25).get_page(request.GET.get("page"))
    audit_list(
        request=request,
        model=Referral,
        what="Referral triage list",
        shown=[r.reference for r in page.object_list],
        criteria={"tab": tab},
    )
    counts = Referral.objects.visible_to(request.user).aggregate(
        **{key: Count("pk", filter=Q(status__in=statuses)) for key, (_, statuses) in TABS.items()}
    )
    return render(
        request,
        "referrals/triage_list.html",
        {
            "tab": tab,
            "tabs": [(key, label, counts[key]) for key, (label, _) in TABS.items()],
            "page": page,
            "referrals": page.object_list,
            "query_string": f"tab={tab}",
        },
    )


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
    proposals = propose_cases(item) if item.status == Referral.Status.SUBMITTED else []
    action = request.POST.get("action") if request.method == "POST" else None
    forms: dict[str, Any] = {
        "accept": AcceptForm(request.POST if action == "accept" else None, proposals=proposals, prefix="accept"),
        "decline": DeclineForm(request.POST if action == "decline" else None, prefix="decline"),
        "information": InformationForm(request.POST if action == "information" else None, prefix="information"),
    }
    if request.method == "GET":
        audit_view(request=request, instance=item, what="Referral triage")
    elif item.status != Referral.Status.SUBMITTED:
        messages.error(request, "This referral has already been dealt with.")
        return redirect("referrals:triage", referral=item.reference)
    else:
        response = _decide(request, item, action, forms)
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
            "can_accept_as_urgent": item.is_late
            and item.status == Referral.Status.SUBMITTED
            and request.user.has_role(Role.CO_CHAIR),
        },
    )


def _decide(request: HttpRequest, item: Referral, action: str | None, forms: dict[str, Any]) -> HttpResponse | None:
    try:
        if action == "urgent":
            if not request.user.has_role(Role.CO_CHAIR):
                raise PermissionDenied
            services.referral_accept_as_urgent(referral=item, by=request.user)
            messages.success(request, f"Referral {item.reference} will be heard at the earlier meeting as urgent")
            return redirect("referrals:triage", referral=item.reference)
        form = forms.get(action or "")
        if form is None or not form.is_valid():
            return None
        if action == "accept":
            case = services.referral_accept(referral=item, by=request.user, join_case=form.cleaned_data["case"])
            messages.success(request, f"Referral {item.reference} accepted into case {case.reference}")
            return redirect(case)
        if action == "decline":
            services.referral_decline(referral=item, by=request.user, reason=form.cleaned_data["decision_reason"])
            messages.success(request, f"Referral {item.reference} declined. The referrer will see your reason.")
        else:
            services.referral_request_information(
                referral=item, by=request.user, question=form.cleaned_data["information_request"]
            )
            messages.success(request, f"Referral {item.reference} sent back to the referrer with your question")
        return redirect("referrals:list")
    except ValidationError as error:
        target = forms.get(action or "")
        if target is None:
            messages.error(request, " ".join(error.messages))
            return redirect("referrals:triage", referral=item.reference)
        target.add_error(None, error)
        return None
