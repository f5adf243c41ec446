"""Information governance records."""

from cmarac.governance.retention_models import RetentionHold
from cmarac.governance.sharing_models import SharingLapseNotice
from cmarac.governance.subject_access_models import SubjectAccessExport

__all__ = ["RetentionHold", "SharingLapseNotice", "SubjectAccessExport"]
