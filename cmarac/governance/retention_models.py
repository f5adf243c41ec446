"""Retention holds: a record kept past its retention date, with a reason and a date to look again."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class RetentionHoldQuerySet(models.QuerySet["RetentionHold"]):
    def active(self) -> RetentionHoldQuerySet:
        return self.filter(released_at__isnull=True)


class RetentionHold(models.Model):
    class RecordKind(models.TextChoices):
        CASE = "case", "Case"
        REFERRAL = "referral", "Referral"

    class Grounds(models.TextChoices):
        LEGAL_HOLD = "legal-hold", "Legal hold"
        ONGOING_REVIEW = "ongoing-review", "Ongoing review"
        SUBJECT_REQUEST = "subject-request", "Request from the subject or a regulator"
        OTHER = "other", "Other"

    record_kind = models.CharField(max_length=10, choices=RecordKind.choices)
    # The record's reference (CM-2026-0001, RF-2026-0001): governance links to no model above it.
    reference = models.CharField(max_length=20, db_index=True)
    grounds = models.CharField(max_length=20, choices=Grounds.choices)
    reason = models.TextField(help_text="Why the record is kept. Shown on the hold page only, never in the queue.")
    review_on = models.DateField("date to look again")
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    placed_at = models.DateTimeField(auto_now_add=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    # Bumped on every save through the services: a stale form is refused, not applied (ADR 0007).
    revision = models.PositiveIntegerField(default=0)

    objects = RetentionHoldQuerySet.as_manager()

    class Meta:
        ordering = ["review_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["record_kind", "reference"],
                condition=Q(released_at__isnull=True),
                name="retention_hold_one_active_per_record",
            ),
        ]

    def __str__(self) -> str:
        return f"Retention hold on {self.reference}"

    def get_additional_data(self) -> dict[str, str]:
        return {self.record_kind: self.reference}

    @property
    def is_active(self) -> bool:
        return self.released_at is None
