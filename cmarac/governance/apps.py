from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    """Information governance: retention of records and subject access. It sits above the case
    apps without importing them: each app offers its part in its own module, found by name."""

    name = "cmarac.governance"
    label = "governance"
    verbose_name = "Information governance"

    def ready(self) -> None:
        from cmarac.core.audit import audit_register
        from cmarac.governance import retention_tasks  # noqa: F401 (registers the Celery task)
        from cmarac.governance.retention_models import RetentionHold
        from cmarac.governance.retention_registry import discover_retention_modules

        audit_register(
            RetentionHold,
            shown=["record_kind", "reference", "grounds", "review_on", "placed_at", "released_at", "revision"],
        )
        discover_retention_modules()
