"""Sealing and verifying the audit trail (ADR 0016).

Every audit entry gets a seal: sha256 of the previous seal's digest and the entry's canonical
content. The entry itself is written in the transaction of the request or job that caused it;
the seal is added in batches by a scheduled task every minute (ADR 0016, amended), never on a
request's path. An entry still unsealed after SEALING_GRACE (the stated tamper window) is
reported by verification, whether it is still unsealed or was sealed late.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from auditlog.models import LogEntry
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from cmarac.audit.models import GENESIS, ChainHead, Seal

# Entries are looked for this far back when sealing; older unsealed entries are reported by
# verification instead (the scheduled sealing did not run for a day).
SEALING_WINDOW = timedelta(days=1)
# The tamper window: an entry may wait this long for its seal before verification reports it.
# Beat seals every minute (cmarac/settings.py, "seal-audit-trail"): ten runs, so a slow or
# restarted worker is not reported as tampering.
SEALING_GRACE = timedelta(minutes=10)
BATCH = 500


def canonical(entry: LogEntry) -> bytes:
    """The entry's content as it is sealed: every column, in a fixed form."""
    content: list[Any] = [
        entry.pk,
        entry.content_type_id,
        entry.object_pk,
        entry.object_id,
        entry.object_repr,
        entry.action,
        entry.changes,
        entry.changes_text,
        entry.actor_id,
        entry.actor_email,
        entry.remote_addr,
        entry.cid,
        entry.timestamp.astimezone(UTC).isoformat(timespec="microseconds"),
        entry.additional_data,
        entry.serialized_data,
    ]
    return json.dumps(content, sort_keys=True, default=str, separators=(",", ":")).encode()


def link(previous: str, entry: LogEntry) -> str:
    return hashlib.sha256(previous.encode() + b"\n" + canonical(entry)).hexdigest()


def seal_pending(*, limit: int = 50_000, window: timedelta = SEALING_WINDOW) -> int:
    """Append seals for unsealed entries younger than `window`, oldest first, in batches. Returns
    how many were sealed. Run by beat every minute and before each verification; when another
    process holds the chain head, this one leaves the entries to it."""
    sealed = 0
    while sealed < limit:
        with transaction.atomic():
            head = ChainHead.objects.select_for_update(skip_locked=True).filter(pk=1).first()
            if head is None:
                if ChainHead.objects.filter(pk=1).exists():
                    return sealed  # another process is sealing: it takes these entries too
                head, _ = ChainHead.objects.get_or_create(pk=1)
                head = ChainHead.objects.select_for_update().get(pk=1)
            since = timezone.now() - window
            pending = list(
                LogEntry.objects.filter(timestamp__gte=since)
                .filter(~Exists(Seal.objects.filter(entry_id=OuterRef("pk"))))
                .order_by("pk")[:BATCH]
            )
            if not pending:
                return sealed
            seals = []
            for entry in pending:
                head.position += 1
                digest = link(head.digest, entry)
                seals.append(Seal(position=head.position, entry_id=entry.pk, previous=head.digest, digest=digest))
                head.digest = digest
            Seal.objects.bulk_create(seals)
            head.save(update_fields=["position", "digest", "updated_at"])
            sealed += len(seals)
    return sealed


def overdue(*, now: Any = None) -> list[int]:
    """Ids of the entries (the first 100) still unsealed past the tamper window. Verification asks
    before it seals, so an entry sealed only by the check itself is reported too."""
    now = now or timezone.now()
    unsealed = (
        LogEntry.objects.filter(timestamp__lt=now - SEALING_GRACE)
        .filter(~Exists(Seal.objects.filter(entry_id=OuterRef("pk"))))
        .values_list("pk", flat=True)
    )
    return list(unsealed.order_by("pk")[:100])


def seal_and_verify() -> Verification:
    """What the daily check and `manage.py verify_audit_trail` do: note the entries left unsealed
    past the window, seal what is pending, then walk the chain."""
    late = overdue()
    seal_pending()
    result = verify()
    for entry_id in late:
        problem = f"entry {entry_id} was never sealed"
        if problem not in result.problems:
            result.problems.append(f"entry {entry_id} waited longer than {_minutes(SEALING_GRACE)} for its seal")
    return result


def _minutes(span: timedelta) -> str:
    return f"{int(span.total_seconds() // 60)} minutes"


def purge_before(before: datetime, *, batch: int = BATCH) -> int:
    """Delete the oldest entries, and their seals, that are all older than `before`, in chain
    order, recording where the chain now starts. Entries older than `before` that were never
    sealed go too. Returns how many entries were deleted. For the retention policy only: on
    PostgreSQL the database refuses to delete anything younger than the audit retention period."""
    deleted = 0
    while True:
        with transaction.atomic():
            head = ChainHead.objects.select_for_update().filter(pk=1).first()
            if head is None:
                break  # nothing was ever sealed
            seals = list(Seal.objects.filter(position__gt=head.purged_through).order_by("position")[:batch])
            entries = LogEntry.objects.in_bulk([seal.entry_id for seal in seals])
            through = []
            for seal in seals:
                entry = entries.get(seal.entry_id)
                if entry is not None and entry.timestamp >= before:
                    break
                through.append(seal)
            if not through:
                break
            LogEntry.objects.filter(pk__in=[seal.entry_id for seal in through]).delete()
            Seal.objects.filter(position__in=[seal.position for seal in through]).delete()
            head.purged_through, head.purged_digest = through[-1].position, through[-1].digest
            head.save(update_fields=["purged_through", "purged_digest", "updated_at"])
            deleted += len(through)
            if len(through) < len(seals):
                break
    with transaction.atomic():
        unsealed = LogEntry.objects.filter(timestamp__lt=before).filter(
            ~Exists(Seal.objects.filter(entry_id=OuterRef("pk")))
        )
        deleted += unsealed.delete()[0]
    return deleted


@dataclass
class Verification:
    entries: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if self.ok:
            return f"Audit trail verified: {self.entries} sealed entries, no problems."
        shown = "; ".join(self.problems[:20])
        more = f" (and {len(self.problems) - 20} more)" if len(self.problems) > 20 else ""
        return f"Audit trail verification found {len(self.problems)} problem(s): {shown}{more}"


def verify(*, now: Any = None) -> Verification:
    """Walk the chain in order; report altered, deleted, reordered and unsealed entries.

    Reports name entry ids and seal positions only, never content.
    """
    now = now or timezone.now()
    result = Verification()
    head = ChainHead.objects.filter(pk=1).first()
    # After a retention purge the chain starts at the first kept seal, linked to the last purged one.
    previous = head.purged_digest if head else GENESIS
    start = last_position = head.purged_through if head else 0
    seals = Seal.objects.order_by("position")
    while True:
        batch = list(seals.filter(position__gt=start)[:BATCH])
        if not batch:
            break
        entries = LogEntry.objects.in_bulk([seal.entry_id for seal in batch])
        for seal in batch:
            if seal.previous != previous:
                result.problems.append(f"the link before seal {seal.position} is broken (a seal was removed)")
            entry = entries.get(seal.entry_id)
            if entry is None:
                result.problems.append(f"entry {seal.entry_id} (seal {seal.position}) was deleted")
            elif link(seal.previous, entry) != seal.digest:
                result.problems.append(f"entry {seal.entry_id} (seal {seal.position}) was altered")
            else:
                result.entries += 1
            previous = seal.digest
            last_position = seal.position
        start = batch[-1].position
    if head is not None and (head.position, head.digest) != (last_position, previous):
        result.problems.append(f"the chain ends at seal {last_position}, but its head says {head.position}")
    for entry_id in overdue(now=now):
        result.problems.append(f"entry {entry_id} was never sealed")
    return result
