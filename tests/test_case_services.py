"""Case services: references, involvement and its grants, lead and risk history, closing, subjects."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from guardian.shortcuts import get_groups_with_perms

from cmarac.cases import services
from cmarac.cases.models import Case, CaseEvent, CaseInvolvement, CaseSubject, Person
from tests.factories.accounts import AgencyStaffFactory
from tests.factories.cases import CaseFactory, PersonFactory

pytestmark = pytest.mark.django_db


def test_references_count_up_per_year_and_are_never_reused() -> None:
    first = CaseFactory(opened_on=date(2026, 3, 1))
    second = CaseFactory(opened_on=date(2026, 4, 1))
    assert (first.reference, second.reference) == ("CM-2026-0001", "CM-2026-0002")
    second.delete()
    assert CaseFactory(opened_on=date(2026, 5, 1)).reference == "CM-2026-0003"
    assert CaseFactory(opened_on=date(2027, 1, 4)).reference == "CM-2027-0001"


def test_a_new_case_has_a_risk_history_and_a_timeline(coordinator) -> None:
    case = CaseFactory(by=coordinator, risk_level="high")
    assert list(case.risk_history.values_list("risk_level", flat=True)) == ["high"]
    kinds = set(case.events.values_list("kind", flat=True))
    assert {CaseEvent.Kind.OPENED, CaseEvent.Kind.SUBJECT_ADDED} <= kinds


def test_involving_an_agency_grants_its_group_and_records_why(housing, coordinator) -> None:
    case = CaseFactory()
    services.involve_agency(case=case, agency=housing, reason="invited", source="agenda-item:7", by=coordinator)
    assert housing.group in get_groups_with_perms(case)
    involvement = CaseInvolvement.objects.get(case=case, agency=housing)
    assert (involvement.reason, involvement.source, involvement.created_by) == ("invited", "agenda-item:7", coordinator)
    assert case.events.filter(kind=CaseEvent.Kind.AGENCY_INVOLVED).count() == 1


def test_access_lasts_while_any_reason_remains(housing) -> None:
    case = CaseFactory()
    services.involve_agency(case=case, agency=housing, reason="invited", source="agenda-item:1")
    services.involve_agency(case=case, agency=housing, reason="action-owner", source="action:9")
    assert services.withdraw_agency(case=case, agency=housing, reason="invited", source="agenda-item:1") is True
    assert housing.group in get_groups_with_perms(case)
    assert services.withdraw_agency(case=case, agency=housing, reason="action-owner", source="action:9") is False
    assert housing.group not in get_groups_with_perms(case)
    assert case.events.filter(kind=CaseEvent.Kind.AGENCY_WITHDRAWN).count() == 1


def test_involving_twice_for_the_same_reason_is_one_involvement(housing) -> None:
    case = CaseFactory()
    services.involve_agency(case=case, agency=housing, reason="referred")
    services.involve_agency(case=case, agency=housing, reason="referred")
    assert CaseInvolvement.objects.filter(case=case, agency=housing).count() == 1


def test_changing_the_lead_moves_the_lead_involvement(housing, police) -> None:
    case = CaseFactory()
    officer = AgencyStaffFactory(agency=housing)
    services.case_set_lead(case=case, agency=housing, officer=officer, by=None)
    services.case_set_lead(case=case, agency=police, officer=None, by=None)
    assert police.group in get_groups_with_perms(case)
    assert housing.group not in get_groups_with_perms(case)  # its only reason was being lead
    assert case.lead_history.count() == 2


def test_the_lead_officer_must_work_for_the_lead_agency(housing, police) -> None:
    case = CaseFactory()
    with pytest.raises(ValidationError):
        services.case_set_lead(case=case, agency=housing, officer=AgencyStaffFactory(agency=police), by=None)
    case.refresh_from_db()
    assert case.lead_agency is None


def test_risk_changes_are_kept_as_history() -> None:
    case = CaseFactory(risk_level="medium")
    services.case_set_risk_level(case=case, risk_level="high", by=None, reason="Escalating incidents")
    services.case_set_risk_level(case=case, risk_level="high", by=None)  # no change, no entry
    assert list(case.risk_history.values_list("risk_level", flat=True)) == ["high", "medium"]


def test_close_and_reopen_need_a_reason(coordinator) -> None:
    case = CaseFactory()
    with pytest.raises(ValidationError):
        services.case_close(case=case, by=coordinator, reason="   ")
    services.case_close(case=case, by=coordinator, reason="Tenancy ended; perpetrator moved away")
    case.refresh_from_db()
    assert (case.status, case.closure_reason) == (Case.Status.CLOSED, "Tenancy ended; perpetrator moved away")
    assert case.closed_on is not None
    with pytest.raises(ValidationError):
        services.case_close(case=case, by=coordinator, reason="again")
    services.case_reopen(case=case, by=coordinator, reason="New incidents reported")
    case.refresh_from_db()
    assert (case.status, case.closed_on, case.closure_reason) == (Case.Status.OPEN, None, "")


def test_one_person_can_hold_different_roles_in_different_cases() -> None:
    person = PersonFactory()
    first = CaseFactory(subjects=[(person, CaseSubject.Role.VICTIM)])
    second = CaseFactory(subjects=[(person, CaseSubject.Role.ALLEGED_PERPETRATOR)])
    assert set(person.case_roles.values_list("case", "role")) == {
        (first.pk, "victim"),
        (second.pk, "alleged-perpetrator"),
    }


def test_a_stale_subject_edit_is_refused_and_changes_nothing(coordinator) -> None:
    case = CaseFactory()
    subject = case.subjects.select_related("person").get()
    seen = subject.person.updated_at.isoformat()
    services.subject_update(
        subject=subject, role=subject.role, person_fields={"postcode": "ZZ2 2ZZ"}, by=coordinator, last_seen=seen
    )
    with pytest.raises(services.EditConflict):
        services.subject_update(
            subject=subject, role=subject.role, person_fields={"postcode": "ZZ3 3ZZ"}, by=coordinator, last_seen=seen
        )
    assert Person.objects.get(pk=subject.person_id).postcode == "ZZ2 2ZZ"


def test_visible_to_covers_every_model_holding_case_data(housing_case, fire_case, housing_lead, fire_lead) -> None:
    from cmarac.cases.models import CaseEvent, CaseInvolvement, CaseSubject, LeadChange, Person, RiskLevelChange

    for model in (CaseSubject, CaseInvolvement, CaseEvent, RiskLevelChange, LeadChange):
        for_housing = set(model.objects.visible_to(housing_lead).values_list("case_id", flat=True))
        assert for_housing == {housing_case.pk}, model
    people = set(Person.objects.visible_to(fire_lead).values_list("family_name", flat=True))
    assert people == {"Blackwater"}
