"""Reads for the people and agency pages: staff, never case data."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group
from django.db.models import Prefetch, QuerySet

from cmarac.accounts.models import AgencyMembershipChange, RoleGrant, User
from cmarac.accounts.roles import ROLE_BY_GROUP_NAME, Role


def people_for_list(*, filters: dict[str, Any]) -> QuerySet[User]:
    """People with their agency and role groups: three queries for any page of them."""
    people = User.objects.select_related("agency").prefetch_related(
        Prefetch("groups", queryset=Group.objects.filter(name__startswith="Role: "), to_attr="role_groups")
    )
    status = filters.get("status") or "active"
    if status != "all":
        people = people.filter(is_active=status == "active")
    if filters.get("agency"):
        people = people.filter(agency=filters["agency"])
    if filters.get("role"):
        people = people.filter(groups__name=Role(filters["role"]).group_name)
    return people.order_by("full_name", "pk")


def role_labels(person: User) -> list[str]:
    """The labels of a person's roles from the prefetched `role_groups`, in DOMAIN.md's order."""
    held = {
        ROLE_BY_GROUP_NAME[group.name]
        for group in getattr(person, "role_groups", [])
        if group.name in ROLE_BY_GROUP_NAME
    }
    return [role.label for role in Role if role in held]


def role_grants() -> QuerySet[RoleGrant]:
    return RoleGrant.objects.select_related("person", "person__agency", "proposed_by", "decided_by", "revoked_by")


def membership_changes() -> QuerySet[AgencyMembershipChange]:
    return AgencyMembershipChange.objects.select_related("person", "from_agency", "to_agency", "changed_by")
