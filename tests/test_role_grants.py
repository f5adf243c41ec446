"""Who can grant access (ADR 14): a second person for roles that see cases, nobody for themselves,
a guard on the groups whatever the route, and everything in the audit trail."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import Group
from django.db import transaction

from cmarac.accounts.guard import RoleGrantRequired
from cmarac.accounts.models import RoleGrant, User
from cmarac.accounts.roles import ROLES_NEEDING_APPROVAL, Role
from cmarac.accounts.services import (
    RoleChangeRefused,
    role_grant_approve,
    role_grant_propose,
    role_grant_reject,
    role_revoke,
)
from tests.factories.accounts import (
    AgencyStaffFactory,
    CoChairFactory,
    CoordinatorFactory,
    PendingRoleGrantFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _fresh(person: User) -> User:
    return User.objects.get(pk=person.pk)


def _group_entries(person: User) -> list[dict]:
    entries = LogEntry.objects.get_for_object(person).order_by("pk")
    return [entry.changes["groups"] for entry in entries if "groups" in (entry.changes or {})]


@pytest.mark.parametrize("role", sorted(ROLES_NEEDING_APPROVAL))
def test_a_role_that_needs_approval_waits_for_a_second_person(role: Role, coordinator, co_chair, housing_lead) -> None:
    grant = role_grant_propose(person=housing_lead, role=role, by=coordinator, reason="Joins the panel")
    assert grant.outcome == RoleGrant.Outcome.PENDING
    assert role not in _fresh(housing_lead).roles

    role_grant_approve(grant=grant, by=co_chair)
    grant.refresh_from_db()
    assert grant.outcome == RoleGrant.Outcome.APPROVED
    assert grant.decided_by == co_chair
    assert role in _fresh(housing_lead).roles


def test_the_proposer_cannot_approve_their_own_proposal(coordinator, housing_lead) -> None:
    grant = role_grant_propose(person=housing_lead, role=Role.CO_CHAIR, by=coordinator)
    with pytest.raises(RoleChangeRefused, match="Another co-chair or coordinator"):
        role_grant_approve(grant=grant, by=coordinator)
    assert Role.CO_CHAIR not in _fresh(housing_lead).roles


@pytest.mark.parametrize("role", list(Role))
def test_nobody_proposes_a_role_for_themselves(role: Role, coordinator) -> None:
    with pytest.raises(RoleChangeRefused, match="yourself"):
        role_grant_propose(person=coordinator, role=role, by=coordinator)
    assert not RoleGrant.objects.filter(person=coordinator, proposed_by=coordinator).exists()


def test_nobody_approves_a_role_for_themselves(coordinator, co_chair) -> None:
    grant = role_grant_propose(person=co_chair, role=Role.COORDINATOR, by=coordinator)
    with pytest.raises(RoleChangeRefused, match="yourself"):
        role_grant_approve(grant=grant, by=co_chair)
    assert Role.COORDINATOR not in _fresh(co_chair).roles


@pytest.mark.parametrize("person", ["administrator", "auditor", "housing_lead", "police_referrer"])
def test_only_co_chairs_and_coordinators_propose_or_approve(person: str, request, coordinator, fire_lead) -> None:
    someone = request.getfixturevalue(person)
    with pytest.raises(RoleChangeRefused, match="Only co-chairs and coordinators"):
        role_grant_propose(person=fire_lead, role=Role.CO_CHAIR, by=someone)
    grant = role_grant_propose(person=fire_lead, role=Role.CO_CHAIR, by=coordinator)
    with pytest.raises(RoleChangeRefused, match="Only co-chairs and coordinators"):
        role_grant_approve(grant=grant, by=someone)
    assert Role.CO_CHAIR not in _fresh(fire_lead).roles


def test_a_coordinator_gives_agency_roles_at_once(coordinator, auditor) -> None:
    grant = role_grant_propose(person=auditor, role=Role.REFERRER, by=coordinator)
    assert grant.outcome == RoleGrant.Outcome.APPROVED
    assert grant.decided_by == coordinator
    assert Role.REFERRER in _fresh(auditor).roles


def test_a_co_chair_cannot_give_agency_roles_alone(co_chair, auditor) -> None:
    with pytest.raises(RoleChangeRefused, match="Only a coordinator"):
        role_grant_propose(person=auditor, role=Role.AGENCY_MEMBER, by=co_chair)
    assert Role.AGENCY_MEMBER not in _fresh(auditor).roles


def test_a_rejected_request_gives_nothing_and_keeps_the_reason(coordinator, co_chair, housing_lead) -> None:
    grant = role_grant_propose(person=housing_lead, role=Role.AUDITOR, by=coordinator)
    with pytest.raises(RoleChangeRefused, match="Enter why"):
        role_grant_reject(grant=grant, by=co_chair, reason=" ")
    role_grant_reject(grant=grant, by=co_chair, reason="Not the data protection officer")
    grant.refresh_from_db()
    assert grant.outcome == RoleGrant.Outcome.REJECTED
    assert Role.AUDITOR not in _fresh(housing_lead).roles
    with pytest.raises(RoleChangeRefused, match="already been decided"):
        role_grant_approve(grant=grant, by=co_chair)


def test_one_pending_request_per_person_and_role(coordinator, housing_lead) -> None:
    role_grant_propose(person=housing_lead, role=Role.CO_CHAIR, by=coordinator)
    with pytest.raises(RoleChangeRefused, match="already been proposed"):
        role_grant_propose(person=housing_lead, role=Role.CO_CHAIR, by=CoChairFactory())


def test_removing_a_role_needs_one_coordinator_never_oneself(coordinator, co_chair) -> None:
    with pytest.raises(RoleChangeRefused, match="your own roles"):
        role_revoke(person=coordinator, role=Role.COORDINATOR, by=coordinator)
    with pytest.raises(RoleChangeRefused, match="Only a coordinator"):
        role_revoke(person=coordinator, role=Role.COORDINATOR, by=co_chair)
    role_revoke(person=co_chair, role=Role.CO_CHAIR, by=coordinator)
    assert Role.CO_CHAIR not in _fresh(co_chair).roles
    assert RoleGrant.objects.get(person=co_chair, role=Role.CO_CHAIR).outcome == RoleGrant.Outcome.REVOKED


def test_staff_status_follows_the_roles(coordinator, co_chair, housing_lead) -> None:
    assert not housing_lead.is_staff
    role_grant_approve(
        grant=role_grant_propose(person=housing_lead, role=Role.COORDINATOR, by=coordinator), by=co_chair
    )
    assert _fresh(housing_lead).is_staff
    role_revoke(person=housing_lead, role=Role.COORDINATOR, by=coordinator)
    assert not _fresh(housing_lead).is_staff


# --- The guard, whatever the route ---------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_adding_a_role_group_directly_is_refused(role: Role, fire) -> None:
    fire_lead = UserFactory(agency=fire)
    group = Group.objects.get(name=role.group_name)
    with pytest.raises(RoleGrantRequired), transaction.atomic():
        fire_lead.groups.add(group)
    with pytest.raises(RoleGrantRequired), transaction.atomic():
        group.user_set.add(fire_lead)
    with pytest.raises(RoleGrantRequired), transaction.atomic():
        fire_lead.groups.set([*fire_lead.groups.all(), group])
    assert not _fresh(fire_lead).groups.filter(pk=group.pk).exists()


def test_the_administrator_cannot_make_itself_a_co_chair_by_any_route(administrator) -> None:
    group = Group.objects.get(name=Role.CO_CHAIR.group_name)
    with pytest.raises(RoleGrantRequired), transaction.atomic():
        administrator.groups.add(group)
    with pytest.raises(RoleChangeRefused):
        role_grant_propose(person=administrator, role=Role.CO_CHAIR, by=administrator)
    assert not _fresh(administrator).sees_all_cases


def test_a_person_joins_only_their_own_agency_group(housing_lead, police, fire) -> None:
    with pytest.raises(RoleGrantRequired), transaction.atomic():
        housing_lead.groups.add(police.group)
    with pytest.raises(RoleGrantRequired), transaction.atomic():
        fire.group.user_set.add(housing_lead)
    with pytest.raises(RoleGrantRequired), transaction.atomic():
        housing_lead.groups.add(Group.objects.create(name="Anything else"))


def test_no_permission_is_given_to_a_person_directly(administrator) -> None:
    from django.contrib.auth.models import Permission

    permission = Permission.objects.get(codename="view_logentry", content_type__app_label="auditlog")
    with pytest.raises(RoleGrantRequired), transaction.atomic():
        administrator.user_permissions.add(permission)
    assert not User.objects.get(pk=administrator.pk).has_perm("auditlog.view_logentry")


# --- The audit trail ------------------------------------------------------------------------


def test_every_group_change_is_in_the_trail_with_who_made_it(coordinator, co_chair, fire_lead) -> None:
    before = len(_group_entries(fire_lead))
    grant = role_grant_propose(person=fire_lead, role=Role.CO_CHAIR, by=coordinator)
    role_grant_approve(grant=grant, by=co_chair)
    role_revoke(person=fire_lead, role=Role.CO_CHAIR, by=coordinator)
    changes = _group_entries(fire_lead)[before:]
    assert changes == [
        {"type": "m2m", "operation": "add", "objects": ["Role: Co-chair"]},
        {"type": "m2m", "operation": "delete", "objects": ["Role: Co-chair"]},
    ]
    entries = [e for e in LogEntry.objects.get_for_object(fire_lead).order_by("pk") if "groups" in (e.changes or {})]
    assert [e.actor for e in entries[-2:]] == [co_chair, coordinator]
    # The grant itself is in the trail: its role and outcome, never its reason.
    grant_entries = LogEntry.objects.get_for_object(grant)
    assert grant_entries.filter(action=LogEntry.Action.CREATE).exists()
    assert any(e.changes.get("outcome") == ["pending", "approved"] for e in grant_entries)
    assert all(e.object_repr == f"person {fire_lead.pk}" for e in entries)


def test_removing_groups_any_other_way_is_audited_too(co_chair) -> None:
    co_chair.groups.clear()
    assert {
        "type": "m2m",
        "operation": "delete",
        "objects": sorted(["Role: Co-chair", "Role: Agency member", "Agency: police"]),
    } in _group_entries(co_chair)


def test_seed_and_factory_roles_are_recorded_as_system_grants() -> None:
    person = CoordinatorFactory()
    grant = RoleGrant.objects.get(person=person, role=Role.COORDINATOR)
    assert grant.outcome == RoleGrant.Outcome.APPROVED
    assert grant.proposed_by is None
    assert grant.decided_by is None


def test_a_pending_grant_factory_is_pending() -> None:
    grant = PendingRoleGrantFactory(person=AgencyStaffFactory())
    assert grant.outcome == RoleGrant.Outcome.PENDING
    assert not grant.person.has_role(Role.CO_CHAIR)


def test_the_trail_page_names_the_groups_and_account_events(coordinator, co_chair, fire_lead) -> None:
    from cmarac.accounts.services import person_deactivate
    from cmarac.audit.presentation import describe_changes

    role_grant_approve(grant=role_grant_propose(person=fire_lead, role=Role.COORDINATOR, by=coordinator), by=co_chair)
    person_deactivate(person=fire_lead, by=coordinator)
    described = [describe_changes(entry) for entry in LogEntry.objects.get_for_object(fire_lead)]
    assert "Groups added: Role: Coordinator" in described
    assert "Account: Sessions ended" in described


def test_the_database_trigger_knows_every_role_group() -> None:
    import importlib

    from cmarac.accounts.roles import Role

    migration = importlib.import_module("cmarac.accounts.migrations.0007_role_groups_need_an_approved_grant")
    assert {role.group_name: role.value for role in Role} == migration.ROLE_BY_GROUP


@pytest.mark.postgresql
def test_raw_sql_cannot_add_a_role_group_without_an_approved_grant(housing_lead) -> None:
    """The ORM guard never sees raw SQL; on PostgreSQL the database refuses it instead."""
    from django.contrib.auth.models import Group
    from django.db import IntegrityError, InternalError, ProgrammingError, connection, transaction

    from cmarac.accounts.roles import Role

    co_chairs = Group.objects.get(name=Role.CO_CHAIR.group_name)
    sql = "INSERT INTO accounts_user_groups (user_id, group_id) VALUES (%s, %s)"
    with (
        pytest.raises((ProgrammingError, InternalError, IntegrityError)),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [housing_lead.pk, co_chairs.pk])
    assert not housing_lead.groups.filter(pk=co_chairs.pk).exists()
    # A role the person was granted (agency member, through the services) stays as it was.
    assert housing_lead.groups.filter(name=Role.AGENCY_MEMBER.group_name).exists()
