"""Group membership, whatever the route: the guard against self-made roles, and its audit (ADR 14).

Roles are groups (ADR 2), so anything that can add a row to `User.groups` can give a role:
the admin, the shell, a data migration, a careless service. The receivers here run on every
such change made through the ORM, in either direction (`user.groups.add(group)` or
`group.user_set.add(user)`):

- adding a role group is refused unless the accounts services are applying a grant for that
  person and that role (`applying_grant`); adding an agency group is refused unless it is the
  person's own agency's; other groups are refused;
- permissions are never added to a person directly (they come with role groups);
- every addition and removal is written to the audit trail against the person, naming the
  groups (role and agency codes, never personal data) and who made the change.

Raw SQL and bulk inserts into the join table bypass signals; nothing in the service does that,
and on PostgreSQL a trigger refuses a role group without an approved grant whatever the route
(migration accounts 0007).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from auditlog.models import LogEntry
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied

from cmarac.accounts.models import Agency, User
from cmarac.accounts.roles import ROLE_BY_GROUP_NAME


class RoleGrantRequired(PermissionDenied):
    """A role or agency group was added outside the accounts services."""


@dataclass(frozen=True)
class _Applying:
    by: User | None
    # (person id, group id) pairs the services are adding now.
    allowed: frozenset[tuple[int, int]] = field(default_factory=frozenset)


_applying: ContextVar[_Applying | None] = ContextVar("accounts_applying_grant", default=None)


@contextmanager
def applying_grant(*, by: User | None, pairs: Iterable[tuple[int, int]] = ()) -> Iterator[None]:
    """Let the accounts services add these (person id, group id) memberships, made by `by`.

    Used only by `cmarac.accounts.services`, after the grant rules have been checked."""
    token = _applying.set(_Applying(by=by, allowed=frozenset(pairs)))
    try:
        yield
    finally:
        _applying.reset(token)


def _pairs(*, instance: Any, reverse: bool, pk_set: Iterable[int]) -> list[tuple[int, int]]:
    """(person id, group id) for each membership in this change, whichever side was called."""
    if reverse:  # group.user_set.add(...)
        return [(user_pk, instance.pk) for user_pk in pk_set]
    return [(instance.pk, group_pk) for group_pk in pk_set]


def guard_group_membership(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: set[int] | None, **kwargs: Any
) -> None:
    if action != "pre_add" or not pk_set:
        return
    pairs = _pairs(instance=instance, reverse=reverse, pk_set=pk_set)
    applying = _applying.get()
    allowed = applying.allowed if applying is not None else frozenset()
    group_ids = {group_pk for _, group_pk in pairs}
    role_group_ids = {
        pk
        for pk, name in Group.objects.filter(pk__in=group_ids).values_list("pk", "name")
        if name in ROLE_BY_GROUP_NAME
    }
    agency_group_ids = dict(Agency.objects.filter(group_id__in=group_ids).values_list("group_id", "pk"))
    person_agency: dict[int, int | None] = {}
    if agency_group_ids:
        person_ids = {person_pk for person_pk, _ in pairs}
        person_agency = dict(User.objects.filter(pk__in=person_ids).values_list("pk", "agency_id"))
    for person_pk, group_pk in pairs:
        if group_pk in role_group_ids:
            if (person_pk, group_pk) not in allowed:
                raise RoleGrantRequired(
                    "Roles are given only through an approved role grant (Manage agencies and users)."
                )
        elif group_pk in agency_group_ids:
            if person_agency.get(person_pk) != agency_group_ids[group_pk]:
                raise RoleGrantRequired("A person is in their own agency's group only: change their agency instead.")
        else:
            raise RoleGrantRequired("People belong to role and agency groups only.")


def refuse_direct_permissions(sender: Any, action: str, pk_set: set[int] | None, **kwargs: Any) -> None:
    """Model permissions are held by role groups only (ADR 2): none is given to a person directly."""
    if action == "pre_add" and pk_set:
        raise RoleGrantRequired("Permissions come with roles: give the person a role instead.")


# Groups about to be cleared, by (sender side, instance pk), read again after the clear.
_clearing: ContextVar[dict[tuple[bool, int], list[int]] | None] = ContextVar("accounts_clearing", default=None)


def audit_group_membership(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: set[int] | None, **kwargs: Any
) -> None:
    if action == "pre_clear":
        related = instance.user_set if reverse else instance.groups
        pending = dict(_clearing.get() or {})
        pending[(reverse, instance.pk)] = list(related.values_list("pk", flat=True))
        _clearing.set(pending)
        return
    if action == "post_clear":
        pending = dict(_clearing.get() or {})
        pk_set = set(pending.pop((reverse, instance.pk), []))
        _clearing.set(pending)
        operation = "delete"
    elif action == "post_add":
        operation = "add"
    elif action == "post_remove":
        operation = "delete"
    else:
        return
    if not pk_set:
        return
    pairs = _pairs(instance=instance, reverse=reverse, pk_set=pk_set)
    names = dict(Group.objects.filter(pk__in={g for _, g in pairs}).values_list("pk", "name"))
    by_person: dict[int, list[str]] = {}
    for person_pk, group_pk in pairs:
        by_person.setdefault(person_pk, []).append(names.get(group_pk, f"group {group_pk}"))
    applying = _applying.get()
    actor = applying.by if applying is not None else None
    content_type = ContentType.objects.get_for_model(User)
    for person_pk, groups in by_person.items():
        LogEntry.objects.create(
            content_type=content_type,
            object_pk=str(person_pk),
            object_id=person_pk,
            object_repr=f"person {person_pk}",
            action=LogEntry.Action.UPDATE,
            # With no actor here, auditlog fills in the signed-in person of the request.
            actor=actor,
            actor_email=getattr(actor, "email", None),
            changes={"groups": {"type": "m2m", "operation": operation, "objects": sorted(groups)}},
            additional_data={"what": "Role or agency group " + ("added" if operation == "add" else "removed")},
        )
