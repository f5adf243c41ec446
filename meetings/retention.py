"""Retention: the meetings' part of anonymising a case (found by cmarac.governance.retention_registry).

Agenda items keep their meeting, type, agreed risk level, lead and decision; the discussion, the
decision's words (and any correction of them, with its reason) and what agencies shared about
the case go. Every generated pack or minutes of
a meeting with an item on the case is deleted, record and file: the file once the case's
transaction has committed, so a run that fails leaves both in place.
"""

from __future__ import annotations

from django.db import transaction

from cmarac.cases.models import Case
from cmarac.core.files import delete_private_file
from cmarac.governance.retention_registry import REMOVED_TEXT, register_case_part
from meetings.models import AgencyInformation, AgendaItem, MeetingPack, MinutesCorrection
from meetings.packs import pack_stored_name


@register_case_part("meetings", order=20)
def anonymise_case_meeting_records(case: Case) -> None:
    AgendaItem.objects.filter(case=case).update(discussion="", decision_detail="", minutes_draft={})
    # Corrections of those minutes go the same way: their text and their reason.
    MinutesCorrection.objects.filter(item__case=case).update(text="", reason="")
    AgencyInformation.objects.filter(item__case=case).update(
        research_summary=REMOVED_TEXT, known_risks="", current_involvement=""
    )
    packs = list(MeetingPack.objects.filter(meeting__items__case=case).distinct())
    names = [pack_stored_name(pack) for pack in packs if pack.file_name]
    MeetingPack.objects.filter(pk__in=[pack.pk for pack in packs]).delete()
    transaction.on_commit(lambda: [delete_private_file(name) for name in names])
