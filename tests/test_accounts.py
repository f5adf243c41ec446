"""Accounts and agencies: email logins, agency groups kept in step, roles as groups."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.db import IntegrityError

from cmarac.accounts.models import Agency, User
from cmarac.accounts.roles import ROLE_PERMISSIONS, Role
from cmarac.accounts.services import agency_save, role_groups_ensure, user_set_roles, user_sync_agency_group
from tests.factories.accounts import AgencyFactory, AgencyStaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_email_is_the_login_and_is_stored_lower_case() -> None:
    user = User.objects.create_user("Someone@Agency.EXAMPLE", "pw-not-used-here", full_name="Some One")
    assert user.email == "someone@agency.example"
    assert User.USERNAME_FIELD == "email"


def test_emails_are_unique_ignoring_case() -> None:
    UserFactory(email="same@agency.example")
    with pytest.raises(IntegrityError):
        User.objects.bulk_create([User(email="SAME@agency.example", full_name="Other")])


def test_saving_an_agency_creates_its_group() -> None:
    agency = agency_save(agency=Agency(name="Fire Brigade", short_name="fire", kind=Agency.Kind.FIRE))
    assert agency.group.name == "Agency: fire"
    assert agency.membership == Agency.Membership.FLEXIBLE


def test_renaming_an_agency_short_name_renames_its_group() -> None:
    agency = AgencyFactory(short_name="old-name")
    group_id = agency.group_id
    agency.short_name = "new-name"
    agency_save(agency=agency)
    assert Group.objects.get(pk=group_id).name == "Agency: new-name"


def test_agency_lead_and_deputy_cannot_be_the_same_person() -> None:
    agency = AgencyFactory()
    person = UserFactory(agency=agency)
    agency.lead = agency.deputy = person
    with pytest.raises(IntegrityError):
        agency.save()


def test_a_person_is_in_their_agency_group_only() -> None:
    police, housing = AgencyFactory(short_name="police"), AgencyFactory(short_name="housing")
    person = UserFactory(agency=police)
    assert set(person.groups.filter(agency__isnull=False)) == {police.group}

    person.agency = housing
    person.save()
    user_sync_agency_group(user=person)
    assert set(person.groups.filter(agency__isnull=False)) == {housing.group}

    person.agency = None
    person.save()
    user_sync_agency_group(user=person)
    assert not person.groups.filter(agency__isnull=False).exists()


def test_roles_are_groups_with_their_model_permissions() -> None:
    role_groups_ensure()
    for role, perms in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role.group_name)
        held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}
        assert held == set(perms), role


def test_the_migrated_database_already_has_the_role_groups_with_their_permissions() -> None:
    """Made by post_migrate, after the last app's permissions: nothing here calls it."""
    for role, perms in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role.group_name)
        held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}
        assert held == set(perms), role


def test_the_role_groups_are_set_once_after_a_migrate_not_once_per_app(monkeypatch) -> None:
    from django.core.management.sql import emit_post_migrate_signal

    from cmarac.accounts import services

    calls = []
    monkeypatch.setattr(services, "role_groups_ensure", lambda: calls.append(1))
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert calls == [1]


def test_roles_follow_group_membership() -> None:
    person = AgencyStaffFactory()
    assert person.roles == {Role.AGENCY_MEMBER, Role.REFERRER}
    user_set_roles(user=person, roles=[Role.CO_CHAIR])
    assert person.roles == {Role.CO_CHAIR}
    assert User.objects.get(pk=person.pk).sees_all_cases
    # The agency group is not a role and survives a change of roles.
    assert person.groups.filter(pk=person.agency.group_id).exists()


def test_coordinator_can_manage_agencies_and_referrer_cannot() -> None:
    coordinator = UserFactory(roles=[Role.COORDINATOR])
    referrer = UserFactory(roles=[Role.REFERRER])
    assert coordinator.has_perm("accounts.change_agency")
    assert not referrer.has_perm("accounts.change_agency")


def test_lead_and_deputy_flags() -> None:
    agency = AgencyFactory()
    lead, deputy = UserFactory(agency=agency), UserFactory(agency=agency)
    agency.lead, agency.deputy = lead, deputy
    agency_save(agency=agency)
    lead, deputy = User.objects.get(pk=lead.pk), User.objects.get(pk=deputy.pk)
    assert lead.is_agency_lead
    assert not lead.is_agency_deputy
    assert deputy.is_agency_deputy
    assert not deputy.is_agency_lead


def test_user_and_agency_changes_are_audited() -> None:
    from auditlog.models import LogEntry

    agency = AgencyFactory(name="Audited Agency")
    agency.name = "Renamed Agency"
    agency_save(agency=agency)
    entries = LogEntry.objects.get_for_object(agency)
    assert entries.filter(action=LogEntry.Action.UPDATE).exists()
    person = UserFactory()
    person.set_password("another-long-password")
    person.save()
    # That the password changed is in the trail; the hash, old or new, never is.
    entries = LogEntry.objects.get_for_object(person)
    updates = entries.filter(action=LogEntry.Action.UPDATE)
    changed = [entry.changes["password"] for entry in updates if "password" in (entry.changes or {})]
    assert changed == [["(not recorded)", "(not recorded)"]]
    assert all(person.password not in str(entry.changes) for entry in entries)


def test_the_signed_in_person_is_read_with_their_agency_in_one_query(housing, django_assert_num_queries) -> None:
    from cmarac.accounts.backends import AccountBackend

    person = AgencyStaffFactory(agency=housing)
    with django_assert_num_queries(1):
        user = AccountBackend().get_user(person.pk)
        assert user.agency.name == housing.name
    person.is_active = False
    person.save(update_fields=["is_active"])
    assert AccountBackend().get_user(person.pk) is None  # as Django's ModelBackend: inactive, not signed in
    assert AccountBackend().get_user(0) is None
