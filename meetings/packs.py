"""Meeting packs and minutes as PDF, made in the background for one person at a time.

A pack holds only the agenda items its recipient may see (AgendaItem.visible_to), names the
recipient on every page, and is stored outside any public URL. WeasyPrint lays it out
(meetings/printing.py) and may fetch nothing: the stylesheet is inline and every other URL is
refused.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format

from actions.models import Action
from actions.selectors import with_latest_update
from cmarac.accounts.models import User
from cmarac.accounts.roles import Role
from cmarac.cases.models import CaseSubject
from cmarac.outbox.services import outbox_enqueue
from meetings.models import AgencyInformation, AgendaInvitation, AgendaItem, Meeting, MeetingPack
from meetings.printing import Printed, print_pdf, split_evenly
from meetings.selectors import attach_corrections, meeting_attendance, minutes_for
from referrals.models import Referral, ReferralAnswer

logger = logging.getLogger(__name__)


def may_request_pack(user: User, meeting: Meeting) -> bool:
    """Chairs and coordinators; agency leads and deputies whose agency has an item at this meeting."""
    if user.has_role(Role.COORDINATOR, Role.CO_CHAIR):
        return True
    if not (user.is_agency_lead or user.is_agency_deputy):
        return False
    return AgendaItem.objects.visible_to(user).filter(meeting=meeting).exists()


@transaction.atomic
def pack_request(*, meeting: Meeting, kind: str, recipient: User) -> MeetingPack:
    """Queue a pack for this person. The task gets the pack's id only."""
    if not may_request_pack(recipient, meeting):
        raise ValidationError("You cannot request a pack for this meeting.")
    if kind == MeetingPack.Kind.MINUTES and meeting.status not in (
        Meeting.Status.HELD,
        Meeting.Status.MINUTES_APPROVED,
    ):
        raise ValidationError("Minutes can be made once the meeting has been held.")
    if (
        kind == MeetingPack.Kind.MINUTES
        and not recipient.sees_all_cases
        and meeting.minutes_status == Meeting.MinutesStatus.DRAFT
    ):
        raise ValidationError("The minutes have not been circulated yet.")
    pack = MeetingPack.objects.create(meeting=meeting, kind=kind, recipient=recipient)
    from meetings.tasks import build_pack

    outbox_enqueue(build_pack, str(pack.pk))  # stored with the pack: a dead broker loses no request
    return pack


def pack_items(meeting: Meeting, recipient: User) -> list[AgendaItem]:
    """The items this person may see, with everything the pack prints, in a fixed number of queries."""
    answers = ReferralAnswer.objects.select_related("question", "option").order_by("question__order")
    referrals = Referral.objects.filter(status=Referral.Status.ACCEPTED).prefetch_related(
        Prefetch("answers", queryset=answers)
    )
    history = (
        AgendaItem.objects.filter(meeting__starts_at__lt=meeting.starts_at)
        .select_related("meeting", "lead_agency")
        .order_by("-meeting__starts_at")
    )
    return list(
        AgendaItem.objects.visible_to(recipient)
        .filter(meeting=meeting)
        .select_related("case", "case__lead_agency", "case__lead_officer", "lead_agency", "lead_officer")
        .prefetch_related(
            Prefetch("case__subjects", queryset=CaseSubject.objects.select_related("person").order_by("pk")),
            Prefetch("case__referrals", queryset=referrals.order_by("submitted_at")),
            Prefetch("agency_information", queryset=AgencyInformation.objects.select_related("agency")),
            Prefetch("invitations", queryset=AgendaInvitation.objects.select_related("agency")),
            Prefetch("case__agenda_items", queryset=history, to_attr="earlier_items"),
            Prefetch("case__actions", queryset=with_latest_update(Action.objects.order_by("due_on", "pk"))),
        )
        .order_by("position", "pk")
    )


def pack_context(pack: MeetingPack, now: datetime) -> dict[str, Any]:
    meeting, recipient = pack.meeting, pack.recipient
    items = pack_items(meeting, recipient)
    held = meeting.status in (Meeting.Status.HELD, Meeting.Status.MINUTES_APPROVED)
    general = None
    attendance = meeting_attendance(meeting) if held else []
    if pack.kind == MeetingPack.Kind.MINUTES:
        # The minutes page's rule, to the letter: what the recipient reads there, the PDF holds.
        minutes = minutes_for(recipient, meeting, items)
        items, general, attendance = minutes.items, minutes.general, minutes.attendance
    elif meeting.minutes_locked:
        attach_corrections(meeting, items)  # the pack's decisions read as the minutes do now
    return {
        "pack": pack,
        "meeting": meeting,
        "recipient": recipient,
        "recipient_agency": recipient.agency.name if recipient.agency else "",
        "made_at": timezone.localtime(now),
        "items": items,
        "full_pack": recipient.sees_all_cases,
        "general": general,
        "attendance": attendance,
        "acknowledgements": list(meeting.acknowledgements.all()) if held else [],
        "actions": [action for item in items for action in item.case.actions.all()],
        "service_name": settings.SERVICE_NAME,
        "partnership_name": settings.PARTNERSHIP_NAME,
        "protective_marking": settings.PROTECTIVE_MARKING,
    }


def pack_document(pack: MeetingPack, context: dict[str, Any]) -> Printed:
    """Lay out a pack or minutes: a front part, then the sections in runs laid out at once."""
    meeting, items = context["meeting"], context["items"]
    minutes = pack.kind == MeetingPack.Kind.MINUTES
    title = f"{'Minutes' if minutes else 'Meeting pack'}: {date_format(timezone.localtime(meeting.starts_at), 'j F Y')}"
    numbered = list(enumerate(items, start=1))
    if minutes:
        front_template = "packs/minutes.html"
        sections = [render_to_string("packs/sections/minutes_item.html", {**context, "item": item, "number": n})
                    for n, item in numbered]  # fmt: skip
        contents: list[tuple[str, str]] = []
    else:
        front_template = "packs/meeting_pack.html"
        sections = [render_to_string("packs/sections/agenda.html", context)]
        contents = [("Agenda", "agenda")]
        if context["attendance"]:
            sections.insert(0, render_to_string("packs/sections/attendance.html", context))
            contents.insert(0, ("Attendance", "attendance"))
        for n, item in numbered:
            sections.append(render_to_string("packs/sections/item.html", {**context, "item": item, "number": n}))
            contents.append((f"{n}. {item.case.reference}: {item.get_item_type_display()}", f"item-{item.pk}"))
        sections.append(render_to_string("packs/sections/action_log.html", context))
        contents.append(("Action log", "action-log"))

    def front(numbers: Mapping[str, int] | None) -> str:
        pages = numbers or {}
        entries = [{"label": label, "anchor": anchor, "page": pages.get(anchor)} for label, anchor in contents]
        return render_to_string(front_template, {**context, "contents": entries})

    processes = settings.PACK_RENDER_PROCESSES
    runs = split_evenly(sections, processes)
    return print_pdf(
        front=front,
        body=[render_to_string("packs/body.html", {**context, "title": title, "sections": run}) for run in runs],
        page_numbers=lambda total: render_to_string(
            "packs/page_numbers.html", {"numbers": range(1, total + 1), "total": total}
        ),
        processes=processes,
        front_shows_page_numbers=bool(contents),
    )


def pack_build(pack_id: str, *, now: datetime | None = None) -> MeetingPack:
    """Make the PDF (called by the task). A failure is recorded, and the half-made file removed."""
    pack = MeetingPack.objects.select_related("meeting", "recipient__agency").get(pk=pack_id)
    unfinished = (MeetingPack.Status.QUEUED, MeetingPack.Status.BUILDING)
    if pack.status not in unfinished:
        return pack  # handed over twice, or given up by the sweeper: the person asks again
    now = now or timezone.now()
    MeetingPack.objects.filter(pk=pack.pk).update(status=MeetingPack.Status.BUILDING)
    directory = Path(settings.PRIVATE_FILES_DIR) / "packs"
    directory.mkdir(parents=True, exist_ok=True)
    file_name = f"{uuid.uuid4().hex}.pdf"
    path = directory / file_name
    try:
        context = pack_context(pack, now)
        started = time.perf_counter()
        printed = pack_document(pack, context)
        path.write_bytes(printed.pdf)
        path.chmod(0o600)
    except Exception:
        path.unlink(missing_ok=True)
        MeetingPack.objects.filter(pk=pack.pk).update(status=MeetingPack.Status.FAILED, finished_at=timezone.now())
        raise
    pack.status, pack.file_name, pack.pages, pack.items = (
        MeetingPack.Status.READY,
        file_name,
        printed.pages,
        len(context["items"]),
    )
    pack.item_ids = [item.pk for item in context["items"]]
    pack.finished_at = timezone.now()
    pack.expires_at = pack.finished_at + timedelta(days=settings.PACK_RETENTION_DAYS)
    pack.save(update_fields=["status", "file_name", "pages", "items", "item_ids", "finished_at", "expires_at"])
    pack.printed = printed  # how it was laid out, for the benchmark (not stored)
    seconds, processes = time.perf_counter() - started, printed.processes
    logger.info(
        "pack %s built: %s pages in %.2f s, laid out by %s process%s",
        pack.pk, printed.pages, seconds, processes, "" if processes == 1 else "es",
    )  # fmt: skip
    return pack


def pack_path(pack: MeetingPack) -> Path:
    return Path(settings.PRIVATE_FILES_DIR) / "packs" / pack.file_name


def packs_fail_stale(*, now: datetime | None = None) -> int:
    """Mark as failed the packs queued or being made for longer than the build's time limit and a
    margin (a worker killed mid-build, a message lost with the broker): the person can ask again."""
    from meetings.tasks import PACK_TIME_LIMIT

    now = now or timezone.now()
    cutoff = now - timedelta(seconds=PACK_TIME_LIMIT + settings.PACK_STALE_MARGIN_SECONDS)
    stale = MeetingPack.objects.filter(
        status__in=(MeetingPack.Status.QUEUED, MeetingPack.Status.BUILDING), requested_at__lte=cutoff
    )
    failed = stale.update(status=MeetingPack.Status.FAILED, finished_at=now)
    if failed:
        logger.warning("%s pack%s queued or being made too long: marked failed", failed, "" if failed == 1 else "s")
    return failed


def packs_remove_expired(*, now: datetime | None = None) -> int:
    """Delete the files and records of packs past their retention date."""
    now = now or timezone.now()
    expired = list(MeetingPack.objects.filter(expires_at__lte=now))
    for pack in expired:
        if pack.file_name:
            pack_path(pack).unlink(missing_ok=True)
        pack.delete()
    return len(expired)


def pack_still_allowed(pack: MeetingPack) -> bool:
    """Whether the recipient may still see every item laid out in the pack. Access can be withdrawn
    after a pack is made (an invitation removed, an agency's last reason for a case gone)."""
    if not pack.item_ids:
        return True
    visible = set(
        AgendaItem.objects.visible_to(pack.recipient).filter(pk__in=pack.item_ids).values_list("pk", flat=True)
    )
    return visible >= set(pack.item_ids)


def pack_withdraw(pack: MeetingPack) -> MeetingPack:
    """The recipient lost access to something in the pack: the file goes, and the pack page says why."""
    path = pack_path(pack) if pack.file_name else None
    MeetingPack.objects.filter(pk=pack.pk).update(status=MeetingPack.Status.WITHDRAWN)
    pack.status = MeetingPack.Status.WITHDRAWN
    if path is not None:
        path.unlink(missing_ok=True)
    return pack
