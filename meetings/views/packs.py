"""Asking for a meeting pack or minutes PDF, watching it being made, and downloading it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from cmarac.core.audit import audit_view
from meetings.models import Meeting, MeetingPack
from meetings.packs import pack_path, pack_request, pack_still_allowed, pack_withdraw


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


def _pack_for(request: HttpRequest, pack_id: object) -> MeetingPack:
    """Only the person a pack was made for can see it; anyone else gets 404."""
    return get_object_or_404(MeetingPack.objects.visible_to(request.user).select_related("meeting"), pk=pack_id)


@never_cache
@require_GET
def pack_status(request: HttpRequest, pack_id: object) -> HttpResponse:
    pack = _pack_for(request, pack_id)
    download = reverse("meetings:pack-download", args=[pack.pk])
    if request.GET.get("format") == "json":
        return JsonResponse(
            {"status": pack.status, "label": pack.get_status_display(), "download": download if _ready(pack) else None}
        )
    return render(request, "packs/status.html", {"pack": pack, "ready": _ready(pack), "download_url": download})


def _ready(pack: MeetingPack) -> bool:
    return (
        pack.status == MeetingPack.Status.READY
        and pack.expires_at is not None
        and pack.expires_at > timezone.now()
        and pack_path(pack).exists()
    )


@never_cache
@require_GET
def pack_download(request: HttpRequest, pack_id: object) -> HttpResponse:
    pack = _pack_for(request, pack_id)
    if not _ready(pack):
        raise Http404("This file is not available")
    if not pack_still_allowed(pack):
        pack_withdraw(pack)
        audit_view(request=request, instance=pack, what=f"{pack.get_kind_display()} withdrawn: access changed")
        return redirect("meetings:pack", pack_id=pack.pk)
    audit_view(request=request, instance=pack, what=f"{pack.get_kind_display()} download")
    when = timezone.localtime(pack.meeting.starts_at)
    name = f"cmarac-{pack.kind}-{when:%Y-%m-%d}-OFFICIAL-SENSITIVE.pdf"
    response = FileResponse(pack_path(pack).open("rb"), as_attachment=True, filename=name)
    response["Content-Type"] = "application/pdf"
    response["Cache-Control"] = "no-store, private"
    return response
