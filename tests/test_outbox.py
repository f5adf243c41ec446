"""The outbox (ADR 0015): work after a saved change survives a dead broker, is retried until done,
and each email goes once even when a message is handed over twice."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from cmarac.celery import app as project_app
from cmarac.outbox.models import OutboxEmail, OutboxMessage
from cmarac.outbox.services import outbox_hand_over, outbox_relay
from meetings import services as meetings
from meetings.models import MeetingPack
from meetings.tasks import send_agenda_published
from referrals.models import Referral
from referrals.tasks import send_referral_received
from tests.factories.cases import CaseFactory
from tests.factories.meetings import MeetingFactory
from tests.factories.referrals import CompleteDraftReferralFactory, SubmittedReferralFactory
from tests.services import require, test_redis_url

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _reset_connections() -> None:
    project_app._pool = None
    project_app.amqp._producer_pool = None


@pytest.fixture
def dead_broker() -> Iterator[str]:
    """Tasks go through a broker (not inline), and the broker is a closed port."""
    saved = {key: project_app.conf[key] for key in ("broker_url", "result_backend", "task_always_eager")}
    url = f"redis://127.0.0.1:{closed_port()}/13"
    project_app.conf.update(broker_url=url, result_backend=url, task_always_eager=False)
    _reset_connections()
    try:
        yield url
    finally:
        project_app.conf.update(saved)
        _reset_connections()


@pytest.fixture
def published_meeting_parts(co_chair, housing, housing_lead):
    meeting = MeetingFactory()
    item = meetings.agenda_add_item(meeting=meeting, case=CaseFactory(involve=[housing]), item_type="new", by=co_chair)
    meetings.invite_agency_to_item(item=item, agency=housing, by=co_chair)
    return meeting


def later(minutes: int) -> datetime:
    return timezone.now() + timedelta(minutes=minutes)


# --- A dead broker costs nothing the person saved ------------------------------------------


def test_sending_a_referral_with_the_broker_down_stores_the_email_for_later(
    dead_broker, police_referrer, coordinator, as_user, django_capture_on_commit_callbacks
) -> None:
    referral = CompleteDraftReferralFactory(referrer=police_referrer)
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(police_referrer).post(
            reverse("referrals:check", args=[referral.reference]), {"revision": referral.revision}
        )
    assert response.status_code == 302
    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.SUBMITTED
    message = OutboxMessage.objects.get(task="referrals.send_referral_received")
    assert message.args == [referral.pk]
    assert (message.sent_at, message.handed_over_at, message.attempts) == (None, None, 1)
    assert message.last_error == "OperationalError"  # the kind of error, never its text
    assert message.next_attempt_at > timezone.now()
    assert mail.outbox == []


def test_publishing_an_agenda_with_the_broker_down_says_the_emails_are_queued(
    dead_broker, published_meeting_parts, co_chair, as_user, django_capture_on_commit_callbacks
) -> None:
    meeting = published_meeting_parts
    client = as_user(co_chair)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("meetings:agenda", args=[meeting.pk]), {"action": "publish"})
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == "agenda-published"
    assert OutboxMessage.objects.filter(task="meetings.send_agenda_published", sent_at__isnull=True).count() == 1
    followed = client.get(response["Location"]).content.decode()
    assert "are queued" in followed
    assert "has been emailed" not in followed


def test_asking_for_a_pack_with_the_broker_down_keeps_the_request(
    dead_broker, published_meeting_parts, co_chair, as_user, django_capture_on_commit_callbacks
) -> None:
    meeting = published_meeting_parts
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(co_chair).post(reverse("meetings:pack-ask", args=[meeting.pk]), {"kind": "pack"})
    assert response.status_code == 302
    pack = MeetingPack.objects.get(meeting=meeting)
    assert pack.status == MeetingPack.Status.QUEUED
    message = OutboxMessage.objects.get(task="meetings.build_pack")
    assert message.args == [str(pack.pk)]
    assert message.sent_at is None


def test_the_relay_sends_what_waited_once_the_broker_is_back_and_nothing_twice(
    dead_broker, police_referrer, coordinator, settings, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        SubmittedReferralFactory(referrer=police_referrer)
    message = OutboxMessage.objects.get(task="referrals.send_referral_received")
    assert mail.outbox == []
    project_app.conf.task_always_eager = True  # the broker is back (here: tasks run inline)
    call_command("relay_outbox", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert mail.outbox == []  # not due yet: it waits for its retry time
    with time_machine.travel(later(5)):
        call_command("relay_outbox", stdout=open("/dev/null", "w"))  # noqa: SIM115
        call_command("relay_outbox", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert [m.to for m in mail.outbox] == [[coordinator.email]]
    message.refresh_from_db()
    assert message.sent_at is not None
    assert message.last_error == ""


# --- Retries and each email once -------------------------------------------------------


def test_a_failed_send_is_retried_with_a_growing_wait(
    published_meeting_parts, housing_lead, settings, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    settings.OUTBOX_RETRY_SECONDS = 60
    from meetings import notifications

    def smtp_down(*args: object, **kwargs: object) -> int:
        raise ConnectionRefusedError

    monkeypatch.setattr("cmarac.outbox.services.send_mail", smtp_down)
    with django_capture_on_commit_callbacks(execute=True):
        message = notifications.agenda_published(published_meeting_parts)
    message.refresh_from_db()
    assert (message.attempts, message.last_error, message.sent_at) == (1, "ConnectionRefusedError", None)
    first_wait = message.next_attempt_at - timezone.now()
    with time_machine.travel(message.next_attempt_at + timedelta(seconds=1)):
        assert outbox_relay() == 1
        message.refresh_from_db()
        assert message.attempts == 2
        assert message.next_attempt_at - timezone.now() > first_wait  # doubled
    monkeypatch.undo()
    with time_machine.travel(message.next_attempt_at + timedelta(seconds=1)):
        outbox_relay()
    message.refresh_from_db()
    assert message.sent_at is not None
    assert [m.to for m in mail.outbox] == [[housing_lead.email]]


def test_an_email_goes_once_even_when_its_message_is_handed_over_twice(
    published_meeting_parts, housing_lead, fire, fire_lead, co_chair
) -> None:
    meeting = published_meeting_parts
    item = meetings.agenda_add_item(meeting=meeting, case=CaseFactory(involve=[fire]), item_type="new", by=co_chair)
    meetings.invite_agency_to_item(item=item, agency=fire, by=co_chair)
    message = OutboxMessage.objects.create(task="meetings.send_agenda_published", args=[meeting.pk])
    assert send_agenda_published(meeting.pk, outbox_message=message.pk) == 2
    assert send_agenda_published(meeting.pk, outbox_message=message.pk) == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted([housing_lead.email, fire_lead.email])
    assert sorted(OutboxEmail.objects.values_list("key", flat=True)) == sorted(
        [f"agency:{item.invitations.get().agency_id}", f"agency:{meeting.items.first().invitations.first().agency_id}"]
    )


def test_an_email_that_failed_half_way_sends_only_the_rest_on_the_retry(
    coordinator, police_referrer, monkeypatch
) -> None:
    from tests.factories.accounts import CoordinatorFactory

    second = CoordinatorFactory(email="second.coordinator@cs.example", agency=coordinator.agency)
    referral = SubmittedReferralFactory(referrer=police_referrer)
    message = OutboxMessage.objects.create(task="referrals.send_referral_received", args=[referral.pk])
    from django.core.mail import send_mail as real_send_mail

    def fail_for_the_second(subject: str, body: str, sender: object, to: list[str]) -> int:
        if to == [second.email]:
            raise ConnectionResetError
        return real_send_mail(subject, body, sender, to)

    monkeypatch.setattr("cmarac.outbox.services.send_mail", fail_for_the_second)
    assert send_referral_received(referral.pk, outbox_message=message.pk) is None  # recorded, not raised
    message.refresh_from_db()
    assert message.sent_at is None
    assert message.last_error == "ConnectionResetError"
    monkeypatch.undo()
    send_referral_received(referral.pk, outbox_message=message.pk)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([coordinator.email, second.email])
    message.refresh_from_db()
    assert message.sent_at is not None


def test_a_message_handed_over_long_ago_and_never_done_is_handed_over_again(settings) -> None:
    settings.OUTBOX_REDELIVER_AFTER_SECONDS = 900
    message = OutboxMessage.objects.create(
        task="meetings.send_agenda_published", args=[0], handed_over_at=timezone.now()
    )
    assert outbox_relay() == 0  # handed over just now: its worker may still be on it
    with time_machine.travel(later(16)):
        assert outbox_relay() == 1
    message.refresh_from_db()
    assert message.attempts == 1
    assert message.sent_at is not None  # no such meeting: nothing to send, and done


def test_a_sent_message_is_never_handed_over_again() -> None:
    message = OutboxMessage.objects.create(task="meetings.send_agenda_published", args=[0], sent_at=timezone.now())
    assert outbox_hand_over(message.pk) is True
    with time_machine.travel(later(60 * 24)):
        assert outbox_relay() == 0
    message.refresh_from_db()
    assert message.attempts == 0


@pytest.mark.django_db(transaction=True)  # real commits: the page is written after the emails went
def test_without_a_broker_the_work_runs_inline_on_commit(
    published_meeting_parts, housing_lead, co_chair, as_user
) -> None:
    client = as_user(co_chair)
    response = client.post(reverse("meetings:agenda", args=[published_meeting_parts.pk]), {"action": "publish"})
    assert [m.to for m in mail.outbox] == [[housing_lead.email]]
    assert OutboxMessage.objects.get().sent_at is not None
    assert "Each invited agency has been emailed" in client.get(response["Location"]).content.decode()


def test_publishing_to_agencies_with_nobody_to_tell_says_so(
    co_chair, as_user, housing, housing_lead, django_capture_on_commit_callbacks
) -> None:
    housing_lead.is_active = False
    housing_lead.save()
    meeting = MeetingFactory()
    item = meetings.agenda_add_item(meeting=meeting, case=CaseFactory(involve=[housing]), item_type="new", by=co_chair)
    meetings.invite_agency_to_item(item=item, agency=housing, by=co_chair)
    client = as_user(co_chair)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("meetings:agenda", args=[meeting.pk]), {"action": "publish"})
    followed = client.get(response["Location"]).content.decode()
    assert "no invited agency can be emailed" in followed
    assert f"Nobody at {housing.name} has been told" in followed
    assert mail.outbox == []


def test_messages_hold_ids_only(published_meeting_parts, django_capture_on_commit_callbacks) -> None:
    from meetings import notifications

    message = notifications.agenda_published(published_meeting_parts)
    assert all(isinstance(arg, int | str) and str(arg).replace("-", "").isalnum() for arg in message.args)
    assert str(message) == f"outbox message {message.pk} (meetings.send_agenda_published)"


# --- Through a real worker on Redis ----------------------------------------------------


def _wait_until_sent(message: OutboxMessage, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message.refresh_from_db()
        if message.sent_at is not None:
            return
        time.sleep(0.1)
    pytest.fail(f"outbox message not done: {message.last_error or 'no error recorded'}")


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_delivers_what_waited_and_a_second_hand_over_sends_nothing(
    dead_broker, police_referrer, coordinator
) -> None:
    from tests.test_celery import worker_on_redis

    require(test_redis_url(), "Redis (set TEST_REDIS_URL or REDIS_URL)")
    SubmittedReferralFactory(referrer=police_referrer)  # committed: the hand-over meets the dead broker
    message = OutboxMessage.objects.get(task="referrals.send_referral_received")
    assert message.sent_at is None
    assert mail.outbox == []
    with worker_on_redis("outbox-test", "referrals"):
        assert outbox_relay(now=later(5)) == 1  # past its retry time
        _wait_until_sent(message)
        # As if the worker died after sending but before marking the message: handed over again.
        OutboxMessage.objects.filter(pk=message.pk).update(sent_at=None, handed_over_at=None)
        assert outbox_hand_over(message.pk) is True
        _wait_until_sent(message)
    assert [m.to for m in mail.outbox] == [[coordinator.email]]


def test_beat_runs_the_relay_every_minute_and_the_task_hands_over_what_is_due(settings) -> None:
    from cmarac.outbox.tasks import relay

    assert settings.CELERY_BEAT_SCHEDULE["relay-outbox"] == {"task": "outbox.relay", "schedule": timedelta(minutes=1)}
    message = OutboxMessage.objects.create(task="meetings.send_agenda_published", args=[0])
    assert relay() == 1
    message.refresh_from_db()
    assert message.sent_at is not None
