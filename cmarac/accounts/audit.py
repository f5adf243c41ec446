"""Account events the model trail cannot see: invitations, reset links, sessions ended, roles removed.

Named apart from cmarac.core.audit's helpers; the entry holds codes and counts, never a password,
a link or anything a person typed."""

from __future__ import annotations

from typing import Any

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from cmarac.accounts.models import User


def audit_account_event(*, person: User, by: User | None, what: str, details: dict[str, Any] | None = None) -> LogEntry:
    return LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(User),
        object_pk=str(person.pk),
        object_id=person.pk,
        object_repr=f"person {person.pk}",
        action=LogEntry.Action.UPDATE,
        actor=by,
        actor_email=getattr(by, "email", None),
        changes={"account": {"event": what, **(details or {})}},
        additional_data={"what": what},
    )
