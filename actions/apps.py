from django.apps import AppConfig


class ActionsConfig(AppConfig):
    name = "actions"
    verbose_name = "Actions"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from actions import models

        auditlog.register(models.Action)
        auditlog.register(models.ActionUpdate)
