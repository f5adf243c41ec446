"""Need to know: for every page that takes a case reference, every role gets exactly the answer it should.

"Not found" and "not yours" both answer 404, so references cannot be probed.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from cmarac.cases.models import Case
from cmarac.cases.services import case_close

pytestmark = pytest.mark.django_db

ROLES = ["coordinator", "co_chair", "housing_lead", "fire_lead", "police_referrer", "auditor", "administrator", None]

# url name -> expected GET status per role, in ROLES order (None = anonymous: sent to sign in).
#              coord co-chair involved uninvolved referrer auditor admin anon
MATRIX: dict[str, list[int]] = {
    "cases:detail": [200, 200, 200, 404, 404, 404, 404, 302],
    "cases:close": [200, 200, 403, 404, 404, 404, 404, 302],
    "cases:reopen": [200, 200, 403, 404, 404, 404, 404, 302],  # on a closed case
    "cases:subject-add": [200, 403, 403, 404, 404, 404, 404, 302],
    "cases:subject-edit": [200, 403, 403, 404, 404, 404, 404, 302],
    "cases:subject-remove": [200, 403, 403, 404, 404, 404, 404, 302],
    "actions:new": [200, 200, 403, 404, 404, 404, 404, 302],
    # Role-only pages (as /audit/): refused by role before the reference is looked at.
    "governance:retention_hold": [200, 403, 403, 403, 403, 200, 403, 302],
    "governance:retention_release": [405, 405, 405, 405, 405, 405, 405, 302],  # POST only
}
ROLE_ONLY_PAGES = {"governance:retention_hold", "governance:retention_release"}
NEEDS_CLOSED_CASE = {"cases:reopen"}
CLOSED_CASE_BLOCKS = {"cases:subject-add", "cases:subject-edit", "cases:subject-remove", "cases:close", "actions:new"}


def url_for(name: str, case: Case, reference: str | None = None) -> str:
    kwargs: dict[str, object] = {"reference": reference or case.reference}
    if name in ("cases:subject-edit", "cases:subject-remove"):
        kwargs["subject_id"] = case.subjects.order_by("pk").first().pk
    if name.startswith("governance:"):
        kwargs["kind"] = "case"
    return reverse(name, kwargs=kwargs)


CASES = [
    (name, role, status) for name, statuses in MATRIX.items() for role, status in zip(ROLES, statuses, strict=True)
]


@pytest.mark.parametrize(("name", "role", "status"), CASES)
def test_access_matrix(name: str, role: str | None, status: int, housing_case: Case, request, as_user) -> None:
    if name in NEEDS_CLOSED_CASE:
        case_close(case=housing_case, by=None, reason="Closed for this test")
    client = as_user(request.getfixturevalue(role) if role else None)
    response = client.get(url_for(name, housing_case))
    assert response.status_code == status


@pytest.mark.parametrize("name", sorted(MATRIX))
@pytest.mark.parametrize("role", ROLES[:-1])
def test_a_missing_reference_looks_the_same_as_someone_elses(name: str, role: str, housing_case, request, as_user):
    response = as_user(request.getfixturevalue(role)).get(url_for(name, housing_case, reference="CM-1999-9999"))
    refused_whatever_the_reference = MATRIX[name][ROLES.index(role)]
    if name in ROLE_ONLY_PAGES and refused_whatever_the_reference != 200:
        assert response.status_code == refused_whatever_the_reference
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("name", sorted(CLOSED_CASE_BLOCKS))
def test_closed_cases_cannot_be_edited(name: str, housing_case: Case, coordinator, as_user) -> None:
    case_close(case=housing_case, by=coordinator, reason="Closed for this test")
    assert as_user(coordinator).get(url_for(name, housing_case)).status_code == 403


@pytest.mark.parametrize("name", ["cases:close", "cases:subject-add"])
def test_posting_is_refused_like_getting(name: str, housing_case: Case, fire_lead, housing_lead, as_user) -> None:
    assert as_user(fire_lead).post(url_for(name, housing_case), {"reason": "x"}).status_code == 404
    assert as_user(housing_lead).post(url_for(name, housing_case), {"reason": "x"}).status_code == 403
    housing_case.refresh_from_db()
    assert housing_case.is_open


def test_a_subject_of_another_case_is_not_reachable_through_this_one(housing_case, fire_case, coordinator, as_user):
    other_subject = fire_case.subjects.first()
    url = reverse("cases:subject-edit", kwargs={"reference": housing_case.reference, "subject_id": other_subject.pk})
    assert as_user(coordinator).get(url).status_code == 404


def _patterns_taking_a_reference(resolver: URLResolver | None = None, namespace: str = "") -> set[str]:
    found: set[str] = set()
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found |= _patterns_taking_a_reference(entry, inner)
        elif isinstance(entry, URLPattern) and "reference" in entry.pattern.converters:
            found.add(f"{namespace}{entry.name}")
    return found


def test_every_page_taking_a_case_reference_is_in_the_matrix() -> None:
    assert _patterns_taking_a_reference() == set(MATRIX), "add the new page to MATRIX with a status for every role"


# Pages that take no reference, per role (same order as ROLES).
#                      coord co-chair involved uninvolved referrer auditor admin anon
PAGES: dict[str, list[int]] = {
    "home": [200, 200, 200, 200, 200, 200, 200, 302],
    "accessibility": [200, 200, 200, 200, 200, 200, 200, 200],
    "cases:list": [200, 200, 200, 200, 200, 200, 200, 302],
    "cases:create": [200, 403, 403, 403, 403, 403, 403, 302],
    "audit:trail": [200, 403, 403, 403, 403, 200, 403, 302],
    "audit:export": [200, 403, 403, 403, 403, 200, 403, 302],
    "actions:list": [200, 200, 200, 200, 403, 403, 403, 302],
    "actions:export": [200, 200, 200, 200, 403, 403, 403, 302],
    "meetings:list": [200, 200, 200, 200, 200, 200, 200, 302],
    "referrals:mine": [200, 200, 200, 200, 200, 200, 200, 302],  # their own, possibly none
    "referrals:list": [200, 200, 403, 403, 403, 403, 403, 302],
    "governance:retention_queue": [200, 403, 403, 403, 403, 200, 403, 302],
}


@pytest.mark.parametrize(
    ("name", "role", "status"),
    [(name, role, status) for name, statuses in PAGES.items() for role, status in zip(ROLES, statuses, strict=True)],
)
def test_page_access_by_role(name: str, role: str | None, status: int, request, as_user) -> None:
    client = as_user(request.getfixturevalue(role) if role else None)
    assert client.get(reverse(name)).status_code == status


def test_an_agencys_case_list_reaches_its_grants_without_joining_permissions(housing_lead, housing_case) -> None:
    """The grant is matched on the view_case permission's id: joins to auth_permission and
    django_content_type made the planner misjudge an agency's grants by orders of magnitude."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        references = list(Case.objects.visible_to(housing_lead).values_list("reference", flat=True))
    assert references == [housing_case.reference]
    sql = " ".join(query["sql"] for query in queries.captured_queries).lower()
    assert "auth_permission" not in sql
    assert "django_content_type" not in sql


@pytest.mark.parametrize("post", ["lead", "deputy"])
def test_the_agencys_lead_and_deputy_see_its_cases_whatever_their_roles(post: str, housing, housing_case) -> None:
    """As docs/using-the-service.md says: naming someone lead or deputy is enough; members need the member role."""
    from tests.factories.accounts import UserFactory

    named = UserFactory(agency=housing)  # no role at all
    setattr(housing, post, named)
    housing.save()
    assert list(Case.objects.visible_to(named)) == [housing_case]
    other = UserFactory(agency=housing)
    assert list(Case.objects.visible_to(other)) == []
    housing.is_active = False
    housing.save()
    named = type(named).objects.get(pk=named.pk)
    assert list(Case.objects.visible_to(named)) == []
