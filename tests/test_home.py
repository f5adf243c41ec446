"""The home page and "Your account": the account page names the person's roles and agency; the home
page links only to what exists (its work queues are tested in test_home_work.py)."""

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
def test_account_page_names_the_role(person: str, request, as_user) -> None:
    user = request.getfixturevalue(person)
    response = as_user(user).get(reverse("account"))
    assert response.status_code == 200
    page = response.content.decode()
    assert EXPECTED_ROLE_LABEL[person] in page
    assert user.full_name in page
    assert user.email in page
    assert reverse("password-change") in page
    assert reverse("second_factor:account") in page


@pytest.mark.parametrize("person", CAST)
def test_home_links_admin_for_staff_only_and_the_account_page(person: str, request, as_user) -> None:
    user = request.getfixturevalue(person)
    response = as_user(user).get(reverse("home"))
    assert response.status_code == 200
    page = response.content.decode()
    assert (reverse("admin:index") in page) is (person in STAFF)
    assert f'href="{reverse("account")}"' in page  # in the header and on the page
    assert "Your role" not in page  # the work, not a description of the role
    assert "Email address" not in page  # the account details moved to their own page


def test_account_page_needs_signing_in(client) -> None:
    response = client.get(reverse("account"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("person", CAST)
def test_every_page_is_marked_official_sensitive_top_and_bottom(person: str, request, as_user) -> None:
    page = as_user(request.getfixturevalue(person)).get(reverse("home")).content.decode()
    assert page.count("OFFICIAL-SENSITIVE") >= 2


def test_account_page_query_count_is_fixed(as_user, housing_lead, django_assert_max_num_queries) -> None:
    client = as_user(housing_lead)
    # session, user, the second-factor device, roles (groups), agency, and saving the session
    # (savepoint, update, release)
    with django_assert_max_num_queries(8):
        client.get(reverse("account"))


def test_home_and_account_say_who_leads_their_agency(as_user, housing_lead) -> None:
    assert "Agency lead, Council Housing" in as_user(housing_lead).get(reverse("home")).content.decode()
    assert "Agency lead" in as_user(housing_lead).get(reverse("account")).content.decode()


def test_navigation_marks_only_the_closest_section(rf, coordinator, police_referrer) -> None:
    from cmarac.web.navigation import nav_items_for

    request = rf.get("/referrals/mine/")
    request.user = police_referrer
    active = [item["label"] for item in nav_items_for(request) if item["active"]]
    assert active == ["My referrals"]
    request = rf.get("/cases/CM-2026-0001/")
    request.user = coordinator
    assert [item["label"] for item in nav_items_for(request) if item["active"]] == ["Cases"]
