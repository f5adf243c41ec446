"""Retention: the case's own part of anonymising it (found by cmarac.governance.retention_registry).

The case keeps what reporting counts (reference, status, dates, risk level and its history, lead
agency, agencies involved, the timeline's kinds and times); its summary, closure reason and
every free-text description go. Each subject link gets a person of its own holding nothing but
gender and a birth year band, so a person who is a subject of another case that is not due
keeps their details there; the old person record is deleted once nothing links to it.
"""

from __future__ import annotations

from cmarac.cases.models import Case, CaseEvent, CaseSubject, Person, RiskLevelChange
from cmarac.cases.search import refresh_search_text
from cmarac.governance.retention_registry import ANONYMISED_NAME, register_case_part


def birth_year_band(person: Person) -> str:
    """The decade of birth ("1980-1989"), from the date of birth or the approximate age."""
    if person.date_of_birth is not None:
        year = person.date_of_birth.year
    elif person.approximate_age is not None:
        year = person.created_at.year - person.approximate_age
    else:
        return person.birth_year_band
    decade = year // 10 * 10
    return f"{decade}-{decade + 9}"


def person_in_use(person_id: int) -> bool:
    """Whether any record (of any app) still links to this person."""
    return any(
        relation.related_model._base_manager.filter(**{relation.field.name: person_id}).exists()
        for relation in Person._meta.related_objects
    )


@register_case_part("cases", order=100)
def anonymise_case_record(case: Case) -> None:
    Case.objects.filter(pk=case.pk).update(summary="", closure_reason="")
    CaseEvent.objects.filter(case=case).update(description="")
    RiskLevelChange.objects.filter(case=case).update(reason="")
    replacements: dict[int, Person] = {}
    for subject in CaseSubject.objects.filter(case=case).select_related("person").order_by("pk"):
        person = subject.person
        if person.pk not in replacements:
            replacements[person.pk] = Person.objects.create(
                given_name=ANONYMISED_NAME,
                gender=person.gender,
                interpreter_needed=person.interpreter_needed,
                birth_year_band=birth_year_band(person),
            )
        CaseSubject.objects.filter(pk=subject.pk).update(person=replacements[person.pk])
    refresh_search_text([case.pk])  # the names go from the case's search text too
    for person_id in replacements:
        if not person_in_use(person_id):
            Person.objects.filter(pk=person_id).delete()
