from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from cmarac.outbox.services import outbox_task, send_mail_once
from meetings.models import Meeting
from meetings.notifications import agenda_agencies
from meetings.services import meetings_generate


@shared_task(name="meetings.generate_schedule")
def generate_schedule() -> int:
    """Keep twelve months of scheduled meetings ahead (Celery beat runs this daily)."""
    return meetings_generate(months=12)


@shared_task(name="meetings.send_agenda_published")
@outbox_task
def send_agenda_published(meeting_id: int, *, outbox_message: int | None = None) -> int:
    """One email per invited agency, to its lead and deputy: how many items, and a link."""
    meeting = Meeting.objects.filter(pk=meeting_id).first()
    if meeting is None:
        return 0
    agencies = agenda_agencies(meeting)
    link = settings.SITE_URL + reverse("meetings:detail", args=[meeting.pk])
    when = timezone.localtime(meeting.starts_at)
    sent = 0
    for agency in agencies:
        recipients = [p.email for p in (agency.lead, agency.deputy) if p is not None and p.is_active]
        if not recipients:
            continue
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
    """Tell the people who attended, and their agencies' leads and deputies, that draft minutes are
    ready to read. A link only: each person sees the minutes of the items their agency may see."""
    meeting = Meeting.objects.filter(pk=meeting_id).first()
    if meeting is None:
        return 0
    recipients: dict[str, int] = {}
    for record in meeting.attendance.filter(status="attended").select_related("attendee", "agency__lead",
                                                                               "agency__deputy"):  # fmt: skip
        for person in (record.attendee, record.agency.lead, record.agency.deputy):
            if person is not None and person.is_active:
                recipients[person.email] = person.pk
    link = settings.SITE_URL + reverse("meetings:minutes", args=[meeting.pk])
    when = timezone.localtime(meeting.starts_at)
    text = render_to_string("emails/minutes_circulated.txt", {"when": when, "link": link,
                                                             "service_name": settings.SERVICE_NAME})  # fmt: skip
    subject, _, body = text.partition("\n")
    sent = 0
    for email in sorted(recipients):
        sent += send_mail_once(
            message_id=outbox_message, key=f"user:{recipients[email]}", subject=subject.strip(),
            body=body.strip() + "\n", recipients=[email],
        )  # fmt: skip
    return sent
