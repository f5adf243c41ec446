from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cmarac.cases"
    label = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from cmarac.cases.access import forget_permission_ids

        post_migrate.connect(forget_permission_ids, dispatch_uid="cases.forget_permission_ids")
        from cmarac.cases.search import connect_signals

        connect_signals()  # each case's search text kept as its subjects change
        from cmarac.cases import models
        from cmarac.core.audit import audit_register

        # The trail names the fields that changed; it keeps values only of codes and system times.
        audit_register(
            models.Case,
            shown=[
                "reference",
                "status",
                "risk_level",
                "is_repeat",
                "asb_case_review_potential",
                "asb_case_review_threshold_reached",
                "opened_on",
                "closed_on",
                "created_at",
                "updated_at",
            ],
        )
        audit_register(models.Person, shown=["created_at", "updated_at"])
        audit_register(models.CaseSubject, shown=["role"])
        audit_register(models.CaseInvolvement, shown=["reason", "source", "created_at"])
        audit_register(models.RiskLevelChange, shown=["risk_level", "changed_at"])
        audit_register(models.LeadChange, shown=["changed_at"])
        audit_register(models.CaseEvent, shown=["kind", "occurred_at"])
