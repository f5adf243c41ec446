"""Packs a dead worker leaves behind: acknowledged late, requeued when the worker is lost, and given
up by the sweeper after the build's time limit and a margin, so the person can ask again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from cmarac.celery import app as project_app
from meetings import services
from meetings.models import MeetingPack
from meetings.packs import pack_build, packs_fail_stale
from meetings.tasks import PACK_TIME_LIMIT, build_pack
from tests.factories.cases import CaseFactory
from tests.factories.meetings import MeetingFactory
from tests.private_files import stored_names

pytestmark = pytest.mark.django_db
ASKED = datetime(2030, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def meeting(co_chair, housing):
    meeting = MeetingFactory()
    item = services.agenda_add_item(meeting=meeting, case=CaseFactory(involve=[housing]), item_type="new", by=co_chair)
    services.invite_agency_to_item(item=item, agency=housing, by=co_chair)
    return meeting


def asked_at(meeting, person, status: str) -> MeetingPack:
    with time_machine.travel(ASKED, tick=False):
        return MeetingPack.objects.create(meeting=meeting, kind="pack", recipient=person, status=status)


def test_the_pack_task_is_acknowledged_late_and_requeued_when_its_worker_dies(settings) -> None:
    assert build_pack.acks_late is True
    assert build_pack.reject_on_worker_lost is True
    assert project_app.conf.worker_prefetch_multiplier == 1
    assert settings.CELERY_TASK_ROUTES["meetings.build_pack"] == {"queue": "packs"}
    assert "sweep-stale-packs" in settings.CELERY_BEAT_SCHEDULE


@pytest.mark.parametrize("status", ["queued", "building"])
def test_a_pack_left_unfinished_past_the_limit_and_margin_is_marked_failed(meeting, co_chair, settings, status) -> None:
    settings.PACK_STALE_MARGIN_SECONDS = 600
    pack = asked_at(meeting, co_chair, status)
    limit = timedelta(seconds=PACK_TIME_LIMIT + 600)
    with time_machine.travel(ASKED + limit - timedelta(seconds=1), tick=False):
        assert packs_fail_stale() == 0  # may still be being made
    pack.refresh_from_db()
    assert pack.status == status
    with time_machine.travel(ASKED + limit + timedelta(seconds=1), tick=False):
        assert packs_fail_stale() == 1
    pack.refresh_from_db()
    assert pack.status == MeetingPack.Status.FAILED
    assert pack.finished_at is not None


def test_the_sweeper_leaves_finished_packs_alone(meeting, co_chair) -> None:
    ready, failed = asked_at(meeting, co_chair, "ready"), asked_at(meeting, co_chair, "failed")
    with time_machine.travel(ASKED + timedelta(days=1), tick=False):
        assert packs_fail_stale() == 0
    assert {p.pk: p.status for p in MeetingPack.objects.all()} == {ready.pk: "ready", failed.pk: "failed"}


def test_the_relay_command_runs_the_sweeper(meeting, co_chair, settings) -> None:
    pack = asked_at(meeting, co_chair, "building")
    with time_machine.travel(ASKED + timedelta(hours=1), tick=False):
        call_command("relay_outbox", stdout=open("/dev/null", "w"))  # noqa: SIM115
    pack.refresh_from_db()
    assert pack.status == MeetingPack.Status.FAILED


def test_a_failed_pack_says_so_and_offers_to_ask_again(meeting, co_chair, as_user, settings, tmp_path) -> None:
    settings.PRIVATE_FILES_DIR = tmp_path
    pack = asked_at(meeting, co_chair, "failed")
    client = as_user(co_chair)
    page = client.get(reverse("meetings:pack", args=[pack.pk])).content.decode()
    assert "could not be made" in page
    assert "data-pack-failed>" in page  # shown, not hidden
    waiting = asked_at(meeting, co_chair, "queued")
    assert "data-pack-failed hidden" in client.get(reverse("meetings:pack", args=[waiting.pk])).content.decode()
    assert "Ask for the meeting pack again" in page
    assert f'action="{reverse("meetings:pack-ask", args=[meeting.pk])}"' in page
    response = client.post(reverse("meetings:pack-ask", args=[meeting.pk]), {"kind": "pack"})
    again = MeetingPack.objects.exclude(pk__in=[pack.pk, waiting.pk]).get()
    assert response["Location"] == reverse("meetings:pack", args=[again.pk])


def test_a_pack_given_up_by_the_sweeper_is_not_built_by_a_late_delivery(meeting, co_chair, settings, tmp_path) -> None:
    settings.PRIVATE_FILES_DIR = tmp_path
    pack = asked_at(meeting, co_chair, "failed")
    assert pack_build(str(pack.pk)).status == MeetingPack.Status.FAILED
    assert stored_names("packs") == []
