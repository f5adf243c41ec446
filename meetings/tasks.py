from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Count
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from cmarac.accounts.models import Agency
from meetings.models import Meeting
from meetings.services import meetings_generate


@shared_task(name="meetings.generate_schedule")
def generate_schedule() -> int:
    """Keep twelve months of scheduled meetings ahead (Celery beat runs this daily)."""
    return meetings_generate(months=12)


@shared_task(name="meetings.send_agenda_published")
def send_agenda_published(meeting_id: int) -> int:
    """One email per invited agency, to its lead and deputy: how many items, and a link."""
    meeting = Meeting.objects.filter(pk=meeting_id).first()
    if meeting is None:
        return 0
    agencies = (
        Agency.objects.filter(is_active=True, agenda_invitations__item__meeting=meeting)
        .annotate(items=Count("agenda_invitations", distinct=True))
        .select_related("lead", "deputy")
    )
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
        sent += send_mail(subject.strip(), body.strip() + "\n", None, recipients)
    return sent


# A build stuck for minutes is given up (the pack is marked failed, its render processes are
# stopped, and the person can ask again) rather than holding the pack worker.
@shared_task(name="meetings.build_pack", soft_time_limit=300, time_limit=330)
def build_pack(pack_id: str) -> str:
    """Make one meeting pack or minutes PDF. The argument is the pack's id, nothing else."""
    from meetings.packs import pack_build

    return pack_build(pack_id).status


@shared_task(name="meetings.remove_expired_packs")
def remove_expired_packs() -> int:
    from meetings.packs import packs_remove_expired

    return packs_remove_expired()


@shared_task(name="meetings.send_minutes_circulated")
def send_minutes_circulated(meeting_id: int) -> int:
    """Tell the people who attended, and their agencies' leads and deputies, that draft minutes are
    ready to read. A link only: each person sees the minutes of the items their agency may see."""
    meeting = Meeting.objects.filter(pk=meeting_id).first()
    if meeting is None:
        return 0
    recipients: set[str] = set()
    for record in meeting.attendance.filter(status="attended").select_related("attendee", "agency__lead",
                                                                               "agency__deputy"):  # fmt: skip
        for person in (record.attendee, record.agency.lead, record.agency.deputy):
            if person is not None and person.is_active:
                recipients.add(person.email)
    link = settings.SITE_URL + reverse("meetings:minutes", args=[meeting.pk])
    when = timezone.localtime(meeting.starts_at)
    text = render_to_string("emails/minutes_circulated.txt", {"when": when, "link": link,
                                                             "service_name": settings.SERVICE_NAME})  # fmt: skip
    subject, _, body = text.partition("\n")
    sent = 0
    for email in sorted(recipients):
        sent += send_mail(subject.strip(), body.strip() + "\n", None, [email])
    return sent
