"""Writes to agencies and users. Views, the admin and seed data all come through here.

Who may change whom (ADR 14): nobody changes their own roles, agency, lead or deputy post or
active status; roles that need approval are proposed by one co-chair or coordinator and
approved by another; agency member and referrer are granted by a coordinator; the
administrator does neither. Every change is in the audit trail.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from auditlog.models import LogEntry
from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from cmarac.accounts.audit import audit_account_event
from cmarac.accounts.guard import applying_grant
from cmarac.accounts.models import Agency, AgencyMembershipChange, RoleGrant, User, normalise_email
from cmarac.accounts.roles import ROLE_PERMISSIONS, ROLES_NEEDING_APPROVAL, ROLES_THAT_GRANT, Role
from cmarac.accounts.session_store import end_sessions_of
from cmarac.core.audit import audit_event


class RoleChangeRefused(ValidationError):
    """The rules of ADR 14 do not allow this person to make this change."""


class EditConflict(ValidationError):
    """Someone else saved the same person or agency after this person started editing it."""


STALE_MESSAGE = (
    "Someone else changed these details while you were editing. "
    "Your changes have not been saved yet: check them against what is saved now and save again."
)


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
        with applying_grant(by=None):  # the guard checks it is the person's own agency's group
            user.groups.add(user.agency.group)  # type: ignore[union-attr]


def _may_grant(by: User) -> bool:
    return by.is_active and any(role in by.roles for role in ROLES_THAT_GRANT)


# Roles whose holders use the Django admin: coordinators for the risk checklists, the administrator.
STAFF_ROLES = frozenset({Role.COORDINATOR, Role.ADMINISTRATOR})


def _sync_staff_status(person: User) -> None:
    """Staff status follows the roles, so it cannot be given on its own (break-glass superusers,
    made with createsuperuser, keep theirs)."""
    person.__dict__.pop("roles", None)
    if person.is_superuser:
        return
    wanted = bool(person.roles & STAFF_ROLES)
    person.is_staff = User.objects.values_list("is_staff", flat=True).get(pk=person.pk)
    if person.is_staff != wanted:
        person.is_staff = wanted
        person.save(update_fields=["is_staff"])


def _add_role_group(*, person: User, role: Role, by: User | None) -> None:
    group = Group.objects.get(name=role.group_name)
    with applying_grant(by=by, pairs=[(person.pk, group.pk)]):
        person.groups.add(group)
    _sync_staff_status(person)


def _refuse_self(*, person: User, by: User, message: str) -> None:
    if person.pk == by.pk:
        raise RoleChangeRefused(message)


@transaction.atomic
def user_set_roles(*, user: User, roles: Iterable[Role]) -> None:
    """Set a person's roles as the system: for seed data, the test factories and commands only,
    never for a page. Each role added is recorded as a grant approved by the system."""
    wanted = set(roles)
    current = set(user.roles)
    for role in current - wanted:
        _remove_role_group(person=user, role=role, by=None)
    for role in wanted - current:
        now = timezone.now()
        RoleGrant.objects.create(
            person=user,
            role=role,
            proposed_by=None,
            decided_by=None,
            proposed_at=now,
            decided_at=now,
            outcome=RoleGrant.Outcome.APPROVED,
            reason="Set by the system.",
        )
        _add_role_group(person=user, role=role, by=None)
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
    is_active: bool = True,
) -> User:
    """Create a person with roles set by the system (seed data, factories, commands)."""
    user = User(
        email=normalise_email(email),
        full_name=full_name,
        agency=agency,
        job_title=job_title,
        phone=phone,
        is_staff=is_staff,
        is_active=is_active,
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


# --- Roles -------------------------------------------------------------------------------


@transaction.atomic
def role_grant_propose(*, person: User, role: Role, by: User, reason: str = "") -> RoleGrant:
    """Propose a role for someone else. Agency member and referrer, proposed by a coordinator,
    are granted at once; other roles wait for a second co-chair or coordinator to approve."""
    role = Role(role)
    _refuse_self(person=person, by=by, message="You cannot give yourself a role. Ask another coordinator or co-chair.")
    if not _may_grant(by):
        raise RoleChangeRefused("Only co-chairs and coordinators can propose roles.")
    person = User.objects.select_for_update().get(pk=person.pk)
    if not person.is_active:
        raise RoleChangeRefused("This person's account is deactivated. Reactivate it before giving them a role.")
    if role in person.roles:
        raise RoleChangeRefused(f"This person already has the {role.label} role.")
    if RoleGrant.objects.filter(person=person, role=role, outcome=RoleGrant.Outcome.PENDING).exists():
        raise RoleChangeRefused(f"The {role.label} role has already been proposed for this person.")
    now = timezone.now()
    if role in ROLES_NEEDING_APPROVAL:
        return RoleGrant.objects.create(person=person, role=role, proposed_by=by, proposed_at=now, reason=reason)
    if not by.has_role(Role.COORDINATOR):
        raise RoleChangeRefused(f"Only a coordinator can give the {role.label} role.")
    grant = RoleGrant.objects.create(
        person=person,
        role=role,
        proposed_by=by,
        proposed_at=now,
        decided_by=by,
        decided_at=now,
        outcome=RoleGrant.Outcome.APPROVED,
        reason=reason,
    )
    _add_role_group(person=person, role=role, by=by)
    return grant


def _pending_grant(grant: RoleGrant) -> RoleGrant:
    locked = RoleGrant.objects.select_for_update().select_related("person").get(pk=grant.pk)
    if locked.outcome != RoleGrant.Outcome.PENDING:
        raise RoleChangeRefused("This request has already been decided.")
    return locked


@transaction.atomic
def role_grant_approve(*, grant: RoleGrant, by: User) -> RoleGrant:
    """Approve someone else's proposal: the person gets the role at once."""
    grant = _pending_grant(grant)
    if not _may_grant(by):
        raise RoleChangeRefused("Only co-chairs and coordinators can approve roles.")
    _refuse_self(person=grant.person, by=by, message="You cannot approve a role for yourself.")
    if grant.proposed_by_id == by.pk:
        raise RoleChangeRefused("Another co-chair or coordinator must approve a role you proposed.")
    if not grant.person.is_active:
        raise RoleChangeRefused("This person's account is deactivated. Reactivate it or reject the request.")
    grant.outcome = RoleGrant.Outcome.APPROVED
    grant.decided_by = by
    grant.decided_at = timezone.now()
    grant.full_clean()
    grant.save()
    _add_role_group(person=grant.person, role=Role(grant.role), by=by)
    return grant


@transaction.atomic
def role_grant_reject(*, grant: RoleGrant, by: User, reason: str) -> RoleGrant:
    """Refuse a proposal (or withdraw your own), with the reason."""
    grant = _pending_grant(grant)
    if not _may_grant(by):
        raise RoleChangeRefused("Only co-chairs and coordinators can reject role requests.")
    _refuse_self(person=grant.person, by=by, message="You cannot decide a role request about yourself.")
    if not reason.strip():
        raise RoleChangeRefused("Enter why the role is not being given.")
    grant.outcome = RoleGrant.Outcome.REJECTED
    grant.decided_by = by
    grant.decided_at = timezone.now()
    grant.reason = reason.strip()
    grant.full_clean()
    grant.save()
    return grant


def _remove_role_group(*, person: User, role: Role, by: User | None) -> None:
    group = Group.objects.get(name=role.group_name)
    with applying_grant(by=by):
        person.groups.remove(group)
    now = timezone.now()
    RoleGrant.objects.filter(person=person, role=role, outcome=RoleGrant.Outcome.APPROVED).update(
        outcome=RoleGrant.Outcome.REVOKED, revoked_by=by, revoked_at=now
    )
    _sync_staff_status(person)


@transaction.atomic
def role_revoke(*, person: User, role: Role, by: User) -> None:
    """Take a role away. One person is enough (less access is never a risk), never oneself."""
    role = Role(role)
    _refuse_self(person=person, by=by, message="You cannot remove your own roles. Ask another coordinator.")
    if not by.is_active or not by.has_role(Role.COORDINATOR):
        raise RoleChangeRefused("Only a coordinator can remove a role.")
    person = User.objects.select_for_update().get(pk=person.pk)
    if role not in person.roles:
        raise RoleChangeRefused(f"This person does not have the {role.label} role.")
    _remove_role_group(person=person, role=role, by=by)
    audit_account_event(person=person, by=by, what="Role removed", details={"role": role.value})


# --- People -------------------------------------------------------------------------------


def _require_coordinator(by: User) -> None:
    if not by.is_active or not by.has_role(Role.COORDINATOR):
        raise RoleChangeRefused("Only a coordinator can manage people and agencies.")


def _locked_person(person: User, revision: int | None) -> User:
    locked = User.objects.select_for_update().get(pk=person.pk)
    if revision is not None and locked.revision != revision:
        raise EditConflict(STALE_MESSAGE)
    return locked


def _record_agency_move(*, person: User, old_agency_id: int | None, by: User | None) -> None:
    if old_agency_id == person.agency_id:
        return
    AgencyMembershipChange.objects.create(
        person=person, from_agency_id=old_agency_id, to_agency_id=person.agency_id, changed_by=by
    )
    user_sync_agency_group(user=person)


def _send_link(*, person: User, purpose: str) -> None:
    """Queue the email in this transaction (the outbox, ADR 15): a dead broker loses no invitation."""
    from cmarac.accounts.tasks import send_set_password_link
    from cmarac.outbox.services import outbox_enqueue

    outbox_enqueue(send_set_password_link, person.pk, purpose)


@transaction.atomic
def person_invite(*, email: str, full_name: str, agency: Agency | None, job_title: str = "", by: User) -> User:
    """Create an account with no password and email the person a link to set one.

    They get roles afterwards, through role_grant_propose."""
    _require_coordinator(by)
    person = User(email=normalise_email(email), full_name=full_name, agency=agency, job_title=job_title)
    person.set_unusable_password()
    if User.objects.filter(email=person.email).exists():
        raise ValidationError({"email": "Someone with this email address already has an account."})
    person.full_clean(exclude=["password"])
    person.save()
    _record_agency_move(person=person, old_agency_id=None, by=by)
    audit_account_event(person=person, by=by, what="Invitation sent")
    _send_link(person=person, purpose="invitation")
    return person


@transaction.atomic
def person_update(
    *,
    person: User,
    by: User,
    revision: int,
    full_name: str,
    job_title: str,
    phone: str,
    agency: Agency | None,
) -> User:
    """Change a person's details and agency. An agency move takes effect at once (their case
    access follows the agency's group) and is listed for the co-chairs."""
    _require_coordinator(by)
    person = _locked_person(person, revision)
    old_agency_id = person.agency_id
    if person.pk == by.pk and (agency.pk if agency else None) != old_agency_id:
        raise RoleChangeRefused("You cannot change your own agency. Ask another coordinator.")
    person.full_name, person.job_title, person.phone, person.agency = full_name, job_title, phone, agency
    person.revision += 1
    person.full_clean(exclude=["password"])
    person.save()
    _record_agency_move(person=person, old_agency_id=old_agency_id, by=by)
    return person


def _end_sessions(person: User) -> int:
    """Delete every session signed in as this person."""
    return end_sessions_of(person.pk)


@transaction.atomic
def person_deactivate(*, person: User, by: User, revision: int | None = None) -> User:
    """Stop someone signing in and end their sessions now. Their roles and history stay."""
    _require_coordinator(by)
    _refuse_self(person=person, by=by, message="You cannot deactivate your own account.")
    person = _locked_person(person, revision)
    if not person.is_active:
        raise RoleChangeRefused("This account is already deactivated.")
    person.is_active = False
    person.revision += 1
    person.save(update_fields=["is_active", "revision"])
    RoleGrant.objects.filter(person=person, outcome=RoleGrant.Outcome.PENDING).update(
        outcome=RoleGrant.Outcome.REJECTED, decided_by=by, decided_at=timezone.now(), reason="Account deactivated."
    )
    ended = _end_sessions(person)
    audit_account_event(person=person, by=by, what="Sessions ended", details={"sessions": ended})
    return person


@transaction.atomic
def person_reactivate(*, person: User, by: User, revision: int | None = None) -> User:
    _require_coordinator(by)
    _refuse_self(person=person, by=by, message="You cannot reactivate your own account.")
    person = _locked_person(person, revision)
    if person.is_active:
        raise RoleChangeRefused("This account is already active.")
    person.is_active = True
    person.revision += 1
    person.save(update_fields=["is_active", "revision"])
    return person


@transaction.atomic
def person_send_password_reset(*, person: User, by: User) -> None:
    """Email the person a link to set a new password. Nobody sets another person's password."""
    _require_coordinator(by)
    if not person.is_active:
        raise RoleChangeRefused("This account is deactivated: reactivate it first.")
    audit_account_event(person=person, by=by, what="Password reset link sent")
    _send_link(person=person, purpose="reset")


# --- Agencies -----------------------------------------------------------------------------

AGENCY_FIELDS = [
    "name",
    "short_name",
    "kind",
    "membership",
    "is_active",
    "members_see_cases",
    "contact_email",
    "sharing_agreement_signed_on",
    "confidentiality_statement_signed_on",
    "sharing_agreement_renew_by",
]


def _check_lead_and_deputy(*, agency: Agency, by: User, was: dict[str, int | None]) -> None:
    errors: dict[str, str] = {}
    for post in ("lead", "deputy"):
        person: User | None = getattr(agency, post)
        if was.get(post) != getattr(agency, f"{post}_id") and by.pk in (was.get(post), getattr(agency, f"{post}_id")):
            errors[post] = f"You cannot change who is {post} when it is you. Ask another coordinator."
        elif person is not None and (agency.pk is None or person.agency_id != agency.pk or not person.is_active):
            errors[post] = f"The {post} must be an active member of this agency's staff."
    if agency.lead_id is not None and agency.lead_id == agency.deputy_id:
        errors["deputy"] = "The deputy must be a different person from the lead."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def agency_create(*, by: User, fields: dict[str, Any]) -> Agency:
    _require_coordinator(by)
    agency = Agency(**{name: fields[name] for name in AGENCY_FIELDS if name in fields})
    return agency_save(agency=agency)


@transaction.atomic
def agency_update(
    *, agency: Agency, by: User, revision: int, fields: dict[str, Any], lead: User | None, deputy: User | None
) -> Agency:
    """Change an agency's details, lead and deputy, refusing a stale form (ADR 7)."""
    _require_coordinator(by)
    locked = Agency.objects.select_for_update().select_related("group").get(pk=agency.pk)
    if locked.revision != revision:
        raise EditConflict(STALE_MESSAGE)
    was = {"lead": locked.lead_id, "deputy": locked.deputy_id}
    for name in AGENCY_FIELDS:
        if name in fields:
            setattr(locked, name, fields[name])
    locked.lead, locked.deputy = lead, deputy
    _check_lead_and_deputy(agency=locked, by=by, was=was)
    locked.revision += 1
    return agency_save(agency=locked)
