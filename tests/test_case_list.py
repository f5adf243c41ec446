"""The case list and search: filters in the URL, and never a case the person may not see."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cmarac.cases.models import Case, CaseSubject
from cmarac.cases.services import case_close, involve_agency, withdraw_agency
from tests.factories.cases import CaseFactory, HighRiskCaseFactory, PersonFactory
from tests.second_factor import verified_login

pytestmark = pytest.mark.django_db
LIST = reverse("cases:list")


def search(client, params: dict) -> object:
    """Search as the page does: post the form, follow the redirect to the filtered list."""
    return client.post(LIST, params, follow=True)


def references(response) -> set[str]:
    return {case.reference for case in response.context["cases"]}


def test_each_role_sees_exactly_its_cases(
    housing_case,
    fire_case,
    coordinator,
    co_chair,
    housing_lead,
    fire_lead,
    police_referrer,
    auditor,
    administrator,
    as_user,
) -> None:
    both = {housing_case.reference, fire_case.reference}
    assert references(as_user(coordinator).get(LIST)) == both
    assert references(as_user(co_chair).get(LIST)) == both
    assert references(as_user(housing_lead).get(LIST)) == {housing_case.reference}
    assert references(as_user(fire_lead).get(LIST)) == {fire_case.reference}
    for person in (police_referrer, auditor, administrator):
        assert references(as_user(person).get(LIST)) == set()


@pytest.mark.parametrize("term", ["Quillfeather", "quill", "Verity", "ZX9 4QT", "zx94qt", "ZX9", "Underhill", "Pax"])
def test_search_never_reveals_an_uninvolved_agencys_case(term: str, housing_case, fire_lead, co_chair, as_user):
    response = search(as_user(fire_lead), {"q": term, "status": "all"})
    assert response.status_code == 200
    assert references(response) == set()
    page = response.content.decode()
    assert housing_case.reference not in page
    # (the search box itself echoes the term, so look for what only the case would show)
    assert "Verity Quillfeather" not in page
    assert "Pax Underhill" not in page
    # The same search finds it for a co-chair.
    assert references(search(as_user(co_chair), {"q": term, "status": "all"})) == {housing_case.reference}


def test_search_by_reference_and_by_part_of_a_name(housing_case, fire_case, coordinator, as_user) -> None:
    client = as_user(coordinator)
    assert references(search(client, {"q": housing_case.reference})) == {housing_case.reference}
    assert references(search(client, {"q": "blackwat"})) == {fire_case.reference}
    assert references(search(client, {"q": "ZF1 2AB"})) == {fire_case.reference}
    assert references(search(client, {"q": "nobody-like-this"})) == set()


def test_filters_by_status_risk_and_lead_agency(housing_case, fire_case, housing, coordinator, as_user) -> None:
    high = HighRiskCaseFactory()
    closed = CaseFactory()
    case_close(case=closed, by=coordinator, reason="Resolved")
    client = as_user(coordinator)
    assert closed.reference not in references(client.get(LIST))  # open by default
    assert references(client.get(LIST, {"status": "closed"})) == {closed.reference}
    assert closed.reference in references(client.get(LIST, {"status": "all"}))
    assert references(client.get(LIST, {"risk_level": "high"})) == {high.reference}
    assert references(client.get(LIST, {"lead_agency": housing.pk})) == {housing_case.reference}


def test_only_cases_my_agency_leads(housing_case, housing, police, co_chair, housing_lead, as_user) -> None:
    other = CaseFactory(involve=[housing])
    assert references(as_user(housing_lead).get(LIST, {"led_by_my_agency": "on"})) == {housing_case.reference}
    assert other.reference in references(as_user(housing_lead).get(LIST))


def test_sorting_by_risk_puts_high_first(coordinator, as_user) -> None:
    CaseFactory(risk_level="standard")
    high = HighRiskCaseFactory()
    CaseFactory(risk_level="medium")
    cases = list(as_user(coordinator).get(LIST, {"sort": "risk"}).context["cases"])
    assert cases[0].pk == high.pk
    assert [c.risk_level for c in cases] == ["high", "medium", "standard"]


def test_filters_live_in_the_url_and_survive_paging(coordinator, as_user) -> None:
    for _ in range(27):
        CaseFactory(risk_level="high")
    response = as_user(coordinator).get(LIST, {"risk_level": "high", "sort": "reference"})
    assert response.context["page"].paginator.count == 27
    assert "risk_level=high" in response.context["query_string"]
    assert len(as_user(coordinator).get(LIST, {"risk_level": "high", "page": 2}).context["cases"]) == 2


def test_revoking_involvement_removes_access_at_once(housing_case, police, as_user) -> None:
    from tests.factories.accounts import AgencyStaffFactory

    officer = AgencyStaffFactory(agency=police)
    client = as_user(officer)
    assert client.get(housing_case.get_absolute_url()).status_code == 200
    withdraw_agency(case=housing_case, agency=police, reason="referred", source="test")
    assert client.get(housing_case.get_absolute_url()).status_code == 404
    assert references(client.get(LIST)) == set()
    involve_agency(case=housing_case, agency=police, reason="invited", source="agenda-item:1")
    assert client.get(housing_case.get_absolute_url()).status_code == 200


def test_agency_that_hides_cases_from_members_still_shows_its_lead(housing_case, housing, housing_lead, as_user):
    from tests.factories.accounts import AgencyStaffFactory

    member = AgencyStaffFactory(agency=housing)
    housing.members_see_cases = False
    housing.save()
    assert references(as_user(member).get(LIST)) == set()
    assert as_user(member).get(housing_case.get_absolute_url()).status_code == 404
    assert references(as_user(housing_lead).get(LIST)) == {housing_case.reference}


def _make_cases(count: int, housing) -> None:
    for _ in range(count):
        CaseFactory(
            involve=[housing],
            subjects=[(PersonFactory(), CaseSubject.Role.VICTIM), (PersonFactory(), CaseSubject.Role.WITNESS)],
        )


# session, user (with their agency), OTP device, role groups, agency choices for the filter, then
# - the list: the case ids up to the count's bound (the count and the page at once), the page's cases;
# - a search: the matching ids (for the count and the page at once), the page's cases;
# their subjects with people, audit entry, session save (savepoint, update, release).
CASE_LIST_QUERIES = {"list": 12, "search": 12}


@pytest.mark.parametrize("person", ["coordinator", "housing_lead"])
@pytest.mark.parametrize("total", [5, 50])
@pytest.mark.parametrize("kind", ["list", "search"])
def test_case_list_query_count_does_not_grow(
    kind, person, total, housing, request, as_user, django_assert_num_queries
) -> None:
    client = as_user(request.getfixturevalue(person))
    _make_cases(total, housing)
    client.get(LIST)  # warm the content-type cache
    address = client.post(LIST, {"q": "Given"})["Location"] if kind == "search" else LIST
    with django_assert_num_queries(CASE_LIST_QUERIES[kind]):
        response = client.get(address)
    assert response.status_code == 200
    assert len(response.context["cases"]) == min(total, 25)


# session, user (with their agency), OTP device, role groups, the case (with lead agency, officer, creator), audit entry
# (content type cached), involvements with agencies, subjects with people, events with actors,
# risk history, lead history, actions (with case, owner, officer, item) and their updates (only
# when there are actions: none here), session save (savepoint, update, release)
CASE_PAGE_QUERIES = 15


@pytest.mark.parametrize("extra_subjects", [0, 20])
def test_case_page_query_count_does_not_grow(
    extra_subjects, housing_case, coordinator, as_user, django_assert_num_queries
) -> None:
    from cmarac.cases.services import subject_add

    for _ in range(extra_subjects):
        subject_add(case=housing_case, person=PersonFactory(), role="witness", by=coordinator)
    client = as_user(coordinator)
    client.get(housing_case.get_absolute_url())
    with django_assert_num_queries(CASE_PAGE_QUERIES):
        client.get(housing_case.get_absolute_url())


def test_case_list_is_audited_with_the_references_shown(housing_case, fire_lead, housing_lead, as_user) -> None:
    from auditlog.models import LogEntry

    search(as_user(housing_lead), {"q": "Quill"})
    entry = LogEntry.objects.filter(actor=housing_lead, action=LogEntry.Action.ACCESS).latest("pk")
    assert entry.changes["shown"] == [housing_case.reference]
    assert entry.changes["criteria"]["q"] == "(not recorded)"  # that a search was made, never the text


def test_a_closed_case_is_listed_under_closed(housing_case, housing_lead, coordinator, as_user) -> None:
    case_close(case=housing_case, by=coordinator, reason="Done")
    assert references(as_user(housing_lead).get(LIST, {"status": "closed"})) == {housing_case.reference}
    assert Case.objects.get(pk=housing_case.pk).status == "closed"


def test_search_text_never_appears_in_an_address(housing_case, coordinator, as_user) -> None:
    client = as_user(coordinator)
    response = client.post(LIST, {"q": "Quillfeather", "status": "all", "risk_level": ["medium"]})
    address = response["Location"]
    assert "Quillfeather" not in address
    assert "status=all" in address
    assert "risk_level=medium" in address
    page = client.get(address)
    assert references(page) == {housing_case.reference}
    assert "Quillfeather" not in page.context["query_string"]
    # A name typed into the address is ignored rather than searched for.
    assert references(client.get(LIST, {"q": "nobody-like-this", "status": "all"})) == {housing_case.reference}


def test_another_persons_search_token_finds_nothing(housing_case, coordinator, co_chair, as_user) -> None:
    address = as_user(coordinator).post(LIST, {"q": "Quillfeather"})["Location"]
    from django.test import Client

    other = Client()
    verified_login(other, co_chair)
    response = other.get(address)
    assert response.context["form"]["q"].value() in (None, "")
