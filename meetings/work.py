"""Meetings' lines on the home page: the next meeting and what is missing for it, minutes waiting,
and for an agency the items it has not shared information on yet.

Items are counted through AgendaItem.objects.visible_to(user) (an agency sees the items it is
invited to); meetings themselves hold no case data. Each function costs a fixed number of queries.
"""

from __future__ import annotations

from datetime import date, datetime, time
from urllib.parse import urlencode

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from cmarac.accounts.models import Agency, User
from cmarac.core.work import WorkItem, WorkLine, plural
from meetings.models import AgencyInformation, AgendaInvitation, AgendaItem, Meeting, MeetingPack
from meetings.notifications import agencies_nobody_can_tell, agenda_agencies

M = Meeting.MinutesStatus
ITEMS_SHOWN = 5


def _start_of(today: date) -> datetime:
    return timezone.make_aware(datetime.combine(today, time.min))


def _long(moment: datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local:%A} {local.day} {local:%B %Y} at {local:%H:%M}"


def _upcoming(user: User, today: date, *, with_packs: bool = True):  # type: ignore[no-untyped-def]
    """Meetings from today on, not cancelled, soonest first, each with how many of its items this
    person may see and (`with_packs`) how many packs are ready for it (one correlated subquery
    each)."""
    visible_items = (
        AgendaItem.objects.visible_to(user)
        .filter(meeting=OuterRef("pk"))
        .order_by()
        .values("meeting")
        .annotate(n=Count("pk"))
        .values("n")
    )
    packs = (
        MeetingPack.objects.filter(meeting=OuterRef("pk"), kind=MeetingPack.Kind.PACK, status=MeetingPack.Status.READY)
        .order_by()
        .values("meeting")
        .annotate(n=Count("pk"))
        .values("n")
    )
    counts = {"visible_items": Coalesce(Subquery(visible_items, output_field=IntegerField()), 0)}
    if with_packs:
        counts["packs_ready"] = Coalesce(Subquery(packs, output_field=IntegerField()), 0)
    return (
        Meeting.objects.visible_to(user)
        .without_minutes()
        .filter(starts_at__gte=_start_of(today))
        .exclude(status=Meeting.Status.CANCELLED)
        .annotate(**counts)
        .order_by("starts_at", "pk")
    )


def next_meeting(user: User, *, today: date) -> Meeting | None:
    """The panel's next meeting (one query)."""
    return _upcoming(user, today).first()


def next_meeting_line(meeting: Meeting | None) -> WorkLine:
    """The next meeting and how many items it has (those this person may see)."""
    if meeting is None:
        return WorkLine(text="No meeting is scheduled", url=reverse("meetings:list"))
    published = meeting.status != Meeting.Status.SCHEDULED
    return WorkLine(
        text=f"Next meeting: {_long(meeting.starts_at)}",
        url=meeting.get_absolute_url(),
        note=f"{plural(meeting.visible_items, 'item')} on the agenda; "  # type: ignore[attr-defined]
        + ("agenda published." if published else "agenda not published yet."),
    )


def preparation_lines(user: User, meeting: Meeting | None) -> list[WorkLine]:
    """What the coordinator still has to see to before the next meeting: the agenda, invitations
    nobody at the agency can be told of, agencies that have not shared information, packs made.
    Two queries (the invited agencies, and those with an item they have shared nothing on)."""
    if meeting is None:
        return []
    page = meeting.get_absolute_url()
    invited = list(agenda_agencies(meeting))
    untold = agencies_nobody_can_tell(invited)
    items = AgendaItem.objects.visible_to(user).filter(meeting=meeting)
    missing = (
        AgendaInvitation.objects.filter(item__in=items.values("pk"), agency__is_active=True)
        .exclude(Exists(AgencyInformation.objects.filter(item=OuterRef("item"), agency=OuterRef("agency"))))
        .values("agency")
        .distinct()
        .count()
    )
    published = meeting.status != Meeting.Status.SCHEDULED
    return [
        WorkLine(
            text="Agenda published" if published else "Agenda not published yet",
            url=reverse("meetings:agenda", args=[meeting.pk]),
            count=None,
            urgent=not published,
        ),
        WorkLine(
            text=f"{plural(len(untold), 'invited agency', 'invited agencies')} with nobody to tell "
            "(no contact address, lead or deputy)",
            url=reverse("manage:agencies"),
            count=len(untold),
            urgent=True,
            items=[WorkItem(label=name, url=reverse("manage:agencies")) for name in untold[:ITEMS_SHOWN]],
            more=max(len(untold) - ITEMS_SHOWN, 0),
        ),
        WorkLine(
            text=f"{plural(missing, 'invited agency', 'invited agencies')} of {len(invited)} "
            "not yet sharing information on every item",
            url=page,
            count=missing,
        ),
        WorkLine(
            text=f"{plural(meeting.packs_ready, 'meeting pack')} made for this meeting",  # type: ignore[attr-defined]
            url=page,
            count=meeting.packs_ready,  # type: ignore[attr-defined]
        ),
    ]


def minutes_lines(user: User) -> tuple[WorkLine, WorkLine]:
    """Held meetings whose minutes wait to be circulated, and circulated ones waiting for approval.
    One query."""
    counts = (
        Meeting.objects.visible_to(user)
        .filter(minutes_status__in=[M.DRAFT, M.CIRCULATED])  # as the partial index meeting_minutes_waiting
        .exclude(status=Meeting.Status.CANCELLED)
        .aggregate(
            circulate=Count("pk", filter=Q(status=Meeting.Status.HELD, minutes_status=M.DRAFT)),
            approve=Count("pk", filter=Q(minutes_status=M.CIRCULATED)),
        )
    )
    return (
        WorkLine(
            text=f"{plural(counts['circulate'], 'meeting')} with minutes waiting to be circulated",
            url=reverse("meetings:list") + "?" + urlencode({"minutes": "to-circulate"}),
            count=counts["circulate"],
        ),
        WorkLine(
            text=f"{plural(counts['approve'], 'meeting')} with minutes waiting for approval",
            url=reverse("meetings:list") + "?" + urlencode({"minutes": "to-approve"}),
            count=counts["approve"],
        ),
    )


MINUTES_FILTERS = {
    "to-circulate": ("Minutes waiting to be circulated", Q(status=Meeting.Status.HELD, minutes_status=M.DRAFT)),
    "to-approve": ("Minutes waiting for approval", Q(minutes_status=M.CIRCULATED)),
}


def information_needed_line(user: User, *, today: date) -> WorkLine:
    """Items of coming meetings the person's agency is invited to and has shared nothing on yet,
    soonest first, each with its deadline (the meeting). One query, which reads them all: they are
    bounded by the meetings scheduled, and counting them apart cost a second query to compile and
    plan (about 2 ms of the home page).

    Found from the coming meetings' items, so the cost follows what is coming, not how many items
    the agency was ever invited to. The agency's invitations are asked once: for agency staff
    visible_to already means the items their agency is invited to, and a second, joined copy of
    that condition led PostgreSQL to start from every invitation the agency ever had (14 ms for
    an agency with 980 of them at 100,000 cases, against 0.5 ms)."""
    agency_id = user.agency_id
    invited = AgendaItem.objects.visible_to(user)
    if user.sees_all_cases:  # every item is visible to them: their agency's are those it is invited to
        invited = invited.invited(agency_id)
    needed = invited.exclude(Exists(AgencyInformation.objects.filter(item=OuterRef("pk"), agency_id=agency_id)))
    # The meeting is joined, so that its date index starts at today.
    rows = list(
        needed.filter(meeting__starts_at__gte=_start_of(today))
        .exclude(meeting__status=Meeting.Status.CANCELLED)
        .order_by("meeting__starts_at", "position", "pk")
        .values_list("pk", "meeting_id", "meeting__starts_at", "case__reference")
    )
    count, rows = len(rows), rows[:ITEMS_SHOWN]
    items = []
    for pk, meeting_id, starts_at, reference in rows:
        day = timezone.localdate(starts_at)
        days = (day - today).days
        items.append(
            WorkItem(
                label=reference,
                url=reverse("meetings:information", args=[meeting_id, pk]),
                note=f"share before the meeting on {day.day} {day:%b %Y} ({plural(days, 'day')} left)"
                if days
                else "the meeting is today",
                urgent=days <= 7,
            )
        )
    return WorkLine(
        text=f"{plural(count, 'agenda item')} your agency is invited to and has not shared information on",
        url=reverse("meetings:list"),
        count=count,
        urgent=True,
        items=items,
        more=max(count - len(items), 0),
    )


def agency_next_meeting_line(user: User, agency: Agency, *, today: date) -> WorkLine:
    """The next meeting the agency is expected at: any meeting for a core member, else the next one
    with an item it is invited to. One query of plain values: the meetings with their item counts
    filtered on that count cost Django the subquery twice to compile (4.8 ms against 1.9 ms in one
    process)."""
    if agency.membership == Agency.Membership.CORE:
        found = list(_upcoming(user, today, with_packs=False).values_list("pk", "starts_at", "visible_items")[:1])
    else:
        items = AgendaItem.objects.visible_to(user).filter(meeting__starts_at__gte=_start_of(today))
        found = list(
            items.exclude(meeting__status=Meeting.Status.CANCELLED)
            .values_list("meeting_id", "meeting__starts_at")
            .annotate(n=Count("pk"))
            .order_by("meeting__starts_at", "meeting_id")[:1]
        )
    if not found:
        return WorkLine(text="Your agency is not invited to a coming meeting", url=reverse("meetings:list"))
    pk, starts_at, items_invited = found[0]
    return WorkLine(
        text=f"Your agency's next meeting: {_long(starts_at)}",
        url=reverse("meetings:detail", args=[pk]),
        note=f"{plural(items_invited, 'item')} your agency is invited to.",
    )
