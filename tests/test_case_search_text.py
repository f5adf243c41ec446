"""Each case's search text (cmarac/cases/search.py): kept by every change to a case's subjects and
their details, so the case search finds a case by its reference and its subjects' names, other
names and postcodes, and by nothing once they are gone."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.urls import reverse

from cmarac.cases import services
from cmarac.cases.models import Case, CaseSubject, Person
from cmarac.cases.search import search_text_for
from tests.factories.cases import CaseFactory, PersonFactory

pytestmark = pytest.mark.django_db
CASES = reverse("cases:list")


def _text(case: Case) -> str:
    return Case.objects.get(pk=case.pk).search_text


def _found(client, text: str) -> set[str]:
    response = client.post(CASES, {"q": text, "status": "all"}, follow=True)
    return {case.reference for case in response.context["cases"]}


def test_the_text_holds_the_reference_and_each_subjects_names_and_postcode() -> None:
    person = PersonFactory(given_name="Wren", family_name="Falstead", aliases="Wrennie Fal", postcode="ZZ9 4QA")
    case = CaseFactory(subjects=[(person, CaseSubject.Role.VICTIM)])
    assert _text(case) == f"{case.reference}\nWREN\nFALSTEAD\nWRENNIE FAL\nZZ94QA"


def test_adding_changing_and_removing_a_subject_keeps_the_text(housing, co_chair) -> None:
    case = CaseFactory(involve=[housing])
    before = _text(case)
    subject = services.subject_add(
        case=case, person=Person(given_name="Quill", family_name="Marrow"), role=CaseSubject.Role.WITNESS, by=co_chair
    )
    assert "MARROW" in _text(case)
    person = subject.person
    services.subject_update(
        subject=subject, role=subject.role, person_fields={"family_name": "Thistlewood", "postcode": "QQ1 2WW"},
        by=co_chair, last_seen=person.updated_at.isoformat(),
    )  # fmt: skip
    assert "MARROW" not in _text(case)
    assert {"THISTLEWOOD", "QQ12WW"} <= set(_text(case).split("\n"))
    services.subject_remove(subject=CaseSubject.objects.get(pk=subject.pk), by=co_chair)
    assert _text(case) == before


def test_a_person_on_two_cases_changes_in_both(co_chair) -> None:
    person = PersonFactory(given_name="Orla", family_name="Penhallow")
    first = CaseFactory(subjects=[(person, CaseSubject.Role.VICTIM)])
    second = CaseFactory(subjects=[(person, CaseSubject.Role.WITNESS)])
    subject = first.subjects.get()
    services.subject_update(
        subject=subject, role=subject.role, person_fields={"family_name": "Trevose"}, by=co_chair,
        last_seen=person.updated_at.isoformat(),
    )  # fmt: skip
    for case in (first, second):
        assert "TREVOSE" in _text(case)
        assert "PENHALLOW" not in _text(case)


def test_the_search_finds_a_case_by_each_part_and_by_nothing_else(housing, housing_lead, as_user) -> None:
    person = PersonFactory(given_name="Wren", family_name="Falstead", aliases="Bramble", postcode="ZZ9 4QA")
    case = CaseFactory(involve=[housing], subjects=[(person, CaseSubject.Role.VICTIM)])
    client = as_user(housing_lead)
    for text in ("wren", "FALST", "bramble", "zz9 4qa", "zz94qa", "9 4Q", case.reference.lower(), "wren falstead"):
        assert _found(client, text) == {case.reference}, text
    # A term never matches across two fields (given name, then family name), nor a summary's words.
    assert _found(client, "WRENFAL") == set()
    assert _found(client, case.summary.split()[0] if case.summary else "nothing-here") == set()
    # Characters the database treats as wildcards in LIKE are matched as themselves.
    assert _found(client, "w%n") == set()
    assert _found(client, "wr_n") == set()


def test_the_migration_fills_the_text_of_existing_cases() -> None:
    from importlib import import_module

    migration = import_module("cmarac.cases.migrations.0009_case_search_text")
    person = PersonFactory(given_name="Ivo", family_name="Kestle", postcode="AB1 2CD")
    case = CaseFactory(subjects=[(person, CaseSubject.Role.VICTIM)])
    other = CaseFactory()
    Case.objects.update(search_text="")
    migration.fill_search_text(apps, None)
    assert _text(case) == search_text_for(case.reference, [("Ivo", "Kestle", person.aliases, "AB1 2CD")])
    assert _text(other) == search_text_for(
        other.reference,
        [(p.given_name, p.family_name, p.aliases, p.postcode) for p in Person.objects.filter(case_roles__case=other)],
    )


def test_records_loaded_from_a_fixture_keep_the_text(tmp_path) -> None:
    from django.core import serializers
    from django.core.management import call_command

    person = PersonFactory(given_name="Tamsin", family_name="Yelland")
    case = CaseFactory(subjects=[(person, CaseSubject.Role.VICTIM)])
    Case.objects.filter(pk=case.pk).update(search_text="")
    records = [Case.objects.get(pk=case.pk), person, *case.subjects.all()]
    fixture = tmp_path / "case.json"
    fixture.write_text(serializers.serialize("json", records))  # a case whose text is missing
    call_command("loaddata", str(fixture), verbosity=0)
    assert {"TAMSIN", "YELLAND"} <= set(_text(case).split("\n"))
