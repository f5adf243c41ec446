"""A meeting's packs for everyone at once: every co-chair, and for each agency invited to an item
its lead (its deputy where it has no lead), in one step by the coordinator. ADR 0037.

One transaction makes a MeetingPack per person and queues a task with the packs' ids for every
PACK_BATCH_SIZE of them (one task for a usual meeting; a large one never outruns the time limit). The task
works out each person's items as a pack made for them alone does (AgendaItem.visible_to the
recipient), renders each pack's parts, and lays out every distinct part once for all of them
(meetings/printing.py print_many): a part is reused only for a pack whose own HTML for it is the
same, so a section is only ever in the pack of someone who may see it. Each pack is then saved by
pack_build, and becomes ready or failed on its own.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cmarac.accounts.models import Agency, User
from cmarac.accounts.roles import Role
from cmarac.outbox.services import outbox_enqueue
from meetings.models import AgendaInvitation, Meeting, MeetingPack
from meetings.packs import may_make_packs_for_others, may_request_pack, pack_build, pack_context, pack_print_job
from meetings.printing import PartCache, Printed, print_many, raise_if_given_up

logger = logging.getLogger(__name__)


def meeting_pack_recipients(meeting: Meeting) -> list[User]:
    """Who gets a pack when the coordinator makes them for the whole meeting: every active
    co-chair, and for each active agency invited to an item at this meeting its active lead, or
    its active deputy where it has no active lead (so every invited agency has one). A person who
    is both is listed once. By name."""
    invited = Agency.objects.filter(
        is_active=True, pk__in=AgendaInvitation.objects.filter(item__meeting=meeting).values("agency_id")
    )
    leads = invited.filter(lead__is_active=True).values("lead_id")
    deputies = invited.exclude(lead__is_active=True).filter(deputy__is_active=True).values("deputy_id")
    people = User.objects.filter(is_active=True).filter(
        Q(groups__name=Role.CO_CHAIR.group_name) | Q(pk__in=leads) | Q(pk__in=deputies)
    )  # one query
    return list(people.distinct().select_related("agency").order_by("full_name", "pk"))


@transaction.atomic
def packs_request_for_meeting(*, meeting: Meeting, by: User) -> list[MeetingPack]:
    """The coordinator makes a meeting pack for everyone who gets one (meeting_pack_recipients),
    each holding what its recipient may see, never the maker's; tasks of up to PACK_BATCH_SIZE packs
    build them (ids only)."""
    if not may_make_packs_for_others(by):
        raise ValidationError("Only the coordinator can make packs for the meeting.")
    packs = [
        MeetingPack.objects.create(
            meeting=meeting, kind=MeetingPack.Kind.PACK, recipient=person, made_by=None if person.pk == by.pk else by
        )
        for person in meeting_pack_recipients(meeting)
        if may_request_pack(person, meeting)
    ]
    if not packs:
        raise ValidationError("There is nobody to make a pack for yet.")
    from meetings.tasks import build_packs

    # One task per PACK_BATCH_SIZE packs: each lays out its own packs' shared parts once, and a
    # large meeting's packs never wait on one task that could outrun the build's time limit.
    size = settings.PACK_BATCH_SIZE
    for start in range(0, len(packs), size):
        outbox_enqueue(build_packs, *(str(pack.pk) for pack in packs[start : start + size]))
    return packs


def packs_build(
    pack_ids: Sequence[str], *, now: datetime | None = None, cache: PartCache | None = None
) -> list[MeetingPack]:
    """Make these packs at once (called by the task), laying out each distinct part once. Each
    is saved by pack_build as a pack made alone is: ready, or failed on its own."""
    now = now or timezone.now()
    unfinished = (MeetingPack.Status.QUEUED, MeetingPack.Status.BUILDING)
    packs = list(
        MeetingPack.objects.filter(pk__in=list(pack_ids), status__in=unfinished)
        .select_related("meeting", "recipient__agency", "made_by")
        .order_by("requested_at", "pk")
    )
    MeetingPack.objects.filter(pk__in=[pack.pk for pack in packs]).update(status=MeetingPack.Status.BUILDING)
    made: dict[Any, tuple[dict[str, Any], Printed | Exception]] = {}
    ready = []
    for pack in packs:
        try:
            context = pack_context(pack, now)  # the recipient's own items: AgendaItem.visible_to(recipient)
            ready.append((pack, context, pack_print_job(pack, context)))
        except Exception as error:  # this pack fails, the others go on
            raise_if_given_up(error)
            made[pack.pk] = ({}, error)
    results = print_many([job for _, _, job in ready], processes=settings.PACK_RENDER_PROCESSES, cache=cache)
    for (pack, context, _job), result in zip(ready, results, strict=True):
        made[pack.pk] = (context, result)
    built = []
    for pack in packs:
        context, result = made[pack.pk]

        def make(_pack: MeetingPack, _now: datetime, context: Any = context, result: Any = result) -> Any:
            if isinstance(result, Exception):
                raise result
            return context, result

        try:
            built.append(pack_build(str(pack.pk), now=now, make=make))
        except Exception as error:  # recorded as failed by pack_build; the others go on
            raise_if_given_up(error)
            logger.exception("pack %s failed", pack.pk)
    return built
