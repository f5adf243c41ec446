"""Recording who saw what. Changes are logged by django-auditlog itself; views are logged here."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.http import HttpRequest

from cmarac.core.client_ip import client_ip

# What the trail stores in place of a value that may hold personal or case content.
NOT_RECORDED = "(not recorded)"


def not_recorded(value: str) -> str:
    """auditlog's mask callable: the trail keeps that a field changed, never what it held."""
    return NOT_RECORDED


def audit_register(model: type[models.Model], *, shown: Iterable[str] = (), exclude: Iterable[str] = ()) -> None:
    """Register a model with django-auditlog so its entries name the fields that changed but hold
    none of their values, except the primary key, links to other records (stored as ids) and the
    fields named in `shown`, which must be codes (statuses, kinds, risk levels) or system times,
    never anything a person typed about someone. `exclude` leaves fields out of the trail entirely."""
    keep = {*shown, model._meta.pk.name}
    excluded = list(exclude)
    unknown = (keep | set(excluded)) - {field.name for field in model._meta.concrete_fields}
    if unknown:
        raise ImproperlyConfigured(f"audit_register({model.__name__}): no such fields {sorted(unknown)}")
    masked = [
        field.name
        for field in model._meta.concrete_fields
        if field.name not in keep and field.name not in excluded and not field.many_to_one and not field.one_to_one
    ]
    auditlog.register(
        model, exclude_fields=excluded, mask_fields=masked, mask_callable="cmarac.core.audit.not_recorded"
    )


def _client_address(request: HttpRequest | None) -> str | None:
    return client_ip(request) if request is not None else None


def audit_view(*, request: HttpRequest, instance: models.Model, what: str) -> LogEntry:
    """Log that the signed-in person viewed one object holding case data."""
    extra: dict[str, Any] = {"what": what}
    get_additional_data = getattr(instance, "get_additional_data", None)
    if callable(get_additional_data):
        extra.update(get_additional_data())
    return LogEntry.objects.log_create(
        instance,
        force_log=True,
        action=LogEntry.Action.ACCESS,
        actor=request.user,
        remote_addr=_client_address(request),
        additional_data=extra,
    )


def audit_list(
    *, request: HttpRequest, model: type[models.Model], what: str, shown: list[str], criteria: dict[str, Any]
) -> LogEntry:
    """Log that the signed-in person saw a list or search result: the criteria and what was shown."""
    return LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(model),
        object_pk="",
        object_repr=what,
        action=LogEntry.Action.ACCESS,
        actor=request.user,
        actor_email=getattr(request.user, "email", None),
        remote_addr=_client_address(request),
        changes={"criteria": criteria, "shown": shown},
        # Space-delimited so a search for one reference cannot match a longer one.
        changes_text=f" {' '.join(shown)} ",
        additional_data={"what": what},
    )


def audit_refused(
    *, request: HttpRequest, model: type[models.Model], what: str, reference: str, key: str = "case"
) -> LogEntry:
    """Log an attempt to reach a record that is missing or not this person's (answered with 404)."""
    return LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(model),
        object_pk="",
        object_repr=f"Refused: {what}",
        action=LogEntry.Action.ACCESS,
        actor=request.user,
        actor_email=getattr(request.user, "email", None),
        remote_addr=_client_address(request),
        changes={"refused": request.path},
        additional_data={"what": f"Refused: {what}", key: reference, "refused": True},
    )


def audit_event(
    *,
    request: HttpRequest | None,
    what: str,
    target: models.Model | type[models.Model],
    actor: Any = None,
    action: int = LogEntry.Action.ACCESS,
    details: dict[str, Any] | None = None,
) -> LogEntry:
    """Log something that happened to a record without a change of its fields being saved: a
    sign-in, a failed sign-in, a lockout, a password change. `target` is the record, or its model
    when there is none (a failed sign-in for an address with no account). `actor` is the person
    who did it, if known; nobody signed in is recorded as such. `details` holds ids and codes
    only, never anything typed."""
    if isinstance(target, models.Model):
        content_type = ContentType.objects.get_for_model(target)
        object_pk, object_id, object_repr = str(target.pk), target.pk, str(target)
    else:
        content_type = ContentType.objects.get_for_model(target)
        object_pk, object_id, object_repr = "", None, what
    actor = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return LogEntry.objects.create(
        content_type=content_type,
        object_pk=object_pk,
        object_id=object_id,
        object_repr=object_repr,
        action=action,
        actor=actor,
        actor_email=getattr(actor, "email", None),
        remote_addr=_client_address(request),
        changes={},
        additional_data={"what": what, **(details or {}), **({} if actor else {"signed_in": False})},
    )


def audit_retention(
    *,
    instance: models.Model,
    reference: str,
    key: str,
    by: Any,
    what: str,
    policy: str,
    rule: str,
    deleted: bool = False,
) -> LogEntry:
    """Log that the retention policy anonymised or deleted a record: which record (by reference),
    the policy applied and who ran it, a person or the scheduled job. No values, before or after."""
    ran_by = getattr(by, "email", None) or "retention job"
    return LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(type(instance)),
        object_pk=str(instance.pk),
        object_id=instance.pk if isinstance(instance.pk, int) else None,
        object_repr=reference,
        action=LogEntry.Action.DELETE if deleted else LogEntry.Action.UPDATE,
        actor=by,
        actor_email=getattr(by, "email", None),
        changes={"retention": [what, policy]},
        changes_text=f" {reference} ",
        additional_data={"what": what, key: reference, "policy": policy, "rule": rule, "by": ran_by},
    )


def audit_purge_record(*, by: Any, entries: int, before: str, policy: str, rule: str) -> LogEntry:
    """Log that audit entries older than the audit retention period were deleted: how many and
    up to when, under which policy, and who ran it (a person or the scheduled job)."""
    what = "Audit entries deleted under the retention policy"
    return LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(LogEntry),
        object_pk="",
        object_repr=what,
        action=LogEntry.Action.DELETE,
        actor=by,
        actor_email=getattr(by, "email", None),
        changes={"retention": [what, policy]},
        additional_data={
            "what": what,
            "policy": policy,
            "rule": rule,
            "entries": entries,
            "before": before,
            "by": getattr(by, "email", None) or "retention job",
        },
    )
