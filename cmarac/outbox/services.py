"""The transactional outbox (ADR 0015): queue work in the transaction that saves the change, hand
it to Celery once committed, and hand it over again until the task reports it done.

- ``outbox_enqueue(task, *ids)`` inside the service's transaction stores the message and, on
  commit, tries once to publish it. A dead broker costs a refused connection, not the request.
- The task runs inside ``outbox_delivery``: success marks the message sent; an error is recorded
  (its kind only) and the message waits for the relay with a growing delay.
- ``outbox_relay`` (beat task and ``manage.py relay_outbox``) hands over what is due again, and
  anything handed over long ago that never finished (a lost broker message, a killed worker).
- Because a message may be handed over twice, tasks that send email use ``send_mail_once``: one
  marker per message and recipient, written in the transaction that sends.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import ParamSpec, TypeVar

from celery import Task, current_app
from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from cmarac.outbox.models import OutboxEmail, OutboxMessage

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")


def outbox_enqueue(task: Task | str, *ids: int | str) -> OutboxMessage:
    """Store the work in the current transaction; after the commit, hand it to Celery."""
    name = task if isinstance(task, str) else task.name
    message = OutboxMessage.objects.create(task=name, args=list(ids))
    transaction.on_commit(functools.partial(outbox_hand_over, message.pk))
    return message


def _retry_delay(attempts: int) -> timedelta:
    seconds = settings.OUTBOX_RETRY_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.OUTBOX_RETRY_MAX_SECONDS))


def _record_failure(message_id: int, error: BaseException, *, now: datetime | None = None) -> None:
    now = now or timezone.now()
    message = OutboxMessage.objects.filter(pk=message_id, sent_at__isnull=True).first()
    if message is None:
        return
    OutboxMessage.objects.filter(pk=message_id).update(
        handed_over_at=None, last_error=type(error).__name__[:200], next_attempt_at=now + _retry_delay(message.attempts)
    )
    logger.warning("outbox message %s (%s) not done: %s", message_id, message.task, type(error).__name__)


def _task(name: str) -> Task:
    tasks = current_app.tasks
    if name not in tasks:
        current_app.loader.import_default_modules()  # outside a worker, the task modules load on demand
    return current_app.tasks[name]


def outbox_hand_over(message_id: int, *, now: datetime | None = None) -> bool:
    """Publish one message (or, without a broker, run it inline). Never raises: a failure is recorded
    on the message for the relay. Returns whether the broker took it (or the inline run finished)."""
    now = now or timezone.now()
    message = OutboxMessage.objects.filter(pk=message_id, sent_at__isnull=True).first()
    if message is None:
        return True
    # Marked before publishing: an inline run, or a fast worker, may finish (or fail) first.
    OutboxMessage.objects.filter(pk=message_id).update(handed_over_at=now, attempts=message.attempts + 1)
    try:
        # No result is kept: waiting on the result store is what made a dead Redis cost 19 s.
        _task(message.task).apply_async(
            args=message.args, kwargs={"outbox_message": message.pk}, retry=False, ignore_result=True
        )
    except Exception as error:  # any broker error leaves the message for the relay
        _record_failure(message_id, error, now=now)
        return False
    return True


def outbox_due(*, now: datetime | None = None) -> Q:
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.OUTBOX_REDELIVER_AFTER_SECONDS)
    return Q(sent_at__isnull=True, next_attempt_at__lte=now) & (
        Q(handed_over_at__isnull=True) | Q(handed_over_at__lte=stale)
    )


def outbox_relay(*, now: datetime | None = None, limit: int = 200) -> int:
    """Hand over every message that is due: never handed over, failed and waited long enough, or
    handed over so long ago that its worker or broker message must be lost. Returns how many the
    broker took."""
    ids = list(OutboxMessage.objects.filter(outbox_due(now=now)).values_list("pk", flat=True)[:limit])
    return sum(outbox_hand_over(pk, now=now) for pk in ids)


def outbox_backlog(*, now: datetime | None = None) -> int:
    """How many messages have waited longer than OUTBOX_BACKLOG_MINUTES unsent (for /healthz)."""
    now = now or timezone.now()
    since = now - timedelta(minutes=settings.OUTBOX_BACKLOG_MINUTES)
    return OutboxMessage.objects.unsent().filter(created_at__lte=since).count()


def outbox_sent(message_id: int | None) -> bool:
    return message_id is not None and OutboxMessage.objects.filter(pk=message_id, sent_at__isnull=False).exists()


def outbox_task(func: Callable[P, R]) -> Callable[P, R | None]:
    """Wrap a task that the outbox hands over (it takes ``outbox_message``, the message's id): mark
    the message sent when the task returns; when it raises, record the error and leave the
    message for the relay. Called without a message (directly, in a test), errors propagate."""

    @functools.wraps(func)
    def run(*args: P.args, **kwargs: P.kwargs) -> R | None:
        message_id = kwargs.get("outbox_message")
        if message_id is None:
            return func(*args, **kwargs)
        try:
            result = func(*args, **kwargs)
        except Exception as error:  # recorded for the relay, which tries again
            _record_failure(int(message_id), error)  # type: ignore[call-overload]
            return None
        OutboxMessage.objects.filter(pk=message_id, sent_at__isnull=True).update(sent_at=timezone.now(), last_error="")
        return result

    return run


def send_mail_once(*, message_id: int | None, key: str, subject: str, body: str, recipients: Sequence[str]) -> bool:
    """Send one email for this outbox message and recipient key, unless it went already.

    The message row is locked, the marker checked, the email sent and the marker written in one
    transaction: a second delivery of the same message waits for the first and then sends nothing;
    a failed send writes no marker, so the relay's next delivery sends it. Without a message (a
    direct call) the email is simply sent."""
    if message_id is None:
        return bool(send_mail(subject, body, None, list(recipients)))
    try:
        with transaction.atomic():
            OutboxMessage.objects.select_for_update().filter(pk=message_id).first()
            if OutboxEmail.objects.filter(message_id=message_id, key=key).exists():
                return False
            OutboxEmail.objects.create(message_id=message_id, key=key)
            sent = send_mail(subject, body, None, list(recipients))
    except IntegrityError:  # a concurrent delivery wrote the marker first
        return False
    return bool(sent)


def run_named_task(name: str) -> object:
    """Run a task here, inline, by its name (the relay command's sweepers: cmarac imports no app above it)."""
    return _task(name).apply().get()


def outbox_latest(task: str, *ids: int | str) -> OutboxMessage | None:
    """The newest message for this task and these ids (what a page says about it: sent or queued)."""
    return OutboxMessage.objects.filter(task=task, args=list(ids)).order_by("-pk").first()
