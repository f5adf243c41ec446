"""Emails about referrals. They carry a reference and a link, never anything about the people.

Queued in the outbox with the change that prompts them (ADR 0015), so a dead broker loses none.
"""

from __future__ import annotations

from cmarac.outbox.models import OutboxMessage
from cmarac.outbox.services import outbox_enqueue
from referrals.models import Referral


def referral_received(referral: Referral) -> OutboxMessage:
    from referrals.tasks import send_referral_received

    return outbox_enqueue(send_referral_received, referral.pk)


def referral_decided(referral: Referral) -> OutboxMessage:
    from referrals.tasks import send_referral_decision

    return outbox_enqueue(send_referral_decision, referral.pk)
