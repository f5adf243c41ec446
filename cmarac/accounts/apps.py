from typing import Any

from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_migrate


def _ensure_role_groups(sender: AppConfig, **kwargs: Any) -> None:
    """post_migrate is sent once for each app with models, in INSTALLED_APPS order, and each app's
    permissions are made on its own: the role groups are given theirs once, after the last app's.
    (Run after every app, it was most of the time `flush` takes between two tests.)"""
    from django.apps import apps

    from cmarac.accounts.services import role_groups_ensure

    if sender.label == [config for config in apps.get_app_configs() if config.models_module is not None][-1].label:
        role_groups_ensure()


class AccountsConfig(AppConfig):
    name = "cmarac.accounts"
    label = "accounts"
    verbose_name = "Accounts and agencies"

    def ready(self) -> None:
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

        from cmarac.accounts import receivers
        from cmarac.accounts.guard import audit_group_membership, guard_group_membership, refuse_direct_permissions
        from cmarac.accounts.models import Agency, AgencyMembershipChange, RoleGrant, User
        from cmarac.core.audit import audit_register

        # Staff accounts and agencies are the partnership's own records: their values are kept,
        # except secrets. A password change is recorded as a change, never its hash (ADR 14).
        audit_register(
            User,
            shown=[field.name for field in User._meta.concrete_fields if field.name not in ("password", "last_login")],
            exclude=["last_login"],
        )
        audit_register(Agency, shown=[field.name for field in Agency._meta.concrete_fields])
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
        user_logged_in.connect(receivers.signed_in, dispatch_uid="accounts.audit_signed_in")
        user_logged_out.connect(receivers.signed_out, dispatch_uid="accounts.audit_signed_out")
        user_login_failed.connect(receivers.sign_in_failed, dispatch_uid="accounts.audit_sign_in_failed")
        user_locked_out.connect(receivers.locked_out, dispatch_uid="accounts.audit_locked_out")
        from cmarac.accounts.second_factor_services import second_factor_models_register

        second_factor_models_register()
        # Runs after every app's migrations, once (see _ensure_role_groups).
        post_migrate.connect(_ensure_role_groups, dispatch_uid="accounts.ensure_role_groups")
