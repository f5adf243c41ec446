"""Scheduled work on the audit trail: seal new entries every minute, and verify the chain daily."""

from __future__ import annotations

import logging

from auditlog.models import LogEntry
from celery import shared_task
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from cmarac.accounts.models import User
from cmarac.accounts.roles import Role
from cmarac.audit.chain import Verification, seal_and_verify, seal_pending
from cmarac.audit.models import Seal

logger = logging.getLogger(__name__)


@shared_task(name="audit.seal")
def seal_audit_trail() -> int:
    return seal_pending()


def alert_auditors(result: Verification) -> int:
    """Email every active auditor that verification found problems. Counts and ids only."""
    recipients = list(
        User.objects.filter(is_active=True, groups__name=Role.AUDITOR.group_name)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    if not recipients:
        logger.critical("Audit trail verification found problems and no active auditor can be told")
        return 0
    text = render_to_string(
        "emails/audit_trail_problems.txt",
        {
            "service_name": settings.SERVICE_NAME,
            "problems": len(result.problems),
            "link": f"{settings.SITE_URL}{reverse('audit:trail')}",
        },
    )
    subject, _, body = text.partition("\n")
    send_mail(subject.strip(), body.strip() + "\n", None, recipients)
    return len(recipients)


def record_check(result: Verification) -> LogEntry:
    """The check itself goes into the trail (and is sealed with it), so the auditor sees it ran."""
    return LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Seal),
        object_pk="",
        object_repr="Audit trail check",
        action=LogEntry.Action.ACCESS,
        changes={"sealed entries": result.entries, "problems": len(result.problems)},
        additional_data={"what": "Audit trail checked: " + ("no problems" if result.ok else "PROBLEMS FOUND")},
    )


@shared_task(name="audit.verify", autoretry_for=(OSError,), retry_backoff=True, max_retries=10)
def verify_audit_trail() -> bool:
    result = seal_and_verify()
    record_check(result)
    if result.ok:
        logger.info("%s", result.summary())
    else:
        logger.error("%s", result.summary())
        alert_auditors(result)
    return result.ok
