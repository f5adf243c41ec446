"""Manage agencies and users: pages of the service for co-chairs and coordinators (ADR 14)."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.core import mail
from django.test import Client
from django.urls import reverse

from cmarac.accounts.models import AgencyMembershipChange, RoleGrant, User, UserSession
from cmarac.accounts.roles import Role
from tests.conftest import CAST
from tests.factories.accounts import AgencyStaffFactory, PendingRoleGrantFactory, UserFactory
from tests.second_factor import verified_login

pytestmark = pytest.mark.django_db

GRANTERS = {"coordinator", "co_chair"}
COORDINATORS = {"coordinator"}


@pytest.fixture
def pages(housing, housing_lead, police_referrer):
    """Each page's address and who may open it."""
    grant = PendingRoleGrantFactory(person=AgencyStaffFactory(agency=housing))
    inactive = UserFactory(agency=housing, is_active=False)
    return [
        (reverse("manage:people"), GRANTERS),
        (reverse("manage:person", args=[housing_lead.pk]), GRANTERS),
        (reverse("manage:role-propose", args=[housing_lead.pk]), GRANTERS),
        (reverse("manage:role-requests"), GRANTERS),
        (reverse("manage:role-decide", args=[grant.pk]), GRANTERS),
        (reverse("manage:agency-moves"), GRANTERS),
        (reverse("manage:agencies"), GRANTERS),
        (reverse("manage:agency", args=[housing.pk]), GRANTERS),
        (reverse("manage:person-invite"), COORDINATORS),
        (reverse("manage:person-edit", args=[housing_lead.pk]), COORDINATORS),
        (reverse("manage:person-deactivate", args=[housing_lead.pk]), COORDINATORS),
        (reverse("manage:person-reactivate", args=[inactive.pk]), COORDINATORS),
        (reverse("manage:role-remove", args=[police_referrer.pk, Role.REFERRER.value]), COORDINATORS),
        (reverse("manage:agency-add"), COORDINATORS),
        (reverse("manage:agency-edit", args=[housing.pk]), COORDINATORS),
    ]


@pytest.mark.parametrize("person", CAST)
def test_every_page_is_for_co_chairs_and_coordinators_only(person: str, request, pages, as_user) -> None:
    client = as_user(request.getfixturevalue(person))
    for url, allowed in pages:
        response = client.get(url)
        assert response.status_code == (200 if person in allowed else 403), url
        if response.status_code == 200:
            assert response.content.decode().count("OFFICIAL-SENSITIVE") >= 2, url


def test_signed_out_people_are_sent_to_sign_in(client: Client, pages) -> None:
    for url, _ in pages:
        assert client.get(url).status_code == 302, url


@pytest.mark.parametrize("url_name", ["manage:person", "manage:person-edit", "manage:agency", "manage:role-decide"])
def test_missing_records_answer_404(url_name: str, as_user, coordinator) -> None:
    assert as_user(coordinator).get(reverse(url_name, args=[999999])).status_code == 404


@pytest.mark.parametrize(
    "query", ["agency=abc", "role=nonsense", "status=everyone", "agency=99999", "agency=%00", "page=zzz&role="]
)
def test_malformed_filters_answer_400_never_500(query: str, as_user, coordinator) -> None:
    response = as_user(coordinator).get(f"{reverse('manage:people')}?{query}")
    assert response.status_code in (200, 400)
    if "page" not in query:
        assert response.status_code == 400
    if "page" not in query and "%00" not in query:  # a NUL is refused before the view, as everywhere
        assert "There is a problem" in response.content.decode()


def test_an_unknown_role_to_remove_is_404(as_user, coordinator, police_referrer) -> None:
    assert as_user(coordinator).get(f"/manage/people/{police_referrer.pk}/roles/wizard/remove/").status_code == 404


def test_the_people_list_filters_by_agency_and_role(as_user, coordinator, co_chair, housing_lead, police) -> None:
    def listed(person: User, page: str) -> bool:
        return f'href="{reverse("manage:person", args=[person.pk])}"' in page

    page = as_user(coordinator).get(reverse("manage:people"), {"agency": police.pk}).content.decode()
    assert listed(co_chair, page)
    assert not listed(housing_lead, page)
    page = as_user(coordinator).get(reverse("manage:people"), {"role": Role.CO_CHAIR.value}).content.decode()
    assert listed(co_chair, page)
    assert not listed(coordinator, page)


def test_the_people_list_query_count_does_not_grow(as_user, coordinator, housing, django_assert_num_queries) -> None:
    client = as_user(coordinator)
    client.get(reverse("manage:people"))  # the session is created
    # session, user (with their agency, for the header), the second factor's device, user's roles,
    # count, page of people with agencies, their role groups, the agency filter's choices,
    # and saving the session (savepoint, update, release)
    UserFactory.create_batch(2, agency=housing, roles=[Role.REFERRER])
    with django_assert_num_queries(11):
        client.get(reverse("manage:people"))
    UserFactory.create_batch(15, agency=housing, roles=[Role.REFERRER, Role.AGENCY_MEMBER])
    with django_assert_num_queries(11):
        client.get(reverse("manage:people"))


# --- Roles through the approval rule ------------------------------------------------------------


def test_one_proposes_and_another_approves_through_the_pages(client, coordinator, co_chair, housing_lead) -> None:
    verified_login(client, coordinator)
    response = client.post(reverse("manage:role-propose", args=[housing_lead.pk]), {"role": "co-chair", "reason": ""})
    assert response.status_code == 302
    grant = RoleGrant.objects.get(person=housing_lead, role=Role.CO_CHAIR)
    assert grant.outcome == RoleGrant.Outcome.PENDING
    # The proposer cannot approve it.
    response = client.post(reverse("manage:role-decide", args=[grant.pk]), {"decision": "approve"})
    assert response.status_code == 200
    assert "Another co-chair or coordinator must approve" in response.content.decode()
    assert not User.objects.get(pk=housing_lead.pk).has_role(Role.CO_CHAIR)

    verified_login(client, co_chair)
    assert housing_lead.full_name in client.get(reverse("manage:role-requests")).content.decode()
    response = client.post(reverse("manage:role-decide", args=[grant.pk]), {"decision": "approve"})
    assert response.status_code == 302
    assert User.objects.get(pk=housing_lead.pk).has_role(Role.CO_CHAIR)


def test_co_chairs_are_offered_only_the_roles_that_need_approval(as_user, co_chair, coordinator, auditor) -> None:
    url = reverse("manage:role-propose", args=[auditor.pk])
    page = as_user(co_chair).get(url).content.decode()
    assert 'value="co-chair"' in page
    assert 'value="referrer"' not in page
    assert 'value="auditor"' not in page  # already held
    assert 'value="referrer"' in as_user(coordinator).get(url).content.decode()


def test_a_coordinator_cannot_name_themselves_lead(as_user, coordinator, community_safety) -> None:
    response = as_user(coordinator).post(
        reverse("manage:agency-edit", args=[community_safety.pk]), _agency_form(community_safety, lead=coordinator.pk)
    )
    assert response.status_code == 200
    assert "when it is you" in response.content.decode()
    community_safety.refresh_from_db()
    assert community_safety.lead_id is None


def test_a_rejection_needs_a_reason(as_user, co_chair) -> None:
    grant = PendingRoleGrantFactory()
    response = as_user(co_chair).post(reverse("manage:role-decide", args=[grant.pk]), {"decision": "reject"})
    assert response.status_code == 200
    assert "Enter why the role is not being given" in response.content.decode()
    grant.refresh_from_db()
    assert grant.outcome == RoleGrant.Outcome.PENDING


def test_nobody_gives_themselves_a_role_through_the_pages(as_user, coordinator) -> None:
    response = as_user(coordinator).post(reverse("manage:role-propose", args=[coordinator.pk]), {"role": "co-chair"})
    assert response.status_code == 200
    assert "You cannot give yourself a role" in response.content.decode()
    assert not RoleGrant.objects.filter(person=coordinator, proposed_by=coordinator).exists()


@pytest.mark.parametrize("person", ["administrator", "auditor", "housing_lead"])
def test_others_can_neither_propose_nor_approve(person: str, request, as_user, fire_lead) -> None:
    someone = request.getfixturevalue(person)
    client = as_user(someone)
    grant = PendingRoleGrantFactory(person=fire_lead)
    assert client.post(reverse("manage:role-propose", args=[someone.pk]), {"role": "co-chair"}).status_code == 403
    assert client.post(reverse("manage:role-decide", args=[grant.pk]), {"decision": "approve"}).status_code == 403
    grant.refresh_from_db()
    assert grant.outcome == RoleGrant.Outcome.PENDING
    assert not User.objects.get(pk=someone.pk).has_role(Role.CO_CHAIR)


def test_a_coordinator_removes_a_role_and_it_is_audited(as_user, coordinator, police_referrer) -> None:
    response = as_user(coordinator).post(reverse("manage:role-remove", args=[police_referrer.pk, "referrer"]))
    assert response.status_code == 302
    assert not User.objects.get(pk=police_referrer.pk).has_role(Role.REFERRER)
    assert (
        LogEntry.objects.get_for_object(police_referrer).filter(actor=coordinator, changes__has_key="groups").exists()
    )


# --- People ---------------------------------------------------------------------------------------


def test_inviting_a_person_emails_a_link_and_nothing_else(
    as_user, coordinator, housing, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(coordinator).post(
            reverse("manage:person-invite"),
            {
                "email": "New.Starter@Housing.example",
                "full_name": "Nova Starter",
                "job_title": "",
                "agency": housing.pk,
            },
        )
    assert response.status_code == 302
    person = User.objects.get(email="new.starter@housing.example")
    assert not person.has_usable_password()
    assert person.roles == frozenset()
    assert AgencyMembershipChange.objects.filter(person=person, to_agency=housing, changed_by=coordinator).exists()
    (email,) = mail.outbox
    assert email.to == ["new.starter@housing.example"]
    assert "Nova" not in email.body + email.subject
    assert "Housing" not in email.body
    assert "/reset/" in email.body
    assert LogEntry.objects.get_for_object(person).filter(changes__account__event="Invitation sent").exists()


def test_an_invitation_for_a_taken_email_is_refused(as_user, coordinator, co_chair) -> None:
    response = as_user(coordinator).post(
        reverse("manage:person-invite"), {"email": co_chair.email.upper(), "full_name": "Someone Else"}
    )
    assert response.status_code == 200
    assert "already has an account" in response.content.decode()
    assert User.objects.filter(email__iexact=co_chair.email).count() == 1


def test_bad_input_shows_the_error_summary_and_saves_nothing(as_user, coordinator) -> None:
    response = as_user(coordinator).post(reverse("manage:person-invite"), {"email": "not-an-email", "full_name": ""})
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "<title>Error: " in page
    assert not User.objects.filter(email="not-an-email").exists()


def test_moving_a_person_changes_their_access_at_once_and_the_co_chairs_see_it(
    client, coordinator, co_chair, housing_lead, fire
) -> None:
    housing = housing_lead.agency
    verified_login(client, coordinator)
    response = client.post(
        reverse("manage:person-edit", args=[housing_lead.pk]),
        {"full_name": housing_lead.full_name, "job_title": "", "phone": "", "agency": fire.pk, "revision": 0},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    person = User.objects.get(pk=housing_lead.pk)
    assert person.groups.filter(pk=fire.group_id).exists()
    assert not person.groups.filter(pk=housing.group_id).exists()
    housing.refresh_from_db()
    assert housing.lead_id is None  # leaving the agency ends the lead post there
    verified_login(client, co_chair)
    page = client.get(reverse("manage:agency-moves")).content.decode()
    assert housing_lead.full_name in page
    assert "Fire Brigade" in page


def test_a_stale_edit_is_refused_and_keeps_what_was_typed(as_user, coordinator, housing_lead) -> None:
    client = as_user(coordinator)
    url = reverse("manage:person-edit", args=[housing_lead.pk])
    form = {"full_name": "First Edit", "job_title": "", "phone": "", "agency": housing_lead.agency_id, "revision": 0}
    assert client.post(url, form).status_code == 302
    response = client.post(url, {**form, "full_name": "Second Edit", "job_title": "Manager"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Someone else changed these details" in page
    assert "Second Edit" in page
    assert User.objects.get(pk=housing_lead.pk).full_name == "First Edit"


def test_nobody_changes_their_own_agency(as_user, coordinator, fire) -> None:
    response = as_user(coordinator).post(
        reverse("manage:person-edit", args=[coordinator.pk]),
        {"full_name": coordinator.full_name, "agency": fire.pk, "revision": coordinator.revision},
    )
    assert response.status_code == 200
    assert "You cannot change your own agency" in response.content.decode()
    assert User.objects.get(pk=coordinator.pk).agency_id != fire.pk


def test_deactivating_ends_their_sessions_at_once(coordinator, housing_lead) -> None:
    theirs, ours = Client(), Client()
    verified_login(theirs, housing_lead)
    assert theirs.get(reverse("home")).status_code == 200
    verified_login(ours, coordinator)
    before = UserSession.objects.count()
    response = ours.post(reverse("manage:person-deactivate", args=[housing_lead.pk]), {"revision": 0})
    assert response.status_code == 302
    assert UserSession.objects.count() == before - 1
    assert theirs.get(reverse("home")).status_code == 302  # back to sign in
    person = User.objects.get(pk=housing_lead.pk)
    assert not person.is_active
    entries = LogEntry.objects.get_for_object(person)
    assert entries.filter(changes__is_active__isnull=False).exists()
    assert entries.filter(changes__account__event="Sessions ended").exists()


def test_nobody_deactivates_themselves(as_user, coordinator) -> None:
    response = as_user(coordinator).post(reverse("manage:person-deactivate", args=[coordinator.pk]), {"revision": 0})
    assert response.status_code == 200
    assert "You cannot deactivate your own account" in response.content.decode()
    assert User.objects.get(pk=coordinator.pk).is_active


def test_staff_send_a_reset_link_never_a_password(
    as_user, coordinator, housing_lead, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(coordinator).post(reverse("manage:person-reset-link", args=[housing_lead.pk]))
    assert response.status_code == 302
    (email,) = mail.outbox
    assert email.to == [housing_lead.email]
    assert housing_lead.full_name not in email.body
    assert User.objects.get(pk=housing_lead.pk).password == housing_lead.password
    assert (
        LogEntry.objects.get_for_object(housing_lead)
        .filter(changes__account__event="Password reset link sent")
        .exists()
    )


def test_the_person_page_has_a_place_for_more_account_actions(as_user, coordinator, housing_lead) -> None:
    page = as_user(coordinator).get(reverse("manage:person", args=[housing_lead.pk])).content.decode()
    assert "Send a password reset link" in page
    assert "<title>Person " in page  # no name in the page title


# --- Agencies -------------------------------------------------------------------------------------


def _agency_form(agency, **changes):
    form = {
        "name": agency.name,
        "short_name": agency.short_name,
        "kind": agency.kind,
        "membership": agency.membership,
        "contact_email": "",
        "members_see_cases": "on",
        "is_active": "on",
        "lead": agency.lead_id or "",
        "deputy": agency.deputy_id or "",
        "revision": agency.revision,
    }
    return {**form, **changes}


def test_a_coordinator_names_a_deputy_and_the_trail_has_it(as_user, coordinator, housing, housing_lead) -> None:
    deputy = AgencyStaffFactory(agency=housing)
    housing.refresh_from_db()
    response = as_user(coordinator).post(
        reverse("manage:agency-edit", args=[housing.pk]), _agency_form(housing, deputy=deputy.pk)
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    housing.refresh_from_db()
    assert housing.deputy_id == deputy.pk
    assert housing.revision == 1
    assert LogEntry.objects.get_for_object(housing).filter(changes__has_key="deputy").exists()


def test_a_lead_must_belong_to_the_agency(as_user, coordinator, housing, fire_lead) -> None:
    housing.refresh_from_db()
    response = as_user(coordinator).post(
        reverse("manage:agency-edit", args=[housing.pk]), _agency_form(housing, lead=fire_lead.pk)
    )
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    housing.refresh_from_db()
    assert housing.lead_id != fire_lead.pk


def test_a_stale_agency_edit_is_refused(as_user, coordinator, housing) -> None:
    client = as_user(coordinator)
    url = reverse("manage:agency-edit", args=[housing.pk])
    assert client.post(url, _agency_form(housing, name="Housing One")).status_code == 302
    response = client.post(url, _agency_form(housing, name="Housing Two"))
    assert response.status_code == 200
    assert "Someone else changed these details" in response.content.decode()
    housing.refresh_from_db()
    assert housing.name == "Housing One"


def test_adding_an_agency_creates_its_group(as_user, coordinator) -> None:
    response = as_user(coordinator).post(
        reverse("manage:agency-add"),
        {"name": "Probation Service", "short_name": "probation", "kind": "probation", "membership": "flexible"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    from cmarac.accounts.models import Agency

    assert Agency.objects.get(short_name="probation").group.name == "Agency: probation"


# --- Navigation -----------------------------------------------------------------------------------


@pytest.mark.parametrize("person", CAST)
def test_navigation_sends_coordinators_and_co_chairs_to_the_service_pages(person: str, request, as_user) -> None:
    page = as_user(request.getfixturevalue(person)).get(reverse("home")).content.decode()
    assert (reverse("manage:people") in page) is (person in GRANTERS)
    assert ("Service configuration" in page) is (person == "administrator")


def test_a_coordinator_records_the_sharing_agreement_dates_in_the_service(as_user, coordinator, housing) -> None:
    from datetime import date

    client = as_user(coordinator)
    edit = reverse("manage:agency-edit", args=[housing.pk])
    shown = client.get(edit).content.decode()
    assert 'name="sharing_agreement_signed_on_day"' in shown
    dates = {
        "sharing_agreement_signed_on_day": "3",
        "sharing_agreement_signed_on_month": "2",
        "sharing_agreement_signed_on_year": "2026",
        "confidentiality_statement_signed_on_day": "3",
        "confidentiality_statement_signed_on_month": "2",
        "confidentiality_statement_signed_on_year": "2026",
        "sharing_agreement_renew_by_day": "3",
        "sharing_agreement_renew_by_month": "2",
        "sharing_agreement_renew_by_year": "2027",
    }
    response = client.post(edit, _agency_form(housing, **dates))
    assert response.status_code == 302, response.content.decode()[:2000]
    housing.refresh_from_db()
    assert housing.sharing_agreement_signed_on == date(2026, 2, 3)
    assert housing.confidentiality_statement_signed_on == date(2026, 2, 3)
    assert housing.sharing_agreement_renew_by == date(2027, 2, 3)
    assert "3 February 2027" in client.get(reverse("manage:agency", args=[housing.pk])).content.decode()
    assert LogEntry.objects.get_for_object(housing).filter(changes__has_key="sharing_agreement_renew_by").exists()

    # A signature in the future is refused, with the GOV.UK message, and nothing changes.
    bad = {**dates, "sharing_agreement_signed_on_year": "2099"}
    response = client.post(edit, _agency_form(housing, **bad))
    assert response.status_code == 200
    assert "must be today or in the past" in response.content.decode()
    housing.refresh_from_db()
    assert housing.sharing_agreement_signed_on == date(2026, 2, 3)
