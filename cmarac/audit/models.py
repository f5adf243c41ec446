"""The seal over the audit trail: each entry's digest chains the one before, so a deleted or
altered entry is found by `manage.py verify_audit_trail` (ADR 0016)."""

from __future__ import annotations

from django.db import models

GENESIS = "0" * 64


class Seal(models.Model):
    """One link of the chain: the digest of one audit entry's content and of the link before."""

    position = models.PositiveBigIntegerField(primary_key=True)
    # Not a foreign key: an entry deleted behind the application's back must leave its seal behind.
    entry_id = models.BigIntegerField(unique=True)
    previous = models.CharField(max_length=64)
    digest = models.CharField(max_length=64)
    sealed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return f"seal {self.position} of entry {self.entry_id}"


class ChainHead(models.Model):
    """The single row that serialises sealing: whoever holds its lock appends the next links."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    position = models.PositiveBigIntegerField(default=0)
    digest = models.CharField(max_length=64, default=GENESIS)
    # Retention removes the oldest entries with their seals: the chain then starts after this seal.
    purged_through = models.PositiveBigIntegerField(default=0)
    purged_digest = models.CharField(max_length=64, default=GENESIS)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"chain head at {self.position}"
