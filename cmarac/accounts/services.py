"""Writes to agencies and users. Views, the admin and seed data all come through here."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Group, Permission
from django.db import models, transaction

from cmarac.accounts.models import Agency, User
from cmarac.accounts.roles import ROLE_PERMISSIONS, Role


def role_groups_ensure() -> None:
    """Create each role's group and give it exactly its model permissions. Safe to repeat."""
    for role, perm_names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role.group_name)
        wanted = []
        for name in perm_names:
            app_label, codename = name.split(".")
            wanted.extend(Permission.objects.filter(content_type__app_label=app_label, codename=codename))
        group.permissions.set(wanted)


@transaction.atomic
def agency_save(*, agency: Agency) -> Agency:
    """Save an agency with its permission group, named after its short name."""
    agency.full_clean(exclude=["group"])
    group_name = Agency.group_name_for(agency.short_name)
    if agency.group_id is None:
        agency.group = Group.objects.create(name=group_name)
    elif agency.group.name != group_name:
        agency.group.name = group_name
        agency.group.save(update_fields=["name"])
    agency.save()
    return agency


@transaction.atomic
def user_sync_agency_group(*, user: User) -> None:
    """Keep the person in their own agency's group and in no other agency's.

    Someone who moves agency also stops being lead or deputy of the one they left.
    """
    for agency in Agency.objects.filter(models.Q(lead=user) | models.Q(deputy=user)).exclude(pk=user.agency_id):
        if agency.lead_id == user.pk:
            agency.lead = None
        if agency.deputy_id == user.pk:
            agency.deputy = None
        agency.save(update_fields=["lead", "deputy"])
    agency_groups = Group.objects.filter(agency__isnull=False)
    stale = user.groups.filter(pk__in=agency_groups).exclude(agency=user.agency_id)
    user.groups.remove(*stale)
    if user.agency_id is not None:
        user.groups.add(user.agency.group)  # type: ignore[union-attr]


@transaction.atomic
def user_set_roles(*, user: User, roles: Iterable[Role]) -> None:
    wanted = {role.group_name for role in roles}
    current = user.groups.filter(name__startswith="Role: ")
    user.groups.remove(*current.exclude(name__in=wanted))
    user.groups.add(*Group.objects.filter(name__in=wanted))
    user.__dict__.pop("roles", None)


@transaction.atomic
def user_create(
    *,
    email: str,
    full_name: str,
    password: str | None,
    roles: Iterable[Role] = (),
    agency: Agency | None = None,
    job_title: str = "",
    phone: str = "",
    is_staff: bool = False,
) -> User:
    user = User(email=email, full_name=full_name, agency=agency, job_title=job_title, phone=phone, is_staff=is_staff)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    user_set_roles(user=user, roles=roles)
    user_sync_agency_group(user=user)
    return user
