"""Cases' line on an agency's home page: the cases newly shared with the agency."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from cmarac.accounts.models import User
from cmarac.cases.models import Case
from cmarac.cases.selectors import shared_with_agency_since
from cmarac.core.work import WorkLine, plural


def newly_shared_line(user: User, *, since: datetime, first_visit: bool) -> WorkLine:
    """The cases this person may see that their agency became involved in after `since`. One query."""
    count = shared_with_agency_since(Case.objects.visible_to(user), user=user, since=since).count()
    # To the microsecond: the list must count from the same moment as this line.
    local = timezone.localtime(since).replace(tzinfo=None)
    words = "in the last 14 days" if first_visit else "since your last visit"
    return WorkLine(
        text=f"{plural(count, 'case')} newly shared with your agency {words}",
        url=reverse("cases:list") + "?" + urlencode({"status": "all", "shared_since": local.isoformat(sep=" ")}),
        count=count,
    )
