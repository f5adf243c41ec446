"""Referrals, made through the services as a referrer would make them.

    DraftReferralFactory()                                   # a fresh draft by a new referrer
    DraftReferralFactory(referrer=police_referrer, concerns="...")   # any Referral field, saved by referral_update
    SubmittedReferralFactory(referrer=police_referrer)       # every section filled in, then sent
    SubmittedReferralFactory(risk="standard", subjects=[victim("Ada", "Lovelace")], submitted_at=moment)

Every referral's people have distinct names by default, so referrals made in one test are not
repeats of each other unless the test gives them the same people.
"""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

import factory

from cmarac.accounts.models import User
from cmarac.cases.models import CaseSubject
from referrals import services
from referrals.models import Referral, ReferralSubject
from tests.factories.accounts import ReferrerFactory

_names = itertools.count(1)


def victim(given_name: str, family_name: str = "", **fields: Any) -> dict[str, Any]:
    return {"role": CaseSubject.Role.VICTIM, "given_name": given_name, "family_name": family_name, **fields}


def alleged_perpetrator(given_name: str, family_name: str = "", **fields: Any) -> dict[str, Any]:
    return {
        "role": CaseSubject.Role.ALLEGED_PERPETRATOR,
        "given_name": given_name,
        "family_name": family_name,
        **fields,
    }


def two_people() -> list[dict[str, Any]]:
    """A victim and an alleged perpetrator with names no other referral in the test has."""
    n = next(_names)
    return [
        victim(f"Victim{n}", f"Testfamily{n}", postcode="ZV1 1AA"),
        alleged_perpetrator(f"Suspect{n}", f"Otherfamily{n}", postcode="ZV1 1AB"),
    ]


def add_subjects(referral: Referral, people: list[dict[str, Any]]) -> list[ReferralSubject]:
    return [
        services.referral_subject_save(
            referral=referral, by=referral.referrer, revision=None, fields=fields, subject=None
        )
        for fields in people
    ]


def answer_checklist(referral: Referral, risk: str = "high", *, count: int | None = None) -> Referral:
    """Answer the checklist: "high" answers Yes to every question (the highest score), "standard"
    answers No to every one. `count` answers only the first so many questions (a part-done draft)."""
    questions = list(referral.checklist.questions.prefetch_related("options"))[:count]
    label = "Yes" if risk == "high" else "No"
    answers = {}
    for question in questions:
        options = list(question.options.all())
        chosen = next((o for o in options if o.label == label), None)
        if chosen is None:  # a checklist of other options: highest or lowest score
            chosen = max(options, key=lambda o: o.score) if risk == "high" else min(options, key=lambda o: o.score)
        answers[question.pk] = chosen.pk
    return services.referral_answers_save(referral=referral, by=referral.referrer, revision=None, answers=answers)


class DraftReferralFactory(factory.django.DjangoModelFactory):
    """A draft started by `referrer` (a new referrer with an agency by default).

    Any other keyword is a Referral field, saved through referral_update as the referrer would.
    """

    class Meta:
        model = Referral

    referrer = factory.SubFactory(ReferrerFactory)

    @classmethod
    def _create(cls, model_class: type[Referral], *args: Any, **kwargs: Any) -> Referral:
        referrer: User = kwargs.pop("referrer")
        referral = services.referral_start(referrer=referrer)
        if kwargs:
            referral = services.referral_update(referral=referral, by=referrer, revision=None, fields=kwargs)
        return referral


class CompleteDraftReferralFactory(DraftReferralFactory):
    """A draft with every section filled in, ready to send but not sent.

    subjects: list of field dicts for referral_subject_save (default: a victim and an alleged
    perpetrator, see two_people); risk: "high" (every checklist answer Yes, so high risk by
    score) or "standard" (every answer No).
    """

    issue_types = factory.LazyFunction(lambda: [Referral.IssueType.HARASSMENT, Referral.IssueType.DRUGS])
    concerns = "Repeated intimidation of a neighbour by people visiting the flat above; threats last week."
    chronology = "March: verbal abuse on the stairs. April: front door damaged. May: threats to the victim."
    actions_taken = "Warning letter sent; joint visit with the police."
    request_of_panel = "A multi-agency action plan and information sharing about the visitors."
    criterion_escalation = True
    criterion_multi_agency = True
    consent = Referral.Consent.YES
    subjects = factory.LazyFunction(two_people)
    risk = "high"

    @classmethod
    def _create(cls, model_class: type[Referral], *args: Any, **kwargs: Any) -> Referral:
        people = kwargs.pop("subjects")
        risk = kwargs.pop("risk")
        referral = super()._create(model_class, *args, **kwargs)
        add_subjects(referral, people)
        return answer_checklist(referral, risk)


class SubmittedReferralFactory(CompleteDraftReferralFactory):
    """A referral filled in and sent: status submitted, with its meeting date.

    submitted_at: the moment it was sent (default now); it decides the meeting and lateness.
    """

    submitted_at = None

    @classmethod
    def _create(cls, model_class: type[Referral], *args: Any, **kwargs: Any) -> Referral:
        moment: datetime | None = kwargs.pop("submitted_at")
        referral = super()._create(model_class, *args, **kwargs)
        return services.referral_submit(referral=referral, by=referral.referrer, revision=None, now=moment)
