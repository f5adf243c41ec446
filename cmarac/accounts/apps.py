from typing import Any

from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_migrate


def _ensure_role_groups(sender: AppConfig, **kwargs: Any) -> None:
    # Permissions are created on post_migrate too, so role groups are set up at the same point.
    from cmarac.accounts.services import role_groups_ensure

    role_groups_ensure()


class AccountsConfig(AppConfig):
    name = "cmarac.accounts"
    label = "accounts"
    verbose_name = "Accounts and agencies"

    def ready(self) -> None:
        from cmarac.accounts.guard import audit_group_membership, guard_group_membership, refuse_direct_permissions
        from cmarac.accounts.models import Agency, AgencyMembershipChange, RoleGrant, User
        from cmarac.core.audit import audit_register

        # The trail says that a person's name, email or password changed, never to what; the
        # agency (an id), active and staff status, and superuser status are shown (ADR 14).
        audit_register(
            User, shown=["is_active", "is_staff", "is_superuser", "revision", "date_joined"], exclude=["last_login"]
        )
        # An agency's details are the partnership's, not a person's: all shown.
        audit_register(
            Agency,
            shown=[
                "name",
                "short_name",
                "kind",
                "membership",
                "is_active",
                "members_see_cases",
                "contact_email",
                "revision",
            ],
        )
        audit_register(RoleGrant, shown=["role", "outcome", "proposed_at", "decided_at", "revoked_at"])
        audit_register(AgencyMembershipChange, shown=["changed_at"])
        # Role and agency groups, whatever the route: refused unless granted, always audited.
        through = User.groups.through
        m2m_changed.connect(guard_group_membership, sender=through, dispatch_uid="accounts.guard_group_membership")
        m2m_changed.connect(audit_group_membership, sender=through, dispatch_uid="accounts.audit_group_membership")
        m2m_changed.connect(
            refuse_direct_permissions,
            sender=User.user_permissions.through,
            dispatch_uid="accounts.refuse_direct_permissions",
        )
        # Runs after every app's migrations (this app is listed after auth and auditlog).
        post_migrate.connect(_ensure_role_groups, dispatch_uid="accounts.ensure_role_groups")
