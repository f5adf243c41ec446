from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "cmarac.audit"
    label = "audit"
    verbose_name = "Audit trail"
