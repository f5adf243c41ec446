"""Subject access: the agenda items on the people's cases, their minutes, and what each invited
agency shared about them before the meeting. Found by cmarac.governance.subject_access."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils import timezone

from cmarac.cases.models import CaseSubject
from cmarac.cases.subject_access import other_subjects
from cmarac.governance.subject_access import Record, Subjects, passages, register
from meetings.models import AgencyInformation, AgendaInvitation, AgendaItem


def _item_reference(item: AgendaItem) -> str:
    return f"{item.case.reference} at the meeting of {timezone.localtime(item.meeting.starts_at):%d %B %Y}"


def collect(subjects: Subjects) -> list[Record]:
    if not subjects.person_ids:
        return []
    case_ids = CaseSubject.objects.filter(person_id__in=subjects.person_ids).values("case_id")
    items = (
        AgendaItem.objects.filter(case_id__in=case_ids)
        .select_related("meeting", "case", "lead_agency")
        .prefetch_related(
            Prefetch("case__subjects", queryset=CaseSubject.objects.select_related("person").order_by("pk")),
            Prefetch("invitations", queryset=AgendaInvitation.objects.select_related("agency")),
            Prefetch("agency_information", queryset=AgencyInformation.objects.select_related("agency")),
        )
        .order_by("meeting__starts_at", "pk")
    )
    records: list[Record] = []
    for item in items:
        others = other_subjects(list(item.case.subjects.all()), subjects.person_ids)
        reference = _item_reference(item)
        records.append(
            Record(
                kind="Agenda item",
                reference=reference,
                case_reference=item.case.reference,
                dates=[
                    ("Meeting", item.meeting.starts_at),
                    ("Minutes recorded", item.recorded_at),
                    ("Next review", item.next_review_on),
                ],
                agencies=sorted(
                    {i.agency.name for i in item.invitations.all()}
                    | ({item.lead_agency.name} if item.lead_agency else set())
                ),
                details=[
                    (label, value)
                    for label, value in [
                        ("Item", item.get_item_type_display()),
                        ("Risk level agreed", item.get_risk_level_agreed_display()),
                        ("Lead agency nominated", item.lead_agency.name if item.lead_agency else ""),
                        ("Decision", item.get_decision_display()),
                    ]
                    if value
                ],
                passages=passages(
                    [
                        ("Minutes: discussion", item.discussion),
                        ("Minutes: reason or panel referred to", item.decision_detail),
                    ],
                    others,
                ),
            )
        )
        for info in item.agency_information.all():
            records.append(
                Record(
                    kind="Agency information",
                    reference=f"{info.agency.name} on {reference}",
                    case_reference=item.case.reference,
                    dates=[("Last changed", info.updated_at)],
                    agencies=[info.agency.name],
                    passages=passages(
                        [
                            ("What the agency holds", info.research_summary),
                            ("Known risks", info.known_risks),
                            ("The agency's current involvement", info.current_involvement),
                        ],
                        others,
                    ),
                )
            )
    return records


register("meetings", collect=collect)
