"""Subject access: referrals, and the people as their referrers described them.

Found by cmarac.governance.subject_access. A referral subject linked to a person (when the
referral was accepted) belongs to that person; one not linked (a draft, a referral waiting for
triage or declined) is offered in the search on its own.
"""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q

from cmarac.governance.subject_access import (
    Criteria,
    Match,
    Record,
    Subjects,
    names_of,
    passages,
    people_matching,
    register,
)
from referrals.models import Referral, ReferralSubject


def find(criteria: Criteria) -> list[Match]:
    found = people_matching(ReferralSubject.objects.select_related("person"), criteria).order_by("pk")[:100]
    matches = []
    for subject in found:
        if subject.person is not None:
            person = subject.person
            matches.append(Match(key=f"person:{person.pk}", name=person.full_name,
                                 date_of_birth=person.date_of_birth, postcode=person.postcode))  # fmt: skip
        else:
            matches.append(
                Match(
                    key=f"referral-subject:{subject.pk}",
                    name=subject.full_name,
                    date_of_birth=subject.date_of_birth,
                    postcode=subject.postcode,
                    referrals=1,
                )
            )
    return matches


def count(person_ids: frozenset[int]) -> dict[int, dict[str, int]]:
    rows = (
        ReferralSubject.objects.filter(person_id__in=person_ids)
        .values("person_id")
        .annotate(referrals=Count("referral_id", distinct=True))
    )
    return {row["person_id"]: {"referrals": row["referrals"]} for row in rows}


def _is_them(subject: ReferralSubject, subjects: Subjects) -> bool:
    return subject.person_id in subjects.person_ids or subject.pk in subjects.referral_subject_ids


def _referral_record(referral: Referral, subjects: Subjects) -> Record:
    people = list(referral.subjects.all())
    theirs = [s for s in people if _is_them(s, subjects)]
    others = {
        f"{s.full_name} ({s.get_role_display().lower()})": names_of(s.given_name, s.family_name, s.aliases)
        for s in people
        if not _is_them(s, subjects)
    }
    texts = [
        ("Summary of concerns", referral.concerns),
        ("Chronology of incidents", referral.chronology),
        ("What the referring agency had already done", referral.actions_taken),
        ("What was asked of the panel", referral.request_of_panel),
        ("Professional judgement: reasons", referral.professional_judgement_reasons),
        ("Why information was shared", referral.sharing_justification),
        ("Why the risk level was raised", referral.level_raised_reason),
        ("Information requested", referral.information_request),
        ("Reason for the decision", referral.decision_reason),
    ]
    details = [
        ("Status", referral.get_status_display()),
        ("Role in the referral", ", ".join(sorted({s.get_role_display() for s in theirs}))),
        ("Issues", ", ".join(referral.get_issue_type_labels())),
        ("Risk level", referral.get_risk_level_display()),
        ("Consent", referral.get_consent_display()),
        ("It was unsafe to ask for consent", "Yes" if referral.unsafe_to_ask else ""),
        ("Basis for sharing without consent", referral.get_sharing_basis_display()),
        ("Other subjects", str(len(others))),
    ]
    for subject in theirs:
        details += [
            ("Name as given", subject.full_name),
            ("Other names as given", subject.aliases),
            ("Date of birth as given", subject.date_of_birth.isoformat() if subject.date_of_birth else ""),
            ("Postcode as given", subject.postcode),
            ("Phone number as given", subject.phone),
            ("Email address as given", subject.email),
        ]
        texts += [
            ("Address as given", subject.address),
            ("How to contact safely, as given", subject.contact_notes),
            ("Vulnerabilities, as given", subject.vulnerabilities),
        ]
    return Record(
        kind="Referral",
        reference=referral.reference,
        case_reference=referral.case.reference if referral.case else "",
        dates=[
            ("Started", referral.created_at),
            ("Submitted", referral.submitted_at),
            ("Decided", referral.decided_at),
            ("For the meeting of", referral.meeting_date),
        ],
        agencies=[referral.referring_agency.name] if referral.referring_agency else [],
        details=[(label, value) for label, value in details if value],
        passages=passages(texts, others),
    )


def collect(subjects: Subjects) -> list[Record]:
    mentioning = ReferralSubject.objects.filter(
        Q(person_id__in=subjects.person_ids) | Q(pk__in=subjects.referral_subject_ids)
    ).values("referral_id")
    referrals = (
        Referral.objects.filter(pk__in=mentioning)
        .select_related("referring_agency", "case")
        .prefetch_related(Prefetch("subjects", queryset=ReferralSubject.objects.order_by("pk")))
        .order_by("created_at", "pk")
    )
    return [_referral_record(referral, subjects) for referral in referrals]


register("referrals", find=find, count=count, collect=collect)
