"""The header's navigation is one short row for every role: the administration pages are gathered
on one "Manage" page, which lists only what the person may use."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cmarac.web.navigation import MANAGE_TITLES, nav_items_for
from tests.conftest import CAST

pytestmark = pytest.mark.django_db

MANAGE = reverse("manage-hub")
# Who gets the Manage page, and what it offers them.
OFFERED = {
    "coordinator": {
        "Manage agencies and users",
        "Manage risk checklists",
        "Audit trail",
        "Retention review",
        "Information sharing agreements",
        "Second factors",
    },
    "co_chair": {"Manage agencies and users"},
    "auditor": {"Audit trail", "Retention review", "Subject access requests", "Information sharing agreements"},
    "administrator": {"Service configuration"},
}


@pytest.mark.parametrize("person", [*CAST, None])
def test_the_manage_page_by_role(person, request, as_user) -> None:
    client = as_user(request.getfixturevalue(person) if person else None)
    response = client.get(MANAGE)
    if person is None:
        assert response.status_code == 302  # to sign in
        return
    if person not in OFFERED:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    titles = {link["title"] for link in response.context["links"]}
    assert titles == OFFERED[person]
    assert "<title>Manage" in response.content.decode()


@pytest.mark.parametrize("person", CAST)
def test_the_header_is_short_and_links_manage_instead_of_each_page(person, request, rf) -> None:
    user = request.getfixturevalue(person)
    http = rf.get("/")
    http.user = user
    labels = [item["label"] for item in nav_items_for(http)]
    assert len(labels) <= 7
    assert not set(labels) & {*MANAGE_TITLES, "Audit trail", "Retention", "Subject access", "Configuration"}
    assert ("Manage" in labels) is (person in OFFERED)


@pytest.mark.parametrize("path", ["/manage/", "/audit/", "/governance/retention/", "/manage/people/3/"])
def test_manage_is_current_on_the_pages_it_links_to(path, rf, coordinator) -> None:
    http = rf.get(path)
    http.user = coordinator
    assert [item["label"] for item in nav_items_for(http) if item["active"]] == ["Manage"]


def test_the_manage_page_costs_a_fixed_number_of_queries(coordinator, as_user, django_assert_max_num_queries):
    client = as_user(coordinator)
    client.get(MANAGE)
    # session, user, the second-factor device, roles (groups), agency, and saving the session
    with django_assert_max_num_queries(8):
        client.get(MANAGE)
