"""Subject access exports: made for one recorded request, by one auditor, for a limited time."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models

if TYPE_CHECKING:
    from cmarac.accounts.models import User


class SubjectAccessExportQuerySet(models.QuerySet["SubjectAccessExport"]):
    def visible_to(self, user: User) -> SubjectAccessExportQuerySet:
        """An export is seen by the person who made it, while they keep the duty; nobody else."""
        from cmarac.governance.subject_access_services import may_make_exports

        if not getattr(user, "is_authenticated", False) or not user.is_active or not may_make_exports(user):
            return self.none()
        return self.filter(made_by=user)


class SubjectAccessExport(models.Model):
    """A PDF and a data file of every record about the chosen people, for one request.

    Holds ids, never the search that found the people: the request reference says why it was made."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting"
        BUILDING = "building", "Being made"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Deleted after its retention period"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    request_reference = models.CharField(
        "request reference", max_length=60, help_text="The reference of the subject access request."
    )
    note = models.TextField(blank=True)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="subject_access_exports"
    )
    person_ids = models.JSONField(default=list, blank=True)  # Person ids
    referral_subject_ids = models.JSONField(default=list, blank=True)  # referral subjects not linked to a person
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    # Names in the private storage under subject-access/ (cmarac.core.files), never served by URL.
    pdf_file_name = models.CharField(max_length=100, blank=True)
    data_file_name = models.CharField(max_length=100, blank=True)
    records = models.PositiveIntegerField(null=True, blank=True)
    flagged_passages = models.PositiveIntegerField(null=True, blank=True)
    pages = models.PositiveIntegerField(null=True, blank=True)
    requested_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    objects = SubjectAccessExportQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"Subject access export {self.pk}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("governance:subject_access_export", args=[self.pk])

    def get_additional_data(self) -> dict[str, str]:
        return {"subject_access_export": str(self.pk), "request_reference": self.request_reference}


# Registered here rather than in the app's ready(), so this part of the app stands on its own.
# The note may hold words about someone: the trail keeps that it changed, never what it says.
def _register_audit() -> None:
    from cmarac.core.audit import audit_register

    audit_register(
        SubjectAccessExport,
        shown=[
            "request_reference", "person_ids", "referral_subject_ids", "status", "pdf_file_name",
            "data_file_name", "records", "flagged_passages", "pages", "requested_at", "finished_at", "expires_at",
        ],
    )  # fmt: skip


_register_audit()
