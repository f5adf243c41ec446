"""A year of the demo partnership's past: monthly meetings held with minutes approved, referrals
triaged, cases heard and closed, actions completed on time, late, or not at all.

So the partnership report and the home pages show something real on a fresh demo. Everything
goes through the services, in the order it would have happened; the services stamp each step
with the time it runs, so once a step is done the rows it made are moved back to the day it
stands for (`_on`). The audit trail is left as it is: it records when the demo was seeded.
Runs once: a past meeting with items means the history is there.

Every person is invented; postcodes use the area "DB", which no real UK postcode has.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone

from actions import services as action_services
from actions.models import Action, ActionUpdate
from cmarac.accounts.models import Agency, User
from cmarac.cases.models import Case, CaseEvent, CaseInvolvement, LeadChange, RiskLevelChange
from meetings import services as meeting_services
from meetings.models import AgencyInformation, AgendaInvitation, AgendaItem, Attendance, Meeting
from referrals import services as referral_services
from referrals.models import Referral

MONTHS_OF_HISTORY = 13

# (referrer's email, issue types, checklist "Yes" answers: 12 high, 6 medium, 2 standard)
STORIES: list[tuple[str, list[str], int]] = [
    ("referrer", ["cuckooing", "drugs"], 12),
    ("member.housing", ["hoarding", "mental-health"], 6),
    ("lead.victimsupport", ["hate-crime", "harassment"], 12),
    ("lead.mentalhealth", ["mental-health", "criminal-damage"], 6),
    ("lead.fire", ["hoarding"], 12),
    ("deputy.police", ["neighbour-dispute", "noise"], 2),
    ("member.housing", ["asb-case-review", "neighbour-dispute"], 6),
    ("referrer", ["harassment", "repeat-victim"], 12),
]
GIVEN = ["Alder", "Briony", "Cosmo", "Dilys", "Emlyn", "Fern", "Gethin", "Hester", "Idris", "Jessamy", "Kester",
         "Linnea", "Merrick", "Nesta", "Orrin", "Perpetua", "Quill", "Rhosyn", "Seren", "Tamsin", "Ulric",
         "Verity", "Wynn", "Yestin"]  # fmt: skip
FAMILY = ["Ashby", "Brockwell", "Cardew", "Dunmore", "Ellery", "Fairbairn", "Gorringe", "Hawtrey", "Inchbald",
          "Jessop", "Kittering", "Lowther", "Mowbray", "Netherby", "Oakeshott", "Pendry"]  # fmt: skip
CORE_ATTENDING = ["community-safety", "police", "council-housing", "adult-safeguarding", "mental-health",
                  "victim-support", "fire", "asb-enforcement"]  # fmt: skip
# Per meeting, in turn: what each core agency did (A attended, P apologies, I apologies and information, X absent).
ATTENDANCE_PATTERNS = ["AAAAAAAA", "AAAPAAIA", "AAAAXAAA", "AAIAAPAA", "AAAAAAXA", "AAAPIAAA"]
ATTENDANCE = {"A": Attendance.Status.ATTENDED, "P": Attendance.Status.APOLOGIES,
              "I": Attendance.Status.INFORMATION_SENT, "X": Attendance.Status.ABSENT}  # fmt: skip
# What became of each action, in turn: on time, late, not possible, on time, not done, on time.
OUTCOMES = ["on-time", "late", "not-possible", "on-time", "not-done", "on-time"]
HEARINGS_BEFORE_CLOSING = 3


@contextmanager
def _on(moment: datetime) -> Iterator[None]:
    """Run a step, then move what it stamped with the time (or today) back to `moment`."""
    mark = timezone.now()
    today = timezone.localdate()
    yield
    day = timezone.localdate(moment)
    Referral.objects.filter(created_at__gte=mark).update(created_at=moment)
    Referral.objects.filter(decided_at__gte=mark).update(decided_at=moment)
    Referral.objects.filter(updated_at__gte=mark).update(updated_at=moment)
    Case.objects.filter(created_at__gte=mark).update(created_at=moment, opened_on=day)
    Case.objects.filter(updated_at__gte=mark, closed_on=today).update(closed_on=day)
    Case.objects.filter(updated_at__gte=mark).update(updated_at=moment)
    CaseEvent.objects.filter(occurred_at__gte=mark).update(occurred_at=moment)
    CaseInvolvement.objects.filter(created_at__gte=mark).update(created_at=moment)
    RiskLevelChange.objects.filter(changed_at__gte=mark).update(changed_at=moment)
    LeadChange.objects.filter(changed_at__gte=mark).update(changed_at=moment)
    AgendaInvitation.objects.filter(invited_at__gte=mark).update(invited_at=moment)
    AgencyInformation.objects.filter(updated_at__gte=mark).update(updated_at=moment)
    AgendaItem.objects.filter(recorded_at__gte=mark).update(recorded_at=moment)
    Action.objects.filter(created_at__gte=mark).update(created_at=moment)
    Action.objects.filter(closed_at__gte=mark).update(closed_at=moment)
    Action.objects.filter(updated_at__gte=mark).update(updated_at=moment)
    ActionUpdate.objects.filter(at__gte=mark).update(at=moment)
    Meeting.objects.filter(confidentiality_confirmed_at__gte=mark).update(confidentiality_confirmed_at=moment)
    Meeting.objects.filter(minutes_approved_at__gte=mark).update(minutes_approved_at=moment)
    Meeting.objects.filter(agenda_published_at__gte=mark).update(agenda_published_at=moment)


@dataclass
class _Open:
    case: Case
    agency: Agency  # the referring agency
    hearings: int = 0


class _History:
    def __init__(self, *, agencies: dict[str, Agency], coordinator: User, chair: User) -> None:
        self.agencies, self.coordinator, self.chair = agencies, coordinator, chair
        self.people = {
            user.email.split("@")[0]: user for user in User.objects.filter(email__endswith="demo.cmarac.test")
        }
        self.stories = 0
        self.outcomes = 0
        self.people_made = 0
        self.waiting: list[_Open] = []  # accepted, to be heard at the next meeting
        self.reviews: list[_Open] = []
        self.remembered: list[dict] = []  # victims who may be referred again (a repeat)

    def subjects(self) -> list[dict]:
        n = self.people_made
        self.people_made += 2
        victim = {
            "role": "victim",
            "given_name": GIVEN[n % len(GIVEN)],
            "family_name": FAMILY[n % len(FAMILY)],
            "date_of_birth": date(1950 + n % 45, n % 12 + 1, n % 27 + 1),
            "postcode": f"DB{n % 9 + 1} {n % 9}QX",
        }
        other = {"role": "alleged-perpetrator", "given_name": GIVEN[(n + 7) % len(GIVEN)],
                 "family_name": FAMILY[(n + 5) % len(FAMILY)], "approximate_age": 20 + n % 40}  # fmt: skip
        self.remembered.append(victim)
        return [victim, other]

    def refer(self, when: datetime, *, repeat_of: dict | None = None) -> Referral:
        email, issues, yes = STORIES[self.stories % len(STORIES)]
        self.stories += 1
        referrer = self.people[email]
        fields = {
            "issue_types": issues,
            "concerns": "Invented for the demo: incidents reported by neighbours over several weeks.",
            "chronology": "Calls to the council and the police; a warning letter last month.",
            "actions_taken": "Visits and a warning letter.",
            "request_of_panel": "A joint action plan.",
            "criterion_multi_agency": True,
            "consent": "yes",
        }
        if "hate-crime" in issues:
            fields["hate_crime_strand"] = "race"
        people = [repeat_of, self.subjects()[1]] if repeat_of else self.subjects()
        with _on(when):
            referral = referral_services.referral_start(referrer=referrer)
            referral = referral_services.referral_update(referral=referral, by=referrer, revision=None, fields=fields)
            for subject in people:
                referral_services.referral_subject_save(
                    referral=referral, by=referrer, revision=None, fields=subject, subject=None
                )
            questions = list(referral.checklist.questions.prefetch_related("options"))
            answers = {
                q.pk: next(o.pk for o in q.options.all() if o.label == ("Yes" if i < yes else "No"))
                for i, q in enumerate(questions)
            }
            referral = referral_services.referral_answers_save(
                referral=referral, by=referrer, revision=None, answers=answers
            )
            return referral_services.referral_submit(referral=referral, by=referrer, revision=None, now=when)

    def triage(self, referral: Referral, when: datetime, number: int) -> None:
        with _on(when):
            if number % 6 == 4:
                referral_services.referral_decline(
                    referral=referral, by=self.coordinator, reason="Below the panel's threshold: for the ward team."
                )
                return
            if number % 9 == 7:
                referral_services.referral_request_information(
                    referral=referral, by=self.coordinator, question="Which agencies already know the family?"
                )
                return
            if referral.is_late and number % 2:
                referral = referral_services.referral_accept_as_urgent(referral=referral, by=self.chair)
            join = next((o for o in self.reviews if referral.is_repeat and o.case.subjects.filter(
                person__given_name=referral.subjects.first().given_name).exists()), None)  # fmt: skip
            case = referral_services.referral_accept(
                referral=referral, by=self.coordinator, join_case=join.case if join else None
            )
        if join is None:
            self.waiting.append(_Open(case=case, agency=referral.referring_agency or self.agencies["police"]))

    def hold(self, meeting: Meeting, index: int, following: Meeting | None, *, last: bool) -> None:
        start = meeting.starts_at
        items: list[tuple[AgendaItem, _Open]] = []
        heard = self.reviews + self.waiting
        self.waiting, self.reviews = [], []
        with _on(start - timedelta(days=12)):
            for open_case in heard:
                kind = "new" if open_case.hearings == 0 else "review"
                if open_case.hearings + 1 >= HEARINGS_BEFORE_CLOSING:
                    kind = "closure"
                item = meeting_services.agenda_add_item(
                    meeting=meeting, case=open_case.case, item_type=kind, by=self.chair
                )
                invited = {open_case.agency, self.agencies["police"], self.agencies["council-housing"]}
                for agency in sorted(invited, key=lambda a: a.name):
                    meeting_services.invite_agency_to_item(item=item, agency=agency, by=self.chair)
                items.append((item, open_case))
        with _on(start - timedelta(days=3)):
            for number, (item, open_case) in enumerate(items):
                for agency in (open_case.agency, self.agencies["council-housing"], self.agencies["police"]):
                    if agency.lead is None or (index + number) % 3 == 2:
                        continue  # not shared before the meeting
                    meeting_services.agency_information_save(
                        item=item, agency=agency, by=agency.lead, revision=None,
                        fields={"research_summary": "Known to the agency; two contacts this year."},
                    )  # fmt: skip
        with _on(start + timedelta(hours=2)):
            meeting_services.confidentiality_confirm(meeting=meeting, by=self.chair)
            pattern = ATTENDANCE_PATTERNS[index % len(ATTENDANCE_PATTERNS)]
            for short_name, code in zip(CORE_ATTENDING, pattern, strict=True):
                meeting_services.attendance_record(
                    meeting=meeting, agency=self.agencies[short_name], status=ATTENDANCE[code],
                    attendee_name="Duty representative" if code == "A" else "",
                )  # fmt: skip
            due = timezone.localdate(following.starts_at) - timedelta(days=1) if following else None
            for item, open_case in items:
                open_case.hearings += 1
                closing = item.item_type == "closure"
                risk = "standard" if closing or open_case.hearings > 1 else open_case.case.risk_level
                if closing and open_case.case.risk_level == "high" and (index + len(self.reviews)) % 3 == 0:
                    risk = "medium"  # not every case closes at standard
                meeting_services.item_minutes_record(
                    item=item, by=self.chair, revision=None, discussion="Invented for the demo.", risk_level=risk,
                    lead_agency=open_case.agency, lead_officer=None,
                    decision="close" if closing else "review-next",
                    decision_detail="Incidents have stopped; agencies agree the risk is managed." if closing else "",
                )  # fmt: skip
                if closing or due is None:
                    continue
                self.reviews.append(open_case)
                action_services.action_set(
                    case=open_case.case, owner=open_case.agency, by=self.chair, agenda_item=item, due_on=due,
                    description="Visit the victim with a partner agency and review the safety plan.",
                )  # fmt: skip
            meeting_services.meeting_minutes_save(
                meeting=meeting, by=self.coordinator, revision=None, general_minutes="Invented minutes for the demo."
            )
            meeting_services.minutes_circulate(meeting=meeting, by=self.coordinator)
        if not last:
            with _on(start + timedelta(days=28)):
                meeting_services.minutes_approve(meeting=meeting, by=self.chair)

    def settle_actions(self, meeting: Meeting, today: date) -> None:
        """What became of the actions set at this meeting (those due before today)."""
        for action in Action.objects.filter(agenda_item__meeting=meeting).order_by("pk"):
            outcome = OUTCOMES[self.outcomes % len(OUTCOMES)]
            self.outcomes += 1
            day = action.due_on - timedelta(days=4) if outcome == "on-time" else action.due_on + timedelta(days=6)
            if day >= today:
                continue  # still open
            status = {"on-time": "completed", "late": "completed"}.get(outcome, outcome)
            with _on(timezone.make_aware(datetime.combine(day, datetime.min.time())) + timedelta(hours=15)):
                action_services.action_close(
                    action=action, by=self.chair, status=status, reason="Reviewed with the owning agency."
                )


def seed_demo_history(*, agencies: dict[str, Agency], coordinator: User, chair: User) -> int:
    """Make the year of history once. Returns the number of meetings held (0 if already there)."""
    now = timezone.now()
    if AgendaItem.objects.filter(meeting__starts_at__lt=now).exists():
        return 0
    meeting_services.meetings_generate(months=MONTHS_OF_HISTORY, now=now - timedelta(days=31 * MONTHS_OF_HISTORY))
    past = list(
        Meeting.objects.filter(
            kind=Meeting.Kind.SCHEDULED, starts_at__lt=now - timedelta(days=2),
            starts_at__gte=now - timedelta(days=31 * MONTHS_OF_HISTORY),
        ).exclude(status=Meeting.Status.CANCELLED).order_by("starts_at")
    )  # fmt: skip
    if not past:
        return 0
    history = _History(agencies=agencies, coordinator=coordinator, chair=chair)
    today = timezone.localdate()
    number = 0
    for index, meeting in enumerate(past):
        following = Meeting.objects.filter(starts_at__gt=meeting.starts_at).order_by("starts_at").first()
        submissions = [meeting.starts_at - timedelta(days=days) for days in (24, 16)]
        if index % 3 == 1:
            submissions.append(meeting.starts_at - timedelta(days=6))  # late: the next meeting, or urgent
        for when in submissions:
            repeat_of = history.remembered[-4] if index % 4 == 3 and len(history.remembered) > 4 else None
            referral = history.refer(when, repeat_of=repeat_of if when == submissions[0] else None)
            number += 1
            history.triage(referral, when + timedelta(days=2), number)
        history.hold(meeting, index, following, last=index == len(past) - 1)
        if index > 0:
            history.settle_actions(past[index - 1], today)
    history.settle_actions(past[-1], today)
    return len(past)
