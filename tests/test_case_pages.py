"""Coordinator case pages: create, subjects, close and reopen; bad input saves nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cmarac.cases.models import Case, CaseEvent, CaseSubject, Person
from cmarac.cases.services import subject_update

pytestmark = pytest.mark.django_db

PERSON = {
    "role": "victim",
    "given_name": "Wren",
    "family_name": "Oakridge",
    "gender": "not-known",
    "postcode": "db4 1ax",
}


def test_creating_a_case_makes_it_with_its_first_subject_and_lead(coordinator, housing, police, as_user) -> None:
    data = {
        "summary": "Intimidation on a stairwell",
        "risk_level": "high",
        "lead_agency": housing.pk,
        "referring_agency": police.pk,
        **{f"subject-{k}": v for k, v in PERSON.items()},
    }
    response = as_user(coordinator).post(reverse("cases:create"), data)
    case = Case.objects.get()
    assert response["Location"] == case.get_absolute_url()
    assert (case.risk_level, case.lead_agency) == ("high", housing)
    subject = case.subjects.select_related("person").get()
    assert (subject.person.full_name, subject.person.postcode, subject.role) == ("Wren Oakridge", "DB4 1AX", "victim")
    assert set(case.involvements.values_list("agency__short_name", "reason")) == {
        ("council-housing", "lead"),
        ("police", "referred"),
    }


def test_a_bad_subject_saves_no_case_at_all(coordinator, as_user) -> None:
    data = {"summary": "Something", "risk_level": "high", "subject-role": "", "subject-given_name": ""}
    response = as_user(coordinator).post(reverse("cases:create"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert "Enter the person&#x27;s first name" in page or "Enter the person's first name" in page
    assert "Select the person&#x27;s role in this case" in page or "Select the person's role in this case" in page
    assert not Case.objects.exists()
    assert not Person.objects.exists()


def test_adding_and_removing_a_subject(housing_case, coordinator, as_user) -> None:
    client = as_user(coordinator)
    response = client.post(reverse("cases:subject-add", args=[housing_case.reference]), PERSON)
    assert response.status_code == 302
    added = housing_case.subjects.get(person__given_name="Wren")
    response = client.post(reverse("cases:subject-remove", args=[housing_case.reference, added.pk]))
    assert response.status_code == 302
    assert not CaseSubject.objects.filter(pk=added.pk).exists()
    assert Person.objects.filter(given_name="Wren").exists()  # the person record stays
    kinds = list(housing_case.events.values_list("kind", flat=True))
    assert CaseEvent.Kind.SUBJECT_ADDED in kinds
    assert CaseEvent.Kind.SUBJECT_REMOVED in kinds


def test_the_pages_naming_a_subject_to_change_or_remove_them_are_in_the_audit_trail(
    housing_case, coordinator, as_user
) -> None:
    """Each names the subject (their details, or "Remove <name> from <case>"): a view of case
    data, so in the audit trail as one, with who and which subject, never the name."""
    from auditlog.models import LogEntry

    subject = housing_case.subjects.select_related("person").order_by("pk").first()
    client = as_user(coordinator)
    for name, what in (
        ("cases:subject-edit", "Subject details for editing"),
        ("cases:subject-remove", "Subject shown for removal"),
    ):
        response = client.get(reverse(name, args=[housing_case.reference, subject.pk]))
        assert response.status_code == 200
        assert subject.person.family_name in response.content.decode()
        entry = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, actor=coordinator).latest("pk")
        assert (entry.object_pk, entry.additional_data["what"]) == (str(subject.pk), what)
        assert subject.person.family_name not in str(entry.changes) + str(entry.additional_data) + entry.object_repr


def test_a_second_editor_is_refused_keeps_their_entry_and_can_save_again(housing_case, coordinator, as_user) -> None:
    subject = housing_case.subjects.select_related("person").order_by("pk").first()
    url = reverse("cases:subject-edit", args=[housing_case.reference, subject.pk])
    client = as_user(coordinator)
    form = client.get(url).context["form"]
    seen = form.initial["last_seen"]

    # Someone else saves first.
    subject_update(subject=subject, role=subject.role, person_fields={"postcode": "DB1 1AA"}, by=None, last_seen=seen)

    mine = {**PERSON, "given_name": "Verity", "family_name": "Quillfeather", "postcode": "DB2 2BB", "last_seen": seen}
    response = client.post(url, mine)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Someone else changed this person" in page
    assert Person.objects.get(pk=subject.person_id).postcode == "DB1 1AA"  # nothing overwritten
    assert ("Postcode", "DB1 1AA", "DB2 2BB") in response.context["conflicts"]
    assert response.context["form"]["postcode"].value() == "DB2 2BB"  # their entry is kept

    mine["last_seen"] = response.context["form"]["last_seen"].value()
    assert client.post(url, mine).status_code == 302
    assert Person.objects.get(pk=subject.person_id).postcode == "DB2 2BB"


def test_closing_needs_a_reason_and_reopening_works(housing_case, co_chair, as_user) -> None:
    client = as_user(co_chair)
    response = client.post(reverse("cases:close", args=[housing_case.reference]), {"reason": ""})
    assert "Enter why the case is being closed" in response.content.decode()
    assert Case.objects.get(pk=housing_case.pk).is_open
    seen = Case.objects.get(pk=housing_case.pk).updated_at.isoformat()
    client.post(
        reverse("cases:close", args=[housing_case.reference]), {"reason": "Perpetrator evicted", "last_seen": seen}
    )
    assert Case.objects.get(pk=housing_case.pk).closure_reason == "Perpetrator evicted"
    seen = Case.objects.get(pk=housing_case.pk).updated_at.isoformat()
    client.post(reverse("cases:reopen", args=[housing_case.reference]), {"reason": "New incidents", "last_seen": seen})
    assert Case.objects.get(pk=housing_case.pk).is_open


def test_case_page_shows_subjects_agencies_and_timeline(housing_case, coordinator, as_user) -> None:
    page = as_user(coordinator).get(housing_case.get_absolute_url()).content.decode()
    for text in (
        "Verity Quillfeather",
        "Pax Underhill",
        "Alleged perpetrator",
        "Council Housing",
        "Partnership Policing Team",
        "Lead agency",
        "Referred the case",
        "Case opened",
    ):
        assert text in page, text


def test_user_text_is_escaped(coordinator, as_user) -> None:
    from tests.factories.cases import CaseFactory

    case = CaseFactory(summary='<script>alert("x")</script>')
    page = as_user(coordinator).get(case.get_absolute_url()).content.decode()
    assert '<script>alert("x")</script>' not in page
    assert "&lt;script&gt;" in page
