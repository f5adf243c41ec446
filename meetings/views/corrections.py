"""Corrections of approved minutes: a co-chair's explicit, dated and reasoned change (ADR 0020).

Approved minutes are locked against every ordinary edit; this is the one way their text changes,
and it changes nothing that was approved: each correction is a record of its own, shown on the
minutes with the text it supersedes.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from cmarac.accounts.roles import Role
from cmarac.core.audit import audit_refused, audit_view
from meetings import services
from meetings.forms import CORRECTED_PARTS, MinutesCorrectionForm
from meetings.models import Meeting, MinutesCorrection
from meetings.selectors import text_now
from meetings.views.helpers import _add_service_error, _item_for, _meeting_for


def _require_co_chair(request: HttpRequest) -> None:
    if not request.user.has_role(Role.CO_CHAIR):
        raise PermissionDenied


@require_http_methods(["GET", "POST"])
def minutes_correct(request: HttpRequest, meeting_id: int, kind: str, item_id: int | None = None) -> HttpResponse:
    _require_co_chair(request)
    meeting = _meeting_for(request, meeting_id)
    item = _item_for(request, meeting, item_id, "Minutes correction") if item_id is not None else None
    if not meeting.minutes_locked:
        messages.error(request, "These minutes are not approved yet: change them directly, not by a correction.")
        return redirect("meetings:minutes", meeting_id=meeting.pk)
    now = text_now(meeting, item, kind)
    form = MinutesCorrectionForm(
        request.POST if request.method == "POST" else None,
        initial={"text": now.text, "revision": meeting.minutes_revision},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            correction = services.minutes_correct(
                meeting=meeting, item=item, kind=kind, by=request.user, text=data["text"], reason=data["reason"],
                revision=data["revision"],
            )  # fmt: skip
        except services.StaleEdit as error:
            # Someone corrected these minutes since the form was shown: show what reads now, keep
            # this person's entries, and take the revision they have now seen.
            meeting = Meeting.objects.get(pk=meeting.pk)
            now = text_now(meeting, item, kind)
            posted = request.POST.copy()
            posted["revision"] = str(meeting.minutes_revision)
            form = MinutesCorrectionForm(posted)
            form.is_valid()
            form.add_error(None, error)
        except ValidationError as error:
            _add_service_error(form, error)
        else:
            return redirect("meetings:correction", meeting_id=meeting.pk, correction_id=correction.pk)
    audit_view(request=request, instance=item or meeting, what="Minutes correction")
    return render(
        request,
        "meetings/minutes_correct.html",
        {"meeting": meeting, "item": item, "part": CORRECTED_PARTS[kind], "now": now, "form": form},
    )


@require_GET
def correction_done(request: HttpRequest, meeting_id: int, correction_id: int) -> HttpResponse:
    """The confirmation, for the co-chairs."""
    _require_co_chair(request)
    meeting = _meeting_for(request, meeting_id)
    correction = (
        MinutesCorrection.objects.select_related("item__case", "made_by")
        .filter(meeting=meeting, pk=correction_id)
        .first()
    )
    if correction is None:
        audit_refused(request=request, model=MinutesCorrection, what="Minutes correction",
                      reference=f"correction {correction_id}", key="correction")  # fmt: skip
        raise Http404("No correction found")
    audit_view(request=request, instance=correction, what="Minutes correction made")
    return render(
        request,
        "meetings/minutes_corrected.html",
        {"meeting": meeting, "correction": correction, "part": CORRECTED_PARTS[correction.field]},
    )
