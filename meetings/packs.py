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
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format

from actions.models import Action
from actions.selectors import with_latest_update
from cmarac.accounts.models import Agency, User
from cmarac.accounts.roles import Role
from cmarac.cases.models import Case, CaseSubject
from cmarac.core.files import delete_private_file, private_storage, save_private_file
from cmarac.outbox.services import outbox_enqueue
from meetings.models import AgencyInformation, AgendaInvitation, AgendaItem, Meeting, MeetingPack
from meetings.printing import PartCache, Printed, PrintJob, print_pdf, split_evenly, warm_up
from meetings.selectors import attach_corrections, meeting_attendance, minutes_for
from referrals.models import Referral, ReferralAnswer

logger = logging.getLogger(__name__)

PackMaker = Callable[["MeetingPack", datetime], tuple[dict[str, Any], Printed]]


def may_request_pack(user: User, meeting: Meeting) -> bool:
    """Chairs and coordinators; agency leads and deputies whose agency has an item at this meeting."""
    if user.has_role(Role.COORDINATOR, Role.CO_CHAIR):
        return True
    if not (user.is_agency_lead or user.is_agency_deputy):
        return False
    return AgendaItem.objects.visible_to(user).filter(meeting=meeting).exists()


def may_make_packs_for_others(user: User) -> bool:
    """The coordinator prints packs for the meeting, or for an agency whose lead is away."""
    return bool(getattr(user, "is_authenticated", False)) and user.is_active and user.has_role(Role.COORDINATOR)


def pack_recipients(meeting: Meeting) -> list[User]:
    """Whom the coordinator may make a pack for: the co-chairs, and the leads and deputies of the
    agencies invited to an item at this meeting (active people only), by name."""
    invited = AgendaInvitation.objects.filter(item__meeting=meeting, agency__is_active=True)
    agencies = Agency.objects.filter(pk__in=invited.values("agency_id"))
    co_chairs = User.objects.filter(groups__name=Role.CO_CHAIR.group_name).values("pk")
    people = (
        User.objects.filter(is_active=True)
        .filter(
            Q(pk__in=co_chairs)
            | Q(pk__in=agencies.exclude(lead=None).values("lead_id"))
            | Q(pk__in=agencies.exclude(deputy=None).values("deputy_id"))
        )
        .annotate(is_co_chair=Exists(co_chairs.filter(pk=OuterRef("pk"))))
    )
    return list(people.select_related("agency").order_by("full_name", "pk"))


@transaction.atomic
def pack_request(*, meeting: Meeting, kind: str, recipient: User, by: User | None = None) -> MeetingPack:
    """Queue a pack for this person: the person themselves asks (`by` empty or the same person), or
    the coordinator asks for a co-chair or an invited agency's lead or deputy. The recipient's need
    to know and markings apply, never the maker's. The task gets the pack's id only."""
    made_by = by if by is not None and by.pk != recipient.pk else None
    if made_by is not None:
        if not may_make_packs_for_others(made_by):
            raise ValidationError("Only the coordinator can make a pack for someone else.")
        if recipient.pk not in {person.pk for person in pack_recipients(meeting)}:
            raise ValidationError("Choose a co-chair, or the lead or deputy of an agency invited to this meeting.")
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
    pack = MeetingPack.objects.create(meeting=meeting, kind=kind, recipient=recipient, made_by=made_by)
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
        "maker": pack.made_by,  # the coordinator who made it for the recipient, if one did
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


def pack_print_job(pack: MeetingPack, context: dict[str, Any]) -> PrintJob:
    """What a pack or minutes is laid out from: a front part for its recipient, the body parts, and
    what is laid over every page: "Page X of Y", and the stamp (the recipient line and watermark).

    A meeting pack's body parts name nobody and start a page each (the agenda, with the
    attendance once held; each item; the action log), so each is laid out on its own and a part
    with the same HTML is the same pages in everyone's pack (ADR 0037). The minutes' items run on
    without page breaks, so they are laid out in runs, as many as there are render processes."""
    meeting, items = context["meeting"], context["items"]
    minutes = pack.kind == MeetingPack.Kind.MINUTES
    title = f"{'Minutes' if minutes else 'Meeting pack'}: {date_format(timezone.localtime(meeting.starts_at), 'j F Y')}"
    numbered = list(enumerate(items, start=1))
    if minutes:
        front_template = "packs/minutes.html"
        sections = [render_to_string("packs/sections/minutes_item.html", {**context, "item": item, "number": n})
                    for n, item in numbered]  # fmt: skip
        contents: list[tuple[str, str]] = []
        parts = split_evenly(sections, settings.PACK_RENDER_PROCESSES)
    else:
        front_template = "packs/meeting_pack.html"
        opening = [render_to_string("packs/sections/agenda.html", context)]
        contents = [("Agenda", "agenda")]
        if context["attendance"]:
            opening.insert(0, render_to_string("packs/sections/attendance.html", context))
            contents.insert(0, ("Attendance", "attendance"))
        parts = [opening]  # the attendance and the agenda run on: one part
        for n, item in numbered:
            # The recipient's own numbering is in the contents and the agenda, not the section.
            parts.append([render_to_string("packs/sections/item.html", {**context, "item": item})])
            contents.append((f"{n}. {item.case.reference}: {item.get_item_type_display()}", f"item-{item.pk}"))
        parts.append([render_to_string("packs/sections/action_log.html", context)])
        contents.append(("Action log", "action-log"))
    shared = {"title": title}  # nothing about the recipient

    def front(numbers: Mapping[str, int] | None) -> str:
        pages = numbers or {}
        entries = [{"label": label, "anchor": anchor, "page": pages.get(anchor)} for label, anchor in contents]
        return render_to_string(front_template, {**context, "contents": entries})

    def page_numbers(total: int, pages: range) -> str:
        return render_to_string("packs/page_numbers.html", {"numbers": pages, "total": total})

    return PrintJob(
        front=front,
        body=[render_to_string("packs/body.html", {**shared, "sections": part}) for part in parts],
        page_numbers=page_numbers,
        front_shows_page_numbers=bool(contents),
        stamp=lambda: render_to_string("packs/stamp.html", context),
    )


def pack_document(pack: MeetingPack, context: dict[str, Any], cache: PartCache | None = None) -> Printed:
    """Lay out a pack or minutes: a front part, then the body parts at once, then the stamp."""
    job = pack_print_job(pack, context)
    return print_pdf(
        front=job.front,
        body=job.body,
        page_numbers=job.page_numbers,
        processes=settings.PACK_RENDER_PROCESSES,
        front_shows_page_numbers=job.front_shows_page_numbers,
        cache=cache,
        stamp=job.stamp,
    )


def packs_warm_up() -> float:
    """Load what printing needs before the first pack is asked for: a synthetic page in the print
    shell (packs/warm_up.html, naming nobody) laid out and written, never kept. The seconds it took."""
    started = time.perf_counter()
    warm_up(render_to_string("packs/warm_up.html"))
    return time.perf_counter() - started


def pack_make(pack: MeetingPack, now: datetime) -> tuple[dict[str, Any], Printed]:
    """What the pack holds (its context: the items the recipient may see) and the PDF made of it."""
    context = pack_context(pack, now)
    return context, pack_document(pack, context)


def pack_build(pack_id: str, *, now: datetime | None = None, make: PackMaker | None = None) -> MeetingPack:
    """Make the PDF (called by the task). A failure is recorded, and the half-made file removed.
    `make` gives the context and the PDF (a meeting's packs made at once: meetings/pack_batch.py)."""
    pack = MeetingPack.objects.select_related("meeting", "recipient__agency", "made_by").get(pk=pack_id)
    unfinished = (MeetingPack.Status.QUEUED, MeetingPack.Status.BUILDING)
    if pack.status not in unfinished:
        return pack  # handed over twice, or given up by the sweeper: the person asks again
    now = now or timezone.now()
    MeetingPack.objects.filter(pk=pack.pk).update(status=MeetingPack.Status.BUILDING)
    file_name = f"{uuid.uuid4().hex}.pdf"
    try:
        started = time.perf_counter()
        context, printed = (make or pack_make)(pack, now)
        save_private_file(pack_file(file_name), printed.pdf)
    except Exception:
        delete_private_file(pack_file(file_name))
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
    pack.expires_at = pack_expiry(pack.meeting, pack.finished_at)
    pack.save(update_fields=["status", "file_name", "pages", "items", "item_ids", "finished_at", "expires_at"])
    if not pack_still_allowed(pack):  # access withdrawn while it was being made
        return pack_withdraw(pack, reason=MeetingPack.WithdrawnReason.ACCESS_CHANGED)
    pack.printed = printed  # how it was laid out, for the benchmark (not stored)
    seconds, processes = time.perf_counter() - started, printed.processes
    logger.info(
        "pack %s built: %s pages in %.2f s, laid out by %s process%s",
        pack.pk, printed.pages, seconds, processes, "" if processes == 1 else "es",
    )  # fmt: skip
    return pack


def pack_expiry(meeting: Meeting, finished_at: datetime) -> datetime:
    """Packs are deleted PACK_RETENTION_DAYS after their meeting (after they are made, for a pack
    or minutes made after the meeting), so a pack made early still lasts until the meeting."""
    return max(meeting.starts_at, finished_at) + timedelta(days=settings.PACK_RETENTION_DAYS)


def packs_follow_meeting(meeting: Meeting) -> int:
    """A meeting moved: its ready packs are kept until the retention period after its new date."""
    packs = list(MeetingPack.objects.filter(meeting=meeting, status=MeetingPack.Status.READY).exclude(finished_at=None))
    for pack in packs:
        pack.expires_at = pack_expiry(meeting, pack.finished_at)  # type: ignore[arg-type]
    MeetingPack.objects.bulk_update(packs, ["expires_at"])
    return len(packs)


PACKS = "packs"


def pack_file(file_name: str) -> str:
    """The name of a pack's file in the private storage (cmarac.core.files), never a path."""
    return f"{PACKS}/{file_name}"


def pack_stored_name(pack: MeetingPack) -> str:
    return pack_file(pack.file_name)


def pack_file_exists(pack: MeetingPack) -> bool:
    return bool(pack.file_name) and private_storage().exists(pack_stored_name(pack))


def pack_read(pack: MeetingPack) -> bytes:
    """The pack's PDF, whole (for tests and checks; downloads stream from private_storage().open)."""
    with private_storage().open(pack_stored_name(pack), "rb") as stored:
        return stored.read()


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
    """Delete the files and records of packs past their retention date, and any file a withdrawn
    pack still has (its deletion after the withdrawal's commit did not happen)."""
    now = now or timezone.now()
    expired = list(MeetingPack.objects.filter(expires_at__lte=now))
    for pack in expired:
        if pack.file_name:
            delete_private_file(pack_stored_name(pack))
        pack.delete()
    for pack in MeetingPack.objects.filter(status=MeetingPack.Status.WITHDRAWN).exclude(file_name=""):
        delete_private_file(pack_stored_name(pack))
    return len(expired)


def pack_still_allowed(pack: MeetingPack, person: User | None = None) -> bool:
    """Whether the recipient (or another person: the coordinator who made it) may still see every
    item laid out in the pack. Access can be withdrawn after a pack is made (an invitation
    removed, an agency's last reason for a case gone)."""
    if not pack.item_ids:
        return True
    person = person or pack.recipient
    visible = set(AgendaItem.objects.visible_to(person).filter(pk__in=pack.item_ids).values_list("pk", flat=True))
    return visible >= set(pack.item_ids)


@transaction.atomic
def pack_withdraw(pack: MeetingPack, *, reason: str) -> MeetingPack:
    """The recipient lost access to something in the pack: the pack is withdrawn in this
    transaction (audited, with the reason), its file deleted once that commits, and the pack page
    says why."""
    pack.status, pack.withdrawn_reason, pack.withdrawn_at = MeetingPack.Status.WITHDRAWN, reason, timezone.now()
    pack.save(update_fields=["status", "withdrawn_reason", "withdrawn_at"])
    if pack.file_name:
        name = pack_stored_name(pack)
        transaction.on_commit(lambda: delete_private_file(name))
    logger.info("pack %s withdrawn: %s", pack.pk, reason)
    return pack


def _live_packs_of(agency: Agency) -> list[MeetingPack]:
    return list(
        MeetingPack.objects.filter(recipient__agency=agency, status=MeetingPack.Status.READY)
        .select_related("recipient__agency")
        .select_for_update(of=("self",))
    )


def packs_withdraw_for_case(*, case: Case, agency: Agency, by: User | None = None) -> int:
    """The agency's last reason to see the case has gone (registered with the case app's hooks, run
    in that transaction): its people's packs that hold the case are withdrawn, unless the
    recipient still sees the case another way (a co-chair who works for the agency)."""
    case_items = set(AgendaItem.objects.filter(case=case).values_list("pk", flat=True))
    withdrawn = 0
    for pack in _live_packs_of(agency):
        if case_items.isdisjoint(pack.item_ids):
            continue
        if Case.objects.visible_to(pack.recipient).filter(pk=case.pk).exists() and pack_still_allowed(pack):
            continue
        pack_withdraw(pack, reason=MeetingPack.WithdrawnReason.ACCESS_ENDED)
        withdrawn += 1
    return withdrawn


def packs_withdraw_for_item(*, item: AgendaItem, agency: Agency) -> int:
    """The agency is no longer invited to the item: its people's packs that hold the item, and that
    they may no longer read in full, are withdrawn (the case itself may still be theirs)."""
    withdrawn = 0
    for pack in _live_packs_of(agency):
        if item.pk in pack.item_ids and not pack_still_allowed(pack):
            pack_withdraw(pack, reason=MeetingPack.WithdrawnReason.INVITATION_REMOVED)
            withdrawn += 1
    return withdrawn
