"""The daily reminder job: one digest per agency a day, and escalations to the co-chairs.

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


def send_agency_digests(*, today: date) -> int:
    soon = today + timedelta(days=settings.ACTION_DUE_SOON_DAYS)
    open_actions = Q(actions__status__in=Action.OPEN_STATUSES)
    agencies = (
        Agency.objects.filter(is_active=True)
        .annotate(
            overdue=Count("actions", filter=open_actions & Q(actions__due_on__lt=today)),
            due_soon=Count("actions", filter=open_actions & Q(actions__due_on__gte=today, actions__due_on__lte=soon)),
        )
        .filter(Q(overdue__gt=0) | Q(due_soon__gt=0))
        .select_related("lead", "deputy")
    )
    link = settings.SITE_URL + reverse("actions:list")
    sent = 0
    for agency in agencies:
        recipients = [p.email for p in (agency.lead, agency.deputy) if p is not None and p.is_active]
        if not recipients:
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
    return sent


def send_escalations(*, today: date) -> int:
    cutoff = today - timedelta(days=settings.ACTION_ESCALATION_DAYS)
    escalated = Action.objects.open().filter(due_on__lt=cutoff)
    count = escalated.count()
    if not count:
        return 0
    agencies = escalated.values("owner").distinct().count()
    chairs = User.objects.filter(is_active=True, groups__name=Role.CO_CHAIR.group_name).distinct()
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
