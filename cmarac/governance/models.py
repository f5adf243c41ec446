"""Information governance records."""

from cmarac.governance.retention_models import RetentionHold

__all__ = ["RetentionHold"]
