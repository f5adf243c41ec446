"""Records of processing: which lapses of an agency's sharing agreement the co-chairs were told of."""

from __future__ import annotations

from django.db import models


class SharingLapseNotice(models.Model):
    """One row per lapse told to the co-chairs, so the daily job tells them once. An agreement
    signed again has a new renewal date, and its own lapse is told again."""

    agency = models.ForeignKey("accounts.Agency", on_delete=models.CASCADE, related_name="sharing_lapse_notices")
    renew_by = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [models.UniqueConstraint(fields=["agency", "renew_by"], name="sharing_lapse_told_once")]

    def __str__(self) -> str:
        return f"Sharing agreement lapse of agency {self.agency_id} ({self.renew_by})"
