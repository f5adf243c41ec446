"""Work that follows a saved change, stored in the same transaction as the change (ADR 0015).

A message names a Celery task and holds ids only: never a name, an address or free text.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class OutboxMessageQuerySet(models.QuerySet["OutboxMessage"]):
    def unsent(self) -> OutboxMessageQuerySet:
        return self.filter(sent_at__isnull=True)


class OutboxMessage(models.Model):
    task = models.CharField(max_length=100)
    args = models.JSONField(default=list)  # ids only
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    handed_over_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)  # the error's kind, never its text

    objects = OutboxMessageQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["sent_at", "next_attempt_at"], name="outbox_unsent_due")]

    def __str__(self) -> str:
        return f"outbox message {self.pk} ({self.task})"


class OutboxEmail(models.Model):
    """One email sent for one message: the marker that stops a second delivery sending it again.
    The key names the recipient by id ("user:3", "agency:2"), never by address."""

    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="emails")
    key = models.CharField(max_length=50)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["message", "key"], name="outbox_email_once")]

    def __str__(self) -> str:
        return f"email {self.key} of outbox message {self.message_id}"
