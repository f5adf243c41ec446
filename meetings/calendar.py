"""The meetings calendar feed: a secret address per person, giving dates, times and venues only.

Calendar apps cannot sign in, so the address itself is the key. The feed therefore holds nothing
that needs protecting beyond the fact that a meeting takes place: no agenda, no case data, no names.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, timedelta
from urllib.parse import urlsplit

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from cmarac.accounts.models import User
from meetings.models import CalendarFeed, Meeting

MEETING_LENGTH = timedelta(hours=3)
# How far back the feed goes: calendar apps keep what they have already seen.
FEED_HISTORY = timedelta(days=366)


# What _new_token makes (URL-safe base64); anything else is not a token, and never reaches a query.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")


def _new_token() -> str:
    return secrets.token_urlsafe(32)


def calendar_feed_for(user: User) -> CalendarFeed:
    """The person's feed, made on first use."""
    feed, _ = CalendarFeed.objects.get_or_create(user=user, defaults={"token": _new_token()})
    return feed


@transaction.atomic
def calendar_feed_reset(user: User) -> CalendarFeed:
    """A new secret address; the old one stops working at once."""
    feed = CalendarFeed.objects.select_for_update().filter(user=user).first()
    if feed is None:
        return CalendarFeed.objects.create(user=user, token=_new_token())
    feed.token = _new_token()
    feed.save(update_fields=["token"])
    return feed


def feed_owner(token: str) -> User | None:
    """The active person whose feed this token opens, if any."""
    if not _TOKEN.fullmatch(token):
        return None
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if feed is None or not feed.user.is_active:
        return None
    return feed.user


def meetings_calendar(*, site_url: str) -> bytes:
    """Every meeting not cancelled, from a year ago on, as iCalendar (RFC 5545) text. Times are in UTC.

    Each event's UID is fixed by the meeting and the service's address, so a calendar app updates a
    moved meeting instead of adding a second one."""
    host = urlsplit(site_url).hostname or "cmarac"
    calendar = Calendar()
    calendar.add("prodid", "-//CMARAC case manager//Meetings//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "CMARAC meetings")
    now = timezone.now()
    meetings = (
        Meeting.objects.exclude(status=Meeting.Status.CANCELLED)
        .filter(starts_at__gte=now - FEED_HISTORY)
        .only("pk", "kind", "starts_at", "venue")
        .order_by("starts_at")
    )
    for meeting in meetings:
        start = meeting.starts_at.astimezone(UTC)
        event = Event()
        event.add("uid", f"meeting-{meeting.pk}@{host}")
        event.add("dtstamp", now.astimezone(UTC))
        event.add(
            "summary",
            "CMARAC extraordinary meeting" if meeting.kind == Meeting.Kind.EXTRAORDINARY else "CMARAC meeting",
        )
        event.add("dtstart", start)
        event.add("dtend", start + MEETING_LENGTH)
        if meeting.venue:
            event.add("location", meeting.venue)
        event.add("url", site_url + reverse("meetings:detail", args=[meeting.pk]))
        event.add("description", "Sign in to the CMARAC case manager to see the agenda.")
        calendar.add_component(event)
    return calendar.to_ical()
