from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "cmarac.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from auditlog.models import LogEntry
        from django.db.models.signals import post_save

        from cmarac.audit.chain import seal_after_commit

        # Every entry is sealed once its transaction commits, whatever wrote it.
        post_save.connect(seal_after_commit, sender=LogEntry, dispatch_uid="audit.seal_after_commit")
