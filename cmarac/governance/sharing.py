"""Records of processing: the information-sharing basis in force for each agency.

An agency signs the partnership's information sharing agreement and the confidentiality
statement, and must sign the agreement again by a date. A lapsed agreement does not stop the
agency's access by itself: the coordinator sees it, and the co-chairs are told once per lapse.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from cmarac.accounts.models import Agency, User
from cmarac.accounts.roles import Role
from cmarac.governance.sharing_models import SharingLapseNotice

DUE_SOON_DAYS = 30


@dataclass(frozen=True)
class SharingState:
    agency: Agency
    lapsed: bool
    due_soon: bool
    not_signed: bool


def sharing_state(agency: Agency, today: date) -> SharingState:
    renew_by = agency.sharing_agreement_renew_by
    return SharingState(
        agency=agency,
        lapsed=renew_by is not None and renew_by < today,
        due_soon=renew_by is not None and today <= renew_by <= today + timedelta(days=DUE_SOON_DAYS),
        not_signed=agency.sharing_agreement_signed_on is None,
    )


def sharing_states(*, today: date | None = None) -> list[SharingState]:
    """Every active agency with the state of its agreement (one query)."""
    today = today or timezone.localdate()
    agencies = Agency.objects.filter(is_active=True).order_by("name").only(
        "name", "membership", "sharing_agreement_signed_on", "confidentiality_statement_signed_on",
        "sharing_agreement_renew_by",
    )  # fmt: skip
    return [sharing_state(agency, today) for agency in agencies]


def lapsed_agencies(*, today: date | None = None) -> list[Agency]:
    today = today or timezone.localdate()
    return list(
        Agency.objects.filter(is_active=True, sharing_agreement_renew_by__lt=today).order_by("name").only("name")
    )


def co_chairs() -> list[User]:
    return list(
        User.objects.filter(is_active=True, groups__name=Role.CO_CHAIR.group_name).exclude(email="").order_by("pk")
    )


@transaction.atomic
def sharing_lapses_notify(*, today: date | None = None) -> int:
    """Email the co-chairs the agencies whose agreement has lapsed since they were last told.
    Each lapse (agency and renewal date) is told once; running again sends nothing. Returns the
    number of lapses told."""
    today = today or timezone.localdate()
    told = SharingLapseNotice.objects.values_list("agency_id", "renew_by")
    told_set = set(told)
    new = [
        agency
        for agency in Agency.objects.filter(is_active=True, sharing_agreement_renew_by__lt=today).order_by("name")
        if (agency.pk, agency.sharing_agreement_renew_by) not in told_set
    ]
    recipients = [chair.email for chair in co_chairs()]
    if not new or not recipients:
        return 0
    SharingLapseNotice.objects.bulk_create(
        [SharingLapseNotice(agency=agency, renew_by=agency.sharing_agreement_renew_by) for agency in new]
    )
    text = render_to_string(
        "emails/sharing_agreement_lapsed.txt",
        {
            "agencies": [agency.name for agency in new],
            "link": settings.SITE_URL + reverse("governance:sharing"),
            "service_name": settings.SERVICE_NAME,
        },
    )
    subject, _, body = text.partition("\n")
    # If sending fails the notices are rolled back, so the next run tries again.
    send_mail(subject.strip(), body.strip() + "\n", None, recipients)
    return len(new)
