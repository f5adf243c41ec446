"""The Django admin manages agencies and users, for staff only, through the services."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cmarac.accounts.models import Agency, User
from cmarac.accounts.roles import Role

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("person", "status"),
    [("coordinator", 200), ("administrator", 200), ("co_chair", 302), ("housing_lead", 302), ("auditor", 302)],
)
def test_only_staff_reach_the_agency_admin(person: str, status: int, request, as_user) -> None:
    response = as_user(request.getfixturevalue(person)).get(reverse("admin:accounts_agency_changelist"))
    assert response.status_code == status


def test_adding_an_agency_in_the_admin_creates_its_group(as_user, coordinator) -> None:
    response = as_user(coordinator).post(
        reverse("admin:accounts_agency_add"),
        {
            "name": "Probation Service",
            "short_name": "probation",
            "kind": "probation",
            "membership": "flexible",
            "is_active": "on",
            "contact_email": "",
            "lead": "",
            "deputy": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Agency.objects.get(short_name="probation").group.name == "Agency: probation"


def test_a_lead_must_belong_to_the_agency(as_user, coordinator, housing, fire_lead) -> None:
    response = as_user(coordinator).post(
        reverse("admin:accounts_agency_change", args=[housing.pk]),
        {
            "name": housing.name,
            "short_name": housing.short_name,
            "kind": housing.kind,
            "membership": housing.membership,
            "is_active": "on",
            "contact_email": "",
            "lead": fire_lead.pk,
            "deputy": "",
        },
    )
    assert response.status_code == 200
    assert "must be a member of this agency" in response.content.decode()
    housing.refresh_from_db()
    assert housing.lead_id is None


def test_moving_a_person_to_another_agency_moves_their_access(as_user, coordinator, housing_lead, fire) -> None:
    housing = housing_lead.agency
    role_group_ids = list(housing_lead.groups.filter(name__startswith="Role: ").values_list("pk", flat=True))
    response = as_user(coordinator).post(
        reverse("admin:accounts_user_change", args=[housing_lead.pk]),
        {
            "email": housing_lead.email,
            "full_name": housing_lead.full_name,
            "job_title": "",
            "phone": "",
            "agency": fire.pk,
            "groups": role_group_ids,
            "is_active": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "09:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    person = User.objects.get(pk=housing_lead.pk)
    assert person.groups.filter(pk=fire.group_id).exists()
    assert not person.groups.filter(pk=housing.group_id).exists()
    assert person.roles == {Role.AGENCY_MEMBER, Role.REFERRER}
    housing.refresh_from_db()
    assert housing.lead_id is None  # leaving the agency ends the lead role there


def test_staff_who_are_not_superusers_cannot_make_superusers(as_user, coordinator) -> None:
    page = as_user(coordinator).get(reverse("admin:accounts_user_change", args=[coordinator.pk])).content.decode()
    assert "is_superuser" not in page
