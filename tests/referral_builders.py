"""Build referrals through the services, as a referrer would fill them in."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from cmarac.accounts.models import User
from referrals import services
from referrals.models import Referral

VICTIM: dict[str, Any] = {
    "role": "victim",
    "given_name": "Verity",
    "family_name": "Quillfeather",
    "date_of_birth": date(1971, 5, 2),
    "postcode": "DB4 1AX",
    "address": "10 Demo Street",
}
PERPETRATOR: dict[str, Any] = {
    "role": "alleged-perpetrator",
    "given_name": "Pax",
    "family_name": "Underhill",
    "postcode": "DB4 1AY",
}


def answers_scoring(referral: Referral, yes_count: int) -> dict[int, int]:
    """Answer Yes to the first yes_count questions (in order) and No to the rest."""
    chosen = {}
    for index, question in enumerate(referral.checklist.questions.prefetch_related("options")):
        wanted = "Yes" if index < yes_count else "No"
        chosen[question.pk] = next(o.pk for o in question.options.all() if o.label == wanted)
    return chosen


def complete_referral(referrer: User, *, subjects: list[dict[str, Any]] | None = None, yes_count: int = 18) -> Referral:
    referral = services.referral_start(referrer=referrer)
    fields = {
        "issue_types": ["cuckooing", "drugs"],
        "concerns": "Visitors at all hours; the tenant seems to have lost control of the flat.",
        "chronology": "Three reports in six weeks.",
        "actions_taken": "Welfare visit by the housing officer.",
        "request_of_panel": "A joint visit and safeguarding plan.",
        "criterion_escalation": True,
        "consent": "no",
        "unsafe_to_ask": True,
        "sharing_basis": "prevent-crime",
        "sharing_justification": "Asking would alert the people exploiting the tenant.",
    }
    referral = services.referral_update(referral=referral, by=referrer, revision=referral.revision, fields=fields)
    for subject in subjects if subjects is not None else [VICTIM, PERPETRATOR]:
        services.referral_subject_save(referral=referral, by=referrer, revision=None, fields=subject, subject=None)
    referral.refresh_from_db()
    return services.referral_answers_save(
        referral=referral, by=referrer, revision=referral.revision, answers=answers_scoring(referral, yes_count)
    )


def submitted_referral(referrer: User, *, now: datetime | None = None, **kwargs: Any) -> Referral:
    referral = complete_referral(referrer, **kwargs)
    return services.referral_submit(referral=referral, by=referrer, revision=referral.revision, now=now)
