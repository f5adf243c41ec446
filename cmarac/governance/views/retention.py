"""The retention review queue and holds (coordinators and the data protection officer)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cmarac.accounts.models import User
from cmarac.accounts.roles import Role
from cmarac.core.audit import audit_list, audit_view
from cmarac.governance import retention_services as services
from cmarac.governance.retention_forms import RetentionHoldForm, RetentionReleaseForm
from cmarac.governance.retention_models import RetentionHold
from cmarac.governance.retention_policy import (
    closed_case_policy,
    declined_referral_policy,
    draft_referral_policy,
    end_of_month,
)
from cmarac.governance.retention_selectors import record_exists, retention_queue

KINDS = set(RetentionHold.RecordKind.values)


def _require_governance_role(user: User) -> None:
    """As the audit trail: coordinators and the auditor; everyone else is refused (403)."""
    if not user.has_role(Role.COORDINATOR, Role.AUDITOR):
        raise PermissionDenied


def _record(request: HttpRequest, kind: str, reference: str) -> tuple[str, str]:
    _require_governance_role(request.user)
    reference = reference.upper()
    if kind not in KINDS or len(reference) > 20 or not record_exists(kind, reference):
        raise Http404("No such record")
    return kind, reference


@require_GET
def retention_queue_page(request: HttpRequest) -> HttpResponse:
    _require_governance_role(request.user)
    today = timezone.localdate()
    rows, holds = retention_queue(today=today)
    audit_list(
        request=request,
        model=RetentionHold,
        what="Retention review queue",
        shown=[row.record.reference for row in rows] + [hold.reference for hold in holds],
        criteria={"through": end_of_month(today).isoformat()},
    )
    return render(
        request,
        "governance/retention_queue.html",
        {
            "rows": rows,
            "holds": holds,
            "today": today,
            "month_end": end_of_month(today),
            "policies": [closed_case_policy(), declined_referral_policy(), draft_referral_policy()],
        },
    )


def _active_hold(kind: str, reference: str) -> RetentionHold | None:
    return RetentionHold.objects.active().filter(record_kind=kind, reference=reference).first()


def _hold_page(
    request: HttpRequest,
    *,
    kind: str,
    reference: str,
    hold: RetentionHold | None,
    form: RetentionHoldForm,
) -> HttpResponse:
    return render(
        request,
        "governance/retention_hold.html",
        {
            "kind": kind,
            "kind_label": RetentionHold.RecordKind(kind).label,
            "reference": reference,
            "hold": hold,
            "form": form,
            "release_form": RetentionReleaseForm(prefix="release", initial={"revision": hold.revision if hold else 0}),
        },
    )


@require_http_methods(["GET", "POST"])
def retention_hold_page(request: HttpRequest, kind: str, reference: str) -> HttpResponse:
    kind, reference = _record(request, kind, reference)
    hold = _active_hold(kind, reference)
    if request.method == "GET":
        if hold is not None:
            audit_view(request=request, instance=hold, what="Retention hold")
            initial = {"grounds": hold.grounds, "reason": hold.reason, "review_on": hold.review_on}
        else:
            initial = {}
        form = RetentionHoldForm(initial={**initial, "revision": hold.revision if hold else 0})
        return _hold_page(request, kind=kind, reference=reference, hold=hold, form=form)
    form = RetentionHoldForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.retention_hold_save(
                kind=kind,
                reference=reference,
                by=request.user,
                grounds=data["grounds"],
                reason=data["reason"],
                review_on=data["review_on"],
                revision=data["revision"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for name, errors in error.error_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            messages.success(request, f"{reference} is held until it is released. Look again by the date given.")
            return redirect("governance:retention_queue")
    return _hold_page(request, kind=kind, reference=reference, hold=hold, form=form)


@require_POST
def retention_release_page(request: HttpRequest, kind: str, reference: str) -> HttpResponse:
    kind, reference = _record(request, kind, reference)
    release_form = RetentionReleaseForm(request.POST, prefix="release")
    if not release_form.is_valid():
        raise Http404("Malformed form")
    try:
        services.retention_hold_release(
            kind=kind, reference=reference, by=request.user, revision=release_form.cleaned_data["revision"]
        )
    except ValidationError as error:
        hold = _active_hold(kind, reference)
        if hold is None:
            messages.info(request, f"There is no hold on {reference}: someone else has released it.")
            return redirect("governance:retention_queue")
        # Someone else changed the hold since this page was shown: show what is saved now.
        form = RetentionHoldForm(
            data={
                "grounds": hold.grounds,
                "reason": hold.reason,
                "review_on": hold.review_on.isoformat(),
                "revision": hold.revision,
            }
        )
        form.is_valid()
        form.add_error(None, error)
        return _hold_page(request, kind=kind, reference=reference, hold=hold, form=form)
    messages.success(request, f"The hold on {reference} is released. The retention policy applies to it again.")
    return redirect("governance:retention_queue")
