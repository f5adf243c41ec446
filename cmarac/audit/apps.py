from django.apps import AppConfig


class AuditConfig(AppConfig):
    # Entries are sealed by beat every minute (cmarac/audit/chain.py), not after each commit.
    name = "cmarac.audit"
    label = "audit"
    verbose_name = "Audit trail"
