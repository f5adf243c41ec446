"""Actions' lines on the home page: an agency's overdue and due-soon actions, and the escalated ones.

Every count starts from Action.objects.visible_to(user): one query per function.
"""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count, Q
from django.urls import reverse

from actions.models import Action
from cmarac.accounts.models import User
from cmarac.core.work import WorkLine, plural


def _list(**filters: str) -> str:
    return reverse("actions:list") + "?" + urlencode(filters)


def agency_action_lines(user: User, *, today: date) -> list[WorkLine]:
    """The person's agency's open actions: overdue, and due within ACTION_DUE_SOON_DAYS."""
    soon_by = today + timedelta(days=settings.ACTION_DUE_SOON_DAYS)
    counts = (
        Action.objects.visible_to(user, row_by_row=True)
        .open()
        .filter(owner_id=user.agency_id)
        .aggregate(
            overdue=Count("pk", filter=Q(due_on__lt=today)),
            soon=Count("pk", filter=Q(due_on__gte=today, due_on__lte=soon_by)),
        )
    )
    return [
        WorkLine(
            text=f"{plural(counts['overdue'], 'action')} of your agency overdue",
            url=_list(show="mine", due="overdue"),
            count=counts["overdue"],
            urgent=True,
        ),
        WorkLine(
            text=f"{plural(counts['soon'], 'action')} of your agency due in the next "
            f"{settings.ACTION_DUE_SOON_DAYS} days",
            url=_list(show="mine", due="soon"),
            count=counts["soon"],
        ),
    ]


def escalated_line(user: User, *, today: date) -> WorkLine:
    """Open actions overdue for more than ACTION_ESCALATION_DAYS, every agency's (for the panel)."""
    cutoff = today - timedelta(days=settings.ACTION_ESCALATION_DAYS)
    count = Action.objects.visible_to(user).open().filter(due_on__lt=cutoff).count()
    return WorkLine(
        text=f"{plural(count, 'action')} overdue for more than {settings.ACTION_ESCALATION_DAYS} days (escalated)",
        url=_list(show="all", due="escalated"),
        count=count,
        urgent=True,
    )
