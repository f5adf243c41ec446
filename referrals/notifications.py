"""Emails about referrals. They carry a reference and a link, never anything about the people."""

from __future__ import annotations

from referrals.models import Referral


def referral_received(referral: Referral) -> None:
    from referrals.tasks import send_referral_received

    send_referral_received.delay_on_commit(referral.pk)


def referral_decided(referral: Referral) -> None:
    from referrals.tasks import send_referral_decision

    send_referral_decision.delay_on_commit(referral.pk)
