"""Writes to agencies and users. Views, the admin and seed data all come through here."""

from __future__ import annotations

from collections.abc import Iterable

from auditlog.models import LogEntry
from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth.models import Group, Permission
from django.db import models, transaction
from django.http import HttpRequest

from cmarac.accounts.models import Agency, User, normalise_email
from cmarac.accounts.roles import ROLE_PERMISSIONS, Role
from cmarac.core.audit import audit_event


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
    user = User(
        email=normalise_email(email),
        full_name=full_name,
        agency=agency,
        job_title=job_title,
        phone=phone,
        is_staff=is_staff,
    )
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    user_set_roles(user=user, roles=roles)
    user_sync_agency_group(user=user)
    return user


def password_reset_request(*, email: str, request: HttpRequest) -> None:
    """Send a password reset link if an active account that signs in with a password has this
    address. The caller answers the same whether or not one does, and the email is sent by a
    worker, so neither the page nor its timing tells whether the address has an account."""
    from cmarac.accounts.tasks import send_password_reset

    user = User.objects.filter(email=normalise_email(email), is_active=True).first()
    if user is not None and user.has_usable_password():
        send_password_reset.delay_on_commit(user.pk)
        audit_event(request=request, what="Password reset requested", target=user, actor=request.user)
    else:
        # The trail keeps that it happened, never the address typed.
        what = "Password reset requested for an address with no account"
        audit_event(request=request, what=what, target=User, actor=request.user)


@transaction.atomic
def user_password_set(*, user: User, password: str, request: HttpRequest, reset: bool) -> User:
    """Set a person's password, by themselves when signed in or through a reset link. Their other
    sessions end (Django checks the password hash on every request); a reset also lifts a lockout."""
    user.set_password(password)
    user.save(update_fields=["password"])
    if reset:
        AxesProxyHandler.reset_attempts(username=user.email)
    audit_event(
        request=request,
        what="Password reset" if reset else "Password changed",
        target=user,
        actor=user,
        action=LogEntry.Action.UPDATE,
    )
    return user
