from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from cmarac.accounts.models import User
from cmarac.accounts.roles import Role
from cmarac.outbox.services import outbox_task, send_mail_once
from referrals.models import Referral

DECISION_WORDS = {
    Referral.Status.ACCEPTED: "accepted",
    Referral.Status.DECLINED: "declined",
    Referral.Status.MORE_INFORMATION: "returned to you for more information",
}


def _send(*, to: User, template: str, context: dict[str, object], message_id: int | None) -> bool:
    subject, _, body = render_to_string(template, {"service_name": settings.SERVICE_NAME, **context}).partition("\n")
    return send_mail_once(
        message_id=message_id, key=f"user:{to.pk}", subject=subject.strip(), body=body.strip() + "\n",
        recipients=[to.email],
    )  # fmt: skip


@shared_task(name="referrals.send_referral_received")
@outbox_task
def send_referral_received(referral_id: int, *, outbox_message: int | None = None) -> int:
    """Tell each coordinator that a referral arrived: its reference and a link, nothing else."""
    coordinators = User.objects.filter(is_active=True, groups__name=Role.COORDINATOR.group_name).distinct()
    sent = 0
    for coordinator in coordinators:
        referral = Referral.objects.visible_to(coordinator).filter(pk=referral_id).first()
        if referral is None:
            continue
        link = settings.SITE_URL + reverse("referrals:triage", args=[referral.reference])
        sent += _send(
            to=coordinator,
            template="emails/referral_received.txt",
            context={"reference": referral.reference, "link": link},
            message_id=outbox_message,
        )
    return sent


@shared_task(name="referrals.send_referral_decision")
@outbox_task
def send_referral_decision(referral_id: int, *, outbox_message: int | None = None) -> int:
    """Tell the referrer the referral was accepted, declined or needs more information."""
    referral = Referral.objects.select_related("referrer").filter(pk=referral_id).first()
    if referral is None or not referral.referrer.is_active:
        return 0
    mine = Referral.objects.visible_to(referral.referrer).filter(pk=referral_id).first()
    if mine is None:
        return 0
    link = settings.SITE_URL + reverse("referrals:detail", args=[mine.reference])
    outcome = DECISION_WORDS.get(mine.status)
    if outcome is None:
        return 0
    return int(
        _send(
            to=mine.referrer,
            template="emails/referral_decision.txt",
            context={"reference": mine.reference, "outcome": outcome, "link": link},
            message_id=outbox_message,
        )
    )
