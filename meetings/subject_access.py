"""Subject access: the agenda items on the people's cases, their minutes, what each invited agency
shared about them before the meeting, and general minutes that name them. Found by
cmarac.governance.subject_access."""

from __future__ import annotations

from django.db.models import Prefetch, Q
from django.utils import timezone

from cmarac.cases.models import CaseSubject, Person
from cmarac.cases.subject_access import other_subjects
from cmarac.core.dates import long_date
from cmarac.governance.subject_access import Record, Subjects, names_of, others_named, passages, register
from meetings.models import AgencyInformation, AgendaInvitation, AgendaItem, Meeting, MinutesCorrection
from referrals.models import ReferralSubject


def _item_reference(item: AgendaItem) -> str:
    return f"{item.case.reference} at the meeting of {long_date(timezone.localtime(item.meeting.starts_at))}"


def _words(given_name: str, family_name: str) -> list[str]:
    """The words that name someone in free text: the last name, or the first name if no last name."""
    return names_of("", family_name) or names_of(given_name, "")


def general_minutes(subjects: Subjects) -> list[Record]:
    """The general minutes of any meeting that name the people (by last name, as a whole word), and
    their corrections. Other subjects on that meeting's agenda named in them are flagged."""
    people = [
        *Person.objects.filter(pk__in=subjects.person_ids).values_list("given_name", "family_name"),
        *ReferralSubject.objects.filter(pk__in=subjects.referral_subject_ids).values_list("given_name", "family_name"),
    ]
    words = sorted({word for given, family in people for word in _words(given, family)})
    if not words:
        return []
    query = Q()
    for word in words:
        query |= Q(general_minutes__icontains=word)
        query |= Q(corrections__item__isnull=True, corrections__text__icontains=word)
    corrections = MinutesCorrection.objects.filter(item__isnull=True).order_by("made_at", "pk")
    meetings = (
        Meeting.objects.filter(query)
        .distinct()
        .prefetch_related(
            Prefetch("corrections", queryset=corrections, to_attr="general_corrections"),
            Prefetch(
                "items",
                queryset=AgendaItem.objects.select_related("case").prefetch_related(
                    Prefetch("case__subjects", queryset=CaseSubject.objects.select_related("person"))
                ),
            ),
        )
        .order_by("starts_at")
    )
    records = []
    for meeting in meetings:
        texts = [("General minutes", meeting.general_minutes)] + [
            (f"General minutes: correction of {c.made_at:%-d %B %Y}", c.text) for c in meeting.general_corrections
        ]
        if not any(others_named(text, {"them": words}) for _, text in texts):
            continue
        others: dict[str, list[str]] = {}
        for item in meeting.items.all():
            others.update(other_subjects(list(item.case.subjects.all()), subjects.person_ids))
        for given, family in people:  # the person themselves, if also recorded under another id
            others = {label: w for label, w in others.items() if not set(w) & set(_words(given, family))}
        records.append(
            Record(
                kind="Meeting minutes",
                reference=f"general minutes of the meeting of {long_date(timezone.localtime(meeting.starts_at))}",
                dates=[("Meeting", meeting.starts_at), ("Minutes approved", meeting.minutes_approved_at)],
                agencies=[],
                details=[("Minutes", meeting.get_minutes_status_display())],
                passages=passages(texts, others),
            )
        )
    return records


def collect(subjects: Subjects) -> list[Record]:
    records = general_minutes(subjects)
    if not subjects.person_ids:
        return records
    case_ids = CaseSubject.objects.filter(person_id__in=subjects.person_ids).values("case_id")
    items = (
        AgendaItem.objects.filter(case_id__in=case_ids)
        .select_related("meeting", "case", "lead_agency")
        .prefetch_related(
            Prefetch("case__subjects", queryset=CaseSubject.objects.select_related("person").order_by("pk")),
            Prefetch("invitations", queryset=AgendaInvitation.objects.select_related("agency")),
            Prefetch("agency_information", queryset=AgencyInformation.objects.select_related("agency")),
            Prefetch("corrections", queryset=MinutesCorrection.objects.order_by("made_at", "pk")),
        )
        .order_by("meeting__starts_at", "pk")
    )
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
                    ]
                    + [
                        (f"Minutes: correction of {correction.made_at:%-d %B %Y}", correction.text)
                        for correction in item.corrections.all()
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
