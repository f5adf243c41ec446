"""Two invented referrals waiting for triage, so the coordinator's queue is not empty in a demo."""

from __future__ import annotations

from datetime import date

from cmarac.accounts.models import User
from referrals import services
from referrals.models import Referral

REFERRALS = [
    {
        "referrer": "referrer@demo.cmarac.test",
        "fields": {
            "issue_types": ["harassment", "repeat-victim"],
            "concerns": "A young mother is repeatedly followed and shouted at by a group outside her block.",
            "chronology": "Four calls to police in five weeks; a window broken last Friday.",
            "actions_taken": "Ward officers patrol at school times; crime reference numbers issued.",
            "request_of_panel": "Housing options and victim support; a joint approach to the group's parents.",
            "criterion_escalation": True,
            "criterion_multi_agency": True,
            "consent": "yes",
        },
        "subjects": [
            {"role": "victim", "given_name": "Sorrel", "family_name": "Penwright", "postcode": "DB3 8KL",
             "date_of_birth": date(1998, 2, 14), "address": "4 Lantern Court, Demo Borough"},
            {"role": "child", "given_name": "Ivy", "family_name": "Penwright", "postcode": "DB3 8KL",
             "approximate_age": 4},
        ],
        "yes": 12,
    },
    {
        "referrer": "member.housing@demo.cmarac.test",
        "fields": {
            "issue_types": ["hoarding", "mental-health"],
            "concerns": "Hoarding has spread to the shared landing; the tenant refuses entry to contractors.",
            "chronology": "Gas safety check missed twice; neighbours report smells.",
            "actions_taken": "Two visits; a warning letter about the landing.",
            "request_of_panel": "A mental health assessment and a fire safety visit before enforcement.",
            "criterion_professional_judgement": True,
            "professional_judgement_reasons": "Fire risk to the whole block despite a medium score.",
            "consent": "not-asked",
            "sharing_basis": "vital-interests",
            "sharing_justification": "The risk of fire endangers the tenant and neighbours.",
        },
        "subjects": [
            {"role": "victim", "given_name": "Cuthbert", "family_name": "Mallory", "postcode": "DB2 6LR",
             "approximate_age": 70, "address": "Flat 9, Heron House, Demo Borough"},
        ],
        "yes": 6,
    },
]  # fmt: skip


def seed_demo_referrals() -> int:
    if Referral.objects.exists():
        return 0
    for demo in REFERRALS:
        referrer = User.objects.get(email=demo["referrer"])
        referral = services.referral_start(referrer=referrer)
        referral = services.referral_update(referral=referral, by=referrer, revision=None, fields=demo["fields"])
        for subject in demo["subjects"]:
            services.referral_subject_save(referral=referral, by=referrer, revision=None, fields=subject, subject=None)
        referral.refresh_from_db()
        questions = list(referral.checklist.questions.prefetch_related("options"))
        answers = {
            q.pk: next(o.pk for o in q.options.all() if o.label == ("Yes" if i < demo["yes"] else "No"))
            for i, q in enumerate(questions)
        }
        referral = services.referral_answers_save(referral=referral, by=referrer, revision=None, answers=answers)
        services.referral_submit(referral=referral, by=referrer, revision=None)
    return len(REFERRALS)
