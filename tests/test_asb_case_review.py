"""ASB Case Review: the referrer's "Potential ASB Case Review" is carried into the case when the referral
is accepted; a co-chair sets or clears "threshold reached" with a reason kept in the timeline (and out of
the audit trail); the case list filters on both."""

from __future__ import annotations

import json

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cmarac.cases import services as case_services
from cmarac.cases.models import Case, CaseEvent, CaseSubject
from referrals import services as referral_services
from tests.factories.accounts import AgencyFactory, AgencyStaffFactory
from tests.factories.cases import CaseFactory, PersonFactory
from tests.referral_builders import submitted_referral

pytestmark = pytest.mark.django_db
REASON = "Quorndale-Whitlow: three qualifying complaints since June"
LIST = reverse("cases:list")


def asb_url(case: Case) -> str:
    return reverse("cases:asb-threshold", args=[case.reference])


def text(response) -> str:
    return response.content.decode()


# --- Carried from the referral -------------------------------------------------------------------


def _referral_with(referrer, issue_types):
    referral = submitted_referral(referrer)
    type(referral).objects.filter(pk=referral.pk).update(issue_types=issue_types)
    referral.refresh_from_db()
    return referral


def test_the_referrers_potential_asb_case_review_is_carried_into_a_new_case(
    police_referrer, coordinator, as_user
) -> None:
    referral = _referral_with(police_referrer, ["harassment", "asb-case-review"])
    case = referral_services.referral_accept(referral=referral, by=coordinator, revision=referral.revision)
    case.refresh_from_db()
    assert case.asb_case_review_potential is True
    assert case.asb_case_review_threshold_reached is False  # for the chairs to decide
    event = case.events.get(kind=CaseEvent.Kind.ASB_REVIEW_POTENTIAL)
    assert event.description == f"Referral {referral.reference}"
    page = text(as_user(coordinator).get(case.get_absolute_url()))
    assert "Potential ASB Case Review" in page
    assert "Yes: raised by the referrer" in page


def test_a_referral_without_it_leaves_the_case_without_it(police_referrer, coordinator) -> None:
    referral = _referral_with(police_referrer, ["harassment"])
    case = referral_services.referral_accept(referral=referral, by=coordinator, revision=referral.revision)
    case.refresh_from_db()
    assert case.asb_case_review_potential is False
    assert not case.events.filter(kind=CaseEvent.Kind.ASB_REVIEW_POTENTIAL).exists()


def test_a_referral_joining_a_case_carries_it_too(police_referrer, coordinator, housing_case) -> None:
    referral = _referral_with(police_referrer, ["asb-case-review"])
    referral_services.referral_accept(referral=referral, by=coordinator, join_case=housing_case)
    assert Case.objects.get(pk=housing_case.pk).asb_case_review_potential is True


# --- Who may set the flag ------------------------------------------------------------------------


@pytest.fixture
def housing_member(housing):
    return AgencyStaffFactory(email="member@housing.example", agency=housing)


@pytest.fixture
def other_member():
    return AgencyStaffFactory(email="member@elsewhere.example", agency=AgencyFactory(name="Elsewhere"))


# The housing case is led by housing and referred by the police. Those who cannot see it get 404
# ("missing" and "not yours" alike); those who see it but are not co-chairs get 403.
EXPECTED = {
    "co_chair": 200,
    "coordinator": 403,
    "housing_lead": 403,
    "housing_member": 403,
    "fire_lead": 404,
    "other_member": 404,
    "police_referrer": 404,
    "auditor": 404,
    "administrator": 404,
}


@pytest.mark.parametrize("person", [*sorted(EXPECTED), None])
def test_only_co_chairs_set_the_flag(person, housing_case, request, as_user) -> None:
    client = as_user(request.getfixturevalue(person) if person else None)
    response = client.get(asb_url(housing_case))
    posted = client.post(
        asb_url(housing_case),
        {"reason": REASON, "reaching": "yes", "last_seen": housing_case.updated_at.isoformat()},
    )
    if person is None:
        assert response["Location"].startswith(reverse("login"))
        assert posted["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == EXPECTED[person]
        assert posted.status_code == (302 if person == "co_chair" else EXPECTED[person])
    reached = Case.objects.get(pk=housing_case.pk).asb_case_review_threshold_reached
    assert reached is (person == "co_chair")


def test_only_the_co_chairs_case_page_offers_it(housing_case, co_chair, coordinator, housing_lead, as_user) -> None:
    assert asb_url(housing_case) in text(as_user(co_chair).get(housing_case.get_absolute_url()))
    assert asb_url(housing_case) not in text(as_user(coordinator).get(housing_case.get_absolute_url()))
    assert asb_url(housing_case) not in text(as_user(housing_lead).get(housing_case.get_absolute_url()))


def test_the_service_refuses_anyone_but_a_co_chair(housing_case, coordinator, housing_lead) -> None:
    for person in (coordinator, housing_lead):
        with pytest.raises(PermissionDenied):
            case_services.case_set_asb_threshold(case=housing_case, reached=True, reason=REASON, by=person)
    assert not Case.objects.get(pk=housing_case.pk).asb_case_review_threshold_reached


# --- Setting and clearing ------------------------------------------------------------------------


def test_setting_and_clearing_with_a_reason_shows_in_the_timeline_not_in_the_trail(
    housing_case, co_chair, housing_lead, as_user
) -> None:
    client = as_user(co_chair)
    form = client.get(asb_url(housing_case))
    assert "Mark the ASB Case Review threshold as reached" in text(form)
    last_seen = form.context["form"].initial["last_seen"]
    response = client.post(asb_url(housing_case), {"reason": REASON, "reaching": "yes", "last_seen": last_seen})
    assert response.status_code == 302
    case = Case.objects.get(pk=housing_case.pk)
    assert case.asb_case_review_threshold_reached is True
    event = case.events.get(kind=CaseEvent.Kind.ASB_THRESHOLD_REACHED)
    assert (event.description, event.actor) == (REASON, co_chair)
    # The timeline shows the reason to everyone who sees the case.
    page = text(as_user(housing_lead).get(case.get_absolute_url()))
    assert "ASB Case Review threshold reached" in page
    assert REASON in page

    client = as_user(co_chair)
    form = client.get(asb_url(case))
    assert "Clear the ASB Case Review threshold flag" in text(form)
    cleared = {"reason": "Two complaints withdrawn", "reaching": "no", "last_seen": case.updated_at.isoformat()}
    response = client.post(asb_url(case), cleared)
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.asb_case_review_threshold_reached is False
    assert case.events.get(kind=CaseEvent.Kind.ASB_THRESHOLD_CLEARED).description == "Two complaints withdrawn"

    trail = json.dumps([[entry.changes, entry.additional_data] for entry in LogEntry.objects.all()], default=str)
    assert "Quorndale" not in trail
    assert "withdrawn" not in trail
    assert "asb_case_review_threshold_reached" in trail  # the change itself is in the trail


def test_no_reason_or_a_stale_form_saves_nothing(housing_case, co_chair, as_user) -> None:
    client = as_user(co_chair)
    last_seen = housing_case.updated_at.isoformat()
    response = client.post(asb_url(housing_case), {"reason": " ", "reaching": "yes", "last_seen": last_seen})
    assert response.status_code == 200
    assert "govuk-error-summary" in text(response)
    assert "Enter why the threshold is reached" in text(response)
    case_services.case_close(case=housing_case, by=co_chair, reason="Resolved")  # someone changed the case meanwhile
    response = client.post(asb_url(housing_case), {"reason": REASON, "reaching": "yes", "last_seen": last_seen})
    assert response.status_code == 200
    assert "Someone else changed this case while you were editing" in text(response)
    assert REASON in text(response)  # what they typed is kept
    case = Case.objects.get(pk=housing_case.pk)
    assert case.asb_case_review_threshold_reached is False
    assert not case.events.filter(kind=CaseEvent.Kind.ASB_THRESHOLD_REACHED).exists()


def test_the_service_needs_a_reason_and_a_change(housing_case, co_chair) -> None:
    with pytest.raises(ValidationError):
        case_services.case_set_asb_threshold(case=housing_case, reached=True, reason="", by=co_chair)
    with pytest.raises(ValidationError):
        case_services.case_set_asb_threshold(case=housing_case, reached=False, reason=REASON, by=co_chair)
    assert not housing_case.events.filter(kind__startswith="asb-").exists()


# --- The case list -------------------------------------------------------------------------------


def _flagged_cases(housing, count: int) -> tuple[list[Case], list[Case], list[Case]]:
    def make(**flags) -> Case:
        case = CaseFactory(involve=[housing], subjects=[(PersonFactory(), CaseSubject.Role.VICTIM)])
        Case.objects.filter(pk=case.pk).update(**flags)
        return case

    potential = [make(asb_case_review_potential=True) for _ in range(count)]
    reached = [make(asb_case_review_threshold_reached=True) for _ in range(count)]
    plain = [make() for _ in range(count)]
    return potential, reached, plain


def references(response) -> set[str]:
    return {case.reference for case in response.context["cases"]}


@pytest.mark.parametrize("person", ["coordinator", "housing_lead"])
def test_the_case_list_filters_on_asb_case_review(person, housing, request, as_user) -> None:
    potential, reached, _ = _flagged_cases(housing, 2)
    client = as_user(request.getfixturevalue(person))
    address = client.post(LIST, {"asb_case_review": ["reached"]})["Location"]
    assert "asb_case_review=reached" in address
    assert references(client.get(address)) == {case.reference for case in reached}
    assert references(client.get(LIST, {"asb_case_review": "potential"})) == {c.reference for c in potential}
    both = client.get(LIST, {"asb_case_review": ["potential", "reached"]})
    assert references(both) == {case.reference for case in potential + reached}
    assert "Potential ASB Case Review" in text(both)
    assert len(client.get(LIST).context["cases"]) == 6


def test_the_filter_is_checked_against_its_choices(coordinator, as_user) -> None:
    response = as_user(coordinator).get(LIST, {"asb_case_review": "everything"})
    assert response.status_code == 200
    assert "govuk-error-summary" in text(response)


# session, user (with their agency), OTP device, role groups, agency choices for the filter, the
# case ids up to the count's bound (the count and the page at once), those cases (with lead agency
# and officer), their subjects with people, audit entry, session save (savepoint, update, release)
FILTERED_LIST_QUERIES = 12


@pytest.mark.parametrize("count", [1, 12])
def test_the_filtered_list_takes_the_same_queries_however_many_cases(
    count, housing, coordinator, as_user, django_assert_num_queries
) -> None:
    _flagged_cases(housing, count)
    client = as_user(coordinator)
    client.get(LIST)
    with django_assert_num_queries(FILTERED_LIST_QUERIES):
        response = client.get(LIST, {"asb_case_review": ["potential", "reached"]})
    assert len(response.context["cases"]) == 2 * count
