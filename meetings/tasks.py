from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from celery.signals import celeryd_after_setup
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from cmarac.outbox.services import outbox_task, send_mail_once
from meetings.models import Meeting
from meetings.notifications import agenda_agencies, minutes_agencies
from meetings.services import meetings_generate

logger = logging.getLogger(__name__)


@celeryd_after_setup.connect
def warm_up_printing(sender: Any = None, instance: Any = None, **kwargs: Any) -> None:
    """A worker that takes the packs queue lays a page out as it starts, before its pool's
    processes are forked: they inherit what the first layout loads, and the first pack each one
    builds starts warm (docs/performance.md). A worker of other queues does not load WeasyPrint.
    A failure is logged and the worker starts: its first pack then loads what it needs, as before,
    and fails there if printing cannot work."""
    from meetings.packs import packs_warm_up

    queue = settings.CELERY_TASK_ROUTES["meetings.build_pack"]["queue"]
    if queue not in (instance.app.amqp.queues.consume_from or {}):  # the queues -Q chose, or none
        return
    try:
        seconds = packs_warm_up()
    except Exception:  # the worker must still start; its first pack reports any real fault
        logger.exception("packs: warming up printing failed")
        return
    logger.info("packs: printing warmed up in %.2f s", seconds)


@shared_task(name="meetings.generate_schedule")
def generate_schedule() -> int:
    """Keep twelve months of scheduled meetings ahead (Celery beat runs this daily)."""
    return meetings_generate(months=12)


@shared_task(name="meetings.send_agenda_published")
@outbox_task
def send_agenda_published(meeting_id: int, *, outbox_message: int | None = None) -> int:
    """One email per invited agency, to its contact address, lead and deputy: how many items, and a link."""
    meeting = Meeting.objects.filter(pk=meeting_id).first()
    if meeting is None:
        return 0
    agencies = agenda_agencies(meeting)
    link = settings.SITE_URL + reverse("meetings:detail", args=[meeting.pk])
    when = timezone.localtime(meeting.starts_at)
    sent = 0
    for agency in agencies:
        recipients = agency.notify_addresses()
        if not recipients:
            continue  # named to the chairs on the agenda builder and when publishing
        text = render_to_string(
            "emails/agenda_published.txt",
            {"when": when, "items": agency.items, "link": link, "service_name": settings.SERVICE_NAME},
        )
        subject, _, body = text.partition("\n")
        sent += send_mail_once(
            message_id=outbox_message, key=f"agency:{agency.pk}", subject=subject.strip(),
            body=body.strip() + "\n", recipients=recipients,
        )  # fmt: skip
    return sent


PACK_SOFT_TIME_LIMIT, PACK_TIME_LIMIT = 300, 330


# A build stuck for minutes is given up (the pack is marked failed, its render processes are
# stopped, and the person can ask again) rather than holding the pack worker. The message is
# acknowledged only when the build ends, so a worker killed mid-build leaves it for another
# worker; a pack left queued or building for too long is marked failed by sweep_stale_packs.
@shared_task(
    name="meetings.build_pack",
    soft_time_limit=PACK_SOFT_TIME_LIMIT,
    time_limit=PACK_TIME_LIMIT,
    acks_late=True,
    reject_on_worker_lost=True,
)
@outbox_task
def build_pack(pack_id: str, *, outbox_message: int | None = None) -> str:
    """Make one meeting pack or minutes PDF. The argument is the pack's id, nothing else."""
    from meetings.packs import pack_build

    return pack_build(pack_id).status


# A meeting's packs for everyone, made at once (meetings/pack_batch.py): the arguments are the
# packs' ids, nothing else, at most PACK_BATCH_SIZE of them. The same time limits: a batch of 15
# takes about as long as three packs made alone (docs/performance.md), and the sweeper gives up on
# them at the same age.
@shared_task(
    name="meetings.build_packs",
    soft_time_limit=PACK_SOFT_TIME_LIMIT,
    time_limit=PACK_TIME_LIMIT,
    acks_late=True,
    reject_on_worker_lost=True,
)
@outbox_task
def build_packs(*pack_ids: str, outbox_message: int | None = None) -> int:
    """Make a meeting's packs for everyone at once; how many were made ready."""
    from meetings.models import MeetingPack
    from meetings.pack_batch import packs_build

    return sum(pack.status == MeetingPack.Status.READY for pack in packs_build(pack_ids))


@shared_task(name="meetings.sweep_stale_packs")
def sweep_stale_packs() -> int:
    """Mark packs queued or being made for longer than the time limit and a margin as failed."""
    from meetings.packs import packs_fail_stale

    return packs_fail_stale()


@shared_task(name="meetings.remove_expired_packs")
def remove_expired_packs() -> int:
    from meetings.packs import packs_remove_expired

    return packs_remove_expired()


@shared_task(name="meetings.send_minutes_circulated")
@outbox_task
def send_minutes_circulated(meeting_id: int, *, outbox_message: int | None = None) -> int:
    """Tell every agency with an item or an action at the meeting (its contact address, lead and
    deputy), attended or not, and the people who attended, that draft minutes are ready to read.
    A link only: each person sees the minutes of the items their agency may see."""
    meeting = Meeting.objects.filter(pk=meeting_id).first()
    if meeting is None:
        return 0
    link = settings.SITE_URL + reverse("meetings:minutes", args=[meeting.pk])
    when = timezone.localtime(meeting.starts_at)
    text = render_to_string("emails/minutes_circulated.txt", {"when": when, "link": link,
                                                             "service_name": settings.SERVICE_NAME})  # fmt: skip
    subject, _, body = text.partition("\n")
    # One email per agency (to all its addresses), then one per attendee not already told; each is
    # recorded under the agency's or person's id, so a second delivery sends nothing twice.
    batches: list[tuple[str, list[str]]] = []
    told: set[str] = set()
    for agency in minutes_agencies(meeting).order_by("pk"):
        addresses = [address for address in agency.notify_addresses() if address.lower() not in told]
        if addresses:
            batches.append((f"agency:{agency.pk}", addresses))
            told.update(address.lower() for address in addresses)
    attended = meeting.attendance.filter(status="attended").select_related("attendee").order_by("pk")
    for record in attended:
        person = record.attendee
        if person is not None and person.is_active and person.email.lower() not in told:
            batches.append((f"user:{person.pk}", [person.email]))
            told.add(person.email.lower())
    sent = 0
    for key, addresses in batches:
        sent += send_mail_once(
            message_id=outbox_message, key=key, subject=subject.strip(), body=body.strip() + "\n", recipients=addresses
        )
    return sent
