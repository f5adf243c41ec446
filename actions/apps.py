from django.apps import AppConfig


class ActionsConfig(AppConfig):
    name = "actions"
    verbose_name = "Actions"

    def ready(self) -> None:
        from actions import models
        from actions.selectors import case_panel_context
        from cmarac.cases.panels import register_case_panel
        from cmarac.core.audit import audit_register

        register_case_panel(
            "actions",
            template="actions/includes/case_panel.html",
            context=case_panel_context,
            heading="Actions",
            anchor="actions",
        )

        # The trail names the fields that changed; it keeps values only of codes and system times.
        audit_register(
            models.Action,
            shown=["due_on", "priority", "status", "closed_at", "created_at", "updated_at"],
        )
        audit_register(models.ActionUpdate, shown=["status", "at"])
