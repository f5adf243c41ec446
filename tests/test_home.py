"""Each role's home page says what that person can do, and links only to what exists."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import CAST

pytestmark = pytest.mark.django_db

EXPECTED_ROLE_LABEL = {
    "coordinator": "Coordinator",
    "co_chair": "Co-chair",
    "housing_lead": "Agency member",
    "fire_lead": "Agency member",
    "police_referrer": "Referrer",
    "auditor": "Information governance and audit",
    "administrator": "Administrator",
}
STAFF = {"coordinator", "administrator"}


@pytest.mark.parametrize("person", CAST)
def test_home_names_the_role_and_links_admin_for_staff_only(person: str, request, as_user) -> None:
    user = request.getfixturevalue(person)
    response = as_user(user).get(reverse("home"))
    assert response.status_code == 200
    page = response.content.decode()
    assert EXPECTED_ROLE_LABEL[person] in page
    assert user.full_name in page
    assert (reverse("admin:index") in page) is (person in STAFF)


def test_home_names_the_agency_and_its_membership(as_user, housing_lead, fire_lead) -> None:
    page = as_user(housing_lead).get(reverse("home")).content.decode()
    assert "Council Housing" in page
    assert "Core member" in page
    page = as_user(fire_lead).get(reverse("home")).content.decode()
    assert "Flexible member" in page


@pytest.mark.parametrize("person", CAST)
def test_every_page_is_marked_official_sensitive_top_and_bottom(person: str, request, as_user) -> None:
    page = as_user(request.getfixturevalue(person)).get(reverse("home")).content.decode()
    assert page.count("OFFICIAL-SENSITIVE") >= 2


def test_home_query_count_is_fixed(as_user, housing_lead, django_assert_max_num_queries) -> None:
    client = as_user(housing_lead)
    # session, user, the second-factor device, roles (groups), agency, and saving the session
    # (savepoint, update, release)
    with django_assert_max_num_queries(8):
        client.get(reverse("home"))


def test_home_says_who_leads_their_agency(as_user, housing_lead) -> None:
    assert "Agency lead" in as_user(housing_lead).get(reverse("home")).content.decode()


def test_navigation_marks_only_the_closest_section(rf, coordinator, police_referrer) -> None:
    from cmarac.web.navigation import nav_items_for

    request = rf.get("/referrals/mine/")
    request.user = police_referrer
    active = [item["label"] for item in nav_items_for(request) if item["active"]]
    assert active == ["My referrals"]
    request = rf.get("/cases/CM-2026-0001/")
    request.user = coordinator
    assert [item["label"] for item in nav_items_for(request) if item["active"]] == ["Cases"]
