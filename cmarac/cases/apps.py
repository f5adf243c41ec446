from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cmarac.cases"
    label = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from cmarac.cases import models

        for model in (
            models.Case,
            models.Person,
            models.CaseSubject,
            models.CaseInvolvement,
            models.RiskLevelChange,
            models.LeadChange,
            models.CaseEvent,
        ):
            auditlog.register(model)
