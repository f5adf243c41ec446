from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_role_groups(sender: AppConfig, **kwargs: Any) -> None:
    # Permissions are created on post_migrate too, so role groups are set up at the same point.
    from cmarac.accounts.services import role_groups_ensure

    role_groups_ensure()


class AccountsConfig(AppConfig):
    name = "cmarac.accounts"
    label = "accounts"
    verbose_name = "Accounts and agencies"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from cmarac.accounts.models import Agency, User

        auditlog.register(User, exclude_fields=["password", "last_login"])
        auditlog.register(Agency)
        from cmarac.accounts.second_factor_services import second_factor_models_register

        second_factor_models_register()
        # Runs after every app's migrations (this app is listed after auth and auditlog).
        post_migrate.connect(_ensure_role_groups, dispatch_uid="accounts.ensure_role_groups")
