from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    """Information governance: retention of records and subject access. It sits above the case
    apps without importing them: each app offers its part in its own module, found by name."""

    name = "cmarac.governance"
    label = "governance"
    verbose_name = "Information governance"
