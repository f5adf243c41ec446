"""The daily reminder job: one digest per agency a day (to its contact address, lead and deputy),
escalations to the co-chairs and coordinators, and a digest telling the coordinators which
agencies have actions due but nobody to tell.

Each digest is recorded before it is sent (DigestSent), so running the job again on the same
day sends nothing twice. Emails hold counts and a link, never case details.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.urls import reverse

from actions.models import Action, DigestSent
from cmarac.accounts.models import Agency, User
from cmarac.accounts.roles import Role


def _mail(template: str, context: dict[str, object], recipients: list[str]) -> None:
    text = render_to_string(template, {"service_name": settings.SERVICE_NAME, **context})
    subject, _, body = text.partition("\n")
    send_mail(subject.strip(), body.strip() + "\n", None, recipients)


def _send_once(*, template: str, context: dict[str, object], recipients: list[str], **record: object) -> bool:
    """Record the digest and send it in one transaction: a failed send leaves no record (so a rerun
    retries), and a record already made today (by this run or another) means nothing is sent."""
    try:
        with transaction.atomic():
            DigestSent.objects.create(**record)
            _mail(template, context, recipients)
    except IntegrityError:
        return False
    return True


def run_reminders(*, today: date) -> dict[str, int]:
    """The whole daily job, for the scheduled task and `manage.py send_reminders` alike."""
    sent, nobody = send_agency_digests(today=today)
    return {
        "agency_digests": sent,
        "escalations": send_escalations(today=today),
        "coordinator_digests": send_coordinator_digests(today=today, nobody_to_tell=nobody),
    }


def send_agency_digests(*, today: date) -> tuple[int, list[str]]:
    """Each agency's digest; returns how many went, and the names of the agencies with actions
    due or overdue that nobody can be told about (no contact address, lead or deputy)."""
    soon = today + timedelta(days=settings.ACTION_DUE_SOON_DAYS)
    # Counted over open actions due by `soon` only (a partial index holds exactly those), grouped by
    # owner: the cost follows the open work, not every action ever set.
    counts_by_owner = (
        Action.objects.open()
        .filter(due_on__lte=soon, owner__is_active=True)
        .order_by()
        .values("owner")
        .annotate(overdue=Count("pk", filter=Q(due_on__lt=today)), due_soon=Count("pk", filter=Q(due_on__gte=today)))
        .values("owner", "overdue", "due_soon")
    )
    counted = {row["owner"]: row for row in counts_by_owner}
    agencies = list(Agency.objects.filter(pk__in=list(counted)).select_related("lead", "deputy").order_by("name"))
    for agency in agencies:
        agency.overdue = counted[agency.pk]["overdue"]  # type: ignore[attr-defined]
        agency.due_soon = counted[agency.pk]["due_soon"]  # type: ignore[attr-defined]
    link = settings.SITE_URL + reverse("actions:list")
    sent = 0
    nobody: list[str] = []
    for agency in agencies:
        recipients = agency.notify_addresses()
        if not recipients:
            nobody.append(agency.name)
            continue
        counts = {"overdue": agency.overdue, "due_soon": agency.due_soon}
        sent += _send_once(
            template="emails/action_digest.txt",
            context={**counts, "days": settings.ACTION_DUE_SOON_DAYS, "link": link},
            recipients=recipients,
            kind=DigestSent.Kind.AGENCY,
            agency=agency,
            sent_on=today,
            **counts,
        )
    return sent, sorted(nobody)


def send_escalations(*, today: date) -> int:
    cutoff = today - timedelta(days=settings.ACTION_ESCALATION_DAYS)
    escalated = Action.objects.open().filter(due_on__lt=cutoff)
    count = escalated.count()
    if not count:
        return 0
    agencies = escalated.values("owner").distinct().count()
    chairs = User.objects.filter(
        is_active=True, groups__name__in=[Role.CO_CHAIR.group_name, Role.COORDINATOR.group_name]
    ).distinct()
    link = settings.SITE_URL + reverse("actions:list") + "?overdue=escalated"
    sent = 0
    for chair in chairs:
        sent += _send_once(
            template="emails/action_escalation.txt",
            context={"count": count, "agencies": agencies, "days": settings.ACTION_ESCALATION_DAYS, "link": link},
            recipients=[chair.email],
            kind=DigestSent.Kind.ESCALATION,
            recipient=chair,
            sent_on=today,
            overdue=count,
        )
    return sent


def send_coordinator_digests(*, today: date, nobody_to_tell: list[str]) -> int:
    """Tell each coordinator, once a day, which agencies have actions due or overdue but no contact
    address, lead or deputy: their digests could not be sent. Agency names only."""
    if not nobody_to_tell:
        return 0
    coordinators = User.objects.filter(is_active=True, groups__name=Role.COORDINATOR.group_name).distinct()
    link = settings.SITE_URL + reverse("actions:list")
    sent = 0
    for coordinator in coordinators:
        sent += _send_once(
            template="emails/coordinator_digest.txt",
            context={"agencies": nobody_to_tell, "link": link},
            recipients=[coordinator.email],
            kind=DigestSent.Kind.COORDINATOR,
            recipient=coordinator,
            sent_on=today,
            overdue=len(nobody_to_tell),
        )
    return sent
