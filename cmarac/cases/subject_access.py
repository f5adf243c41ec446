"""Subject access: the people themselves, and the cases they are subjects of.

Found by cmarac.governance.subject_access (see there); reads every case, not only those the
reader may see, because only a subject access export made for a recorded request calls it.
"""

from __future__ import annotations

from django.db.models import Count, Prefetch

from cmarac.cases.models import Case, CaseEvent, CaseSubject, Person
from cmarac.core.dates import long_date
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


def find(criteria: Criteria) -> list[Match]:
    people = people_matching(Person.objects.all(), criteria).order_by("family_name", "given_name", "pk")
    return [
        Match(key=f"person:{p.pk}", name=p.full_name, date_of_birth=p.date_of_birth, postcode=p.postcode)
        for p in people[:100]
    ]


def count(person_ids: frozenset[int]) -> dict[int, dict[str, int]]:
    rows = (
        CaseSubject.objects.filter(person_id__in=person_ids)
        .values("person_id")
        .annotate(cases=Count("case_id", distinct=True))
    )
    return {row["person_id"]: {"cases": row["cases"]} for row in rows}


def _person_record(person: Person) -> Record:
    yes_no = {True: "Yes", False: "No"}
    details = [
        ("Name", person.full_name),
        ("Other names or aliases", person.aliases),
        ("Date of birth", person.date_of_birth.isoformat() if person.date_of_birth else ""),
        ("Approximate age", str(person.approximate_age or "")),
        ("Gender", person.get_gender_display()),
        ("Postcode", person.postcode),
        ("Phone number", person.phone),
        ("Email address", person.email),
        ("First language", person.first_language),
        ("Interpreter needed", yes_no[person.interpreter_needed]),
        ("Safe to contact", yes_no[person.safe_to_contact]),
    ]
    return Record(
        kind="Person",
        reference=f"person {person.pk}",
        dates=[("Recorded", person.created_at), ("Last changed", person.updated_at)],
        agencies=[],
        details=[(label, value) for label, value in details if value],
        passages=passages(
            [
                ("Address", person.address),
                ("How to contact safely", person.contact_notes),
                ("Vulnerabilities", person.vulnerabilities),
            ],
            {},
        ),
    )


def other_subjects(subjects: list[CaseSubject], person_ids: frozenset[int]) -> dict[str, list[str]]:
    """The case's other subjects, by a label naming them, with the words they may be named by."""
    return {
        f"{s.person.full_name} ({s.get_role_display().lower()})": names_of(
            s.person.given_name, s.person.family_name, s.person.aliases
        )
        for s in subjects
        if s.person_id not in person_ids
    }


def cases_of(subjects: Subjects) -> list[Case]:
    """The cases these people are subjects of, with their subjects, agencies, risk and timeline."""
    case_ids = CaseSubject.objects.filter(person_id__in=subjects.person_ids).values("case_id")
    return list(
        Case.objects.filter(pk__in=case_ids)
        .select_related("lead_agency")
        .prefetch_related(
            Prefetch("subjects", queryset=CaseSubject.objects.select_related("person").order_by("pk")),
            "involvements__agency",
            "risk_history",
            Prefetch("events", queryset=CaseEvent.objects.order_by("occurred_at", "pk")),
        )
        .order_by("reference")
    )


def _case_record(case: Case, person_ids: frozenset[int]) -> Record:
    subjects = list(case.subjects.all())
    others = other_subjects(subjects, person_ids)
    roles = sorted({s.get_role_display() for s in subjects if s.person_id in person_ids})
    agencies = {i.agency.name for i in case.involvements.all()}
    if case.lead_agency:
        agencies.add(case.lead_agency.name)
    texts = [("Summary", case.summary), ("Reason for closing", case.closure_reason)]
    texts += [(f"Risk level change, {long_date(r.changed_at)}", r.reason) for r in case.risk_history.all()]
    texts += [
        (f"Timeline, {long_date(e.occurred_at)}: {e.get_kind_display()}", e.description) for e in case.events.all()
    ]
    return Record(
        kind="Case",
        reference=case.reference,
        case_reference=case.reference,
        dates=[("Opened", case.opened_on), ("Closed", case.closed_on)],
        agencies=sorted(agencies),
        details=[
            ("Role in the case", ", ".join(roles)),
            ("Status", case.get_status_display()),
            ("Risk level", case.get_risk_level_display()),
            ("Lead agency", case.lead_agency.name if case.lead_agency else ""),
            ("Other subjects", str(len(others))),
        ],
        passages=passages(texts, others),
    )


def collect(subjects: Subjects) -> list[Record]:
    if not subjects.person_ids:
        return []
    records = [_person_record(p) for p in Person.objects.filter(pk__in=subjects.person_ids).order_by("pk")]
    records += [_case_record(case, subjects.person_ids) for case in cases_of(subjects)]
    return records


register("cases", find=find, count=count, collect=collect)
