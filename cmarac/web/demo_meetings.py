"""A demo agenda for the next meeting, so packs and agency views can be tried at once.

Every agency invited here is involved in the case through that invitation, so a co-chair can
withdraw it on the agenda builder. The co-chair can still build and publish the meeting after it:
this one is left unpublished.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from actions.services import action_set, action_update
from cmarac.accounts.models import Agency, User
from cmarac.cases.models import Case
from meetings import services
from meetings.models import Meeting

# case reference number (in demo order) -> agencies invited
AGENDA = {1: ["council-housing", "police", "adult-safeguarding"], 2: ["fire", "adult-safeguarding"],
          6: ["police", "council-housing"], 7: ["victim-support", "neighbourhood-policing"],
          9: ["drug-alcohol", "primary-care"], 10: ["fire", "police", "council-housing"],
          11: ["police", "victim-support"]}  # fmt: skip


def seed_demo_agenda(*, chair: User, agencies: dict[str, Agency]) -> int:
    upcoming = Meeting.objects.filter(starts_at__gt=timezone.now()).order_by("starts_at").first()
    if upcoming is None or upcoming.items.exists():
        return 0
    cases = list(Case.objects.order_by("pk"))
    for number, invited in AGENDA.items():
        if number > len(cases) or not cases[number - 1].is_open:
            continue
        case = cases[number - 1]
        item = services.agenda_add_item(meeting=upcoming, case=case, item_type="review", by=chair)
        for short_name in invited:
            services.invite_agency_to_item(item=item, agency=agencies[short_name], by=chair)
        owner = agencies[invited[0]]
        action = action_set(
            case=case, owner=owner, by=chair, due_on=timezone.localdate() + timedelta(days=number),
            description="Joint visit with the housing officer and agree a safety plan with the victim.",
        )  # fmt: skip
        if owner.lead is not None:
            action_update(action=action, by=owner.lead, status="in-progress", text="Visit booked.", revision=None)
        lead = agencies[invited[1]].lead
        if lead is not None:
            services.agency_information_save(
                item=item, agency=agencies[invited[1]], by=lead, revision=None,
                fields={"research_summary": "Two call-outs in the last month; no arrests.",
                        "known_risks": "Visitors may be carrying weapons.",
                        "current_involvement": "Ward officers visit weekly."},
            )  # fmt: skip
    return upcoming.items.count()
