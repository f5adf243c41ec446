"""Asking for a meeting pack or minutes PDF, watching it being made, and downloading it."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cmarac.core.audit import audit_view
from cmarac.core.files import private_storage
from meetings.forms import PackForSomeoneForm
from meetings.models import Meeting, MeetingPack
from meetings.pack_batch import meeting_pack_recipients, packs_request_for_meeting
from meetings.packs import (
    may_make_packs_for_others,
    pack_file_exists,
    pack_recipients,
    pack_request,
    pack_still_allowed,
    pack_stored_name,
    pack_withdraw,
)
from meetings.views.helpers import _add_service_error, _posted


@require_POST
def pack_ask(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = get_object_or_404(Meeting.objects.visible_to(request.user), pk=meeting_id)
    kind = request.POST.get("kind", MeetingPack.Kind.PACK)
    if kind not in MeetingPack.Kind.values:
        raise Http404
    try:
        pack = pack_request(meeting=meeting, kind=kind, recipient=request.user)
    except ValidationError as error:
        if not request.user.is_authenticated:
            raise PermissionDenied from error
        messages.error(request, " ".join(error.messages))
        return redirect("meetings:detail", meeting_id=meeting.pk)
    return redirect("meetings:pack", pack_id=pack.pk)


@require_http_methods(["GET", "POST"])
def pack_for_someone(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The coordinator makes a pack or minutes for a co-chair or an invited agency's lead or deputy
    (to print for the meeting, or for an agency whose lead is away). ADR 0024."""
    if not may_make_packs_for_others(request.user):
        raise PermissionDenied
    meeting = get_object_or_404(Meeting.objects.visible_to(request.user), pk=meeting_id)
    recipients = pack_recipients(meeting)
    minutes = meeting.status in (Meeting.Status.HELD, Meeting.Status.MINUTES_APPROVED)
    form = PackForSomeoneForm(_posted(request), recipients=recipients, minutes=minutes)
    if request.method == "POST" and form.is_valid():
        recipient = next(person for person in recipients if person.pk == form.cleaned_data["recipient"])
        try:
            pack = pack_request(meeting=meeting, kind=form.cleaned_data["kind"], recipient=recipient, by=request.user)
        except ValidationError as error:
            _add_service_error(form, error)
        else:
            return redirect("meetings:pack", pack_id=pack.pk)
    made = (
        MeetingPack.objects.filter(meeting=meeting, made_by=request.user)
        .select_related("recipient")
        .order_by("-requested_at")
    )
    getting_one = {person.pk for person in meeting_pack_recipients(meeting)}  # a subset of the recipients
    labels = dict(form.fields["recipient"].choices)
    everyone = [labels[person.pk] for person in recipients if person.pk in getting_one]
    return render(
        request,
        "packs/for_someone.html",
        {"meeting": meeting, "form": form, "recipients": recipients, "made": made, "everyone": everyone},
    )


@require_POST
def packs_for_everyone(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The coordinator makes the meeting pack for every co-chair and the lead (or, where there is
    none, the deputy) of every invited agency at once: each holds what its recipient may see. The
    packs are listed, with their status, on the page this is asked from. ADR 0037."""
    if not may_make_packs_for_others(request.user):
        raise PermissionDenied
    meeting = get_object_or_404(Meeting.objects.visible_to(request.user), pk=meeting_id)
    try:
        packs = packs_request_for_meeting(meeting=meeting, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        made = "1 meeting pack is" if len(packs) == 1 else f"{len(packs)} meeting packs are"
        messages.success(request, f"{made} being made: each one's status is below.")
    return redirect("meetings:pack-for-someone", meeting_id=meeting.pk)


def _pack_for(request: HttpRequest, pack_id: object) -> MeetingPack:
    """Only the person a pack was made for, and the coordinator who made it for them, can see it;
    anyone else gets 404."""
    return get_object_or_404(
        MeetingPack.objects.visible_to(request.user).select_related("meeting", "recipient", "made_by"), pk=pack_id
    )


def _may_download(request: HttpRequest, pack: MeetingPack) -> bool:
    """The recipient; the coordinator who made it only while they may see every item in it too."""
    if pack.recipient_id == request.user.pk:
        return True
    return may_make_packs_for_others(request.user) and pack_still_allowed(pack, request.user)


@never_cache
@require_GET
def pack_status(request: HttpRequest, pack_id: object) -> HttpResponse:
    pack = _pack_for(request, pack_id)
    download = reverse("meetings:pack-download", args=[pack.pk])
    if request.GET.get("format") == "json":
        ready = _ready(pack) and _may_download(request, pack)
        return JsonResponse(
            {"status": pack.status, "label": pack.get_status_display(), "download": download if ready else None}
        )
    ready = _ready(pack) and (pack.recipient_id == request.user.pk or _may_download(request, pack))
    return render(
        request,
        "packs/status.html",
        {
            "pack": pack,
            "ready": ready,
            "download_url": download,
            "for_me": pack.recipient_id == request.user.pk,
            "retention_days": settings.PACK_RETENTION_DAYS,
        },
    )


def _ready(pack: MeetingPack) -> bool:
    return (
        pack.status == MeetingPack.Status.READY
        and pack.expires_at is not None
        and pack.expires_at > timezone.now()
        and pack_file_exists(pack)
    )


@never_cache
@require_GET
def pack_download(request: HttpRequest, pack_id: object) -> HttpResponse:
    pack = _pack_for(request, pack_id)
    if not _ready(pack):
        raise Http404("This file is not available")
    if not pack_still_allowed(pack):
        pack_withdraw(pack, reason=MeetingPack.WithdrawnReason.ACCESS_CHANGED)
        audit_view(request=request, instance=pack, what=f"{pack.get_kind_display()} withdrawn: access changed")
        return redirect("meetings:pack", pack_id=pack.pk)
    if not _may_download(request, pack):
        raise Http404("This file is not available")
    # Streamed from the private storage, whichever machine made it (ADR 0038); never a storage URL.
    try:
        stored = private_storage().open(pack_stored_name(pack), "rb")
    except FileNotFoundError as gone:  # deleted since _ready looked (expiry, withdrawal)
        raise Http404("This file is not available") from gone
    audit_view(request=request, instance=pack, what=f"{pack.get_kind_display()} download")
    when = timezone.localtime(pack.meeting.starts_at)
    name = f"cmarac-{pack.kind}-{when:%Y-%m-%d}-OFFICIAL-SENSITIVE.pdf"
    response = FileResponse(stored, as_attachment=True, filename=name)
    response["Content-Type"] = "application/pdf"
    response["Cache-Control"] = "no-store, private"
    return response
