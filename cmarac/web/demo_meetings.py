"""A demo meeting held last month, with its minutes circulated, and a demo agenda for the next
meeting, so minutes, packs and agency views can be tried at once.

Every agency invited here is involved in the case through that invitation, so a co-chair can
withdraw it on the agenda builder. The co-chair can still build and publish the meeting after the
next one: the next one is left unpublished.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from actions.services import action_set, action_update
from cmarac.accounts.models import Agency, User
from cmarac.cases.models import Case
from cmarac.core.schedule import meetings_from, rule_from_settings
from meetings import services
from meetings.models import Meeting

# case reference number (in demo order) -> agencies invited
AGENDA = {1: ["council-housing", "police", "adult-safeguarding"], 2: ["fire", "adult-safeguarding"],
          6: ["police", "council-housing"], 7: ["victim-support", "neighbourhood-policing"],
          9: ["drug-alcohol", "primary-care"], 10: ["fire", "police", "council-housing"],
          11: ["police", "victim-support"]}  # fmt: skip
PAST_ITEMS = 3  # cases already open at last month's meeting, heard there


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


def seed_demo_past_meeting(*, chair: User) -> int:
    """Last month's meeting, held: the first cases opened before it were heard, each with its lead
    agency invited, and the minutes circulated (a co-chair approves them). Returns how many items."""
    now = timezone.now()
    rule = rule_from_settings()
    slot = None
    for start in meetings_from(now - timedelta(days=62), rule):
        if timezone.localdate(start) >= timezone.localdate(now):
            break
        slot = start
    if slot is None:
        return 0
    meeting, _ = Meeting.objects.get_or_create(
        kind=Meeting.Kind.SCHEDULED, scheduled_for=slot, defaults={"starts_at": slot}
    )
    if meeting.items.exists() or meeting.status != Meeting.Status.SCHEDULED:
        return 0
    heard = Case.objects.filter(opened_on__lte=timezone.localdate(slot), status=Case.Status.OPEN)
    heard = heard.exclude(lead_agency=None).order_by("pk")[:PAST_ITEMS]
    services.confidentiality_confirm(meeting=meeting, by=chair)
    for case in heard:
        item = services.agenda_add_item(meeting=meeting, case=case, item_type="new", by=chair)
        services.invite_agency_to_item(item=item, agency=case.lead_agency, by=chair)
        services.item_minutes_record(
            item=item, by=chair, revision=None, risk_level=case.risk_level, lead_agency=case.lead_agency,
            lead_officer=None, decision="review-next",
            discussion="Each agency shared what it holds; the panel agreed a joint visit and a safety plan.",
        )  # fmt: skip
    services.meeting_minutes_save(
        meeting=meeting, by=chair, revision=None,
        general_minutes="The chair read the confidentiality statement. Apologies were noted.",
    )  # fmt: skip
    services.minutes_circulate(meeting=meeting, by=chair)
    return meeting.items.count()
