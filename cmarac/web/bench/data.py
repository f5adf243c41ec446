"""Synthetic history for the benchmark: agencies, staff, meetings, referrals, and cases with their
subjects, involvements, grants, agenda items, actions, updates and timeline, at any size.

Every case is first described (`CaseSpec`, with the referral it was opened from: `ReferralSpec`),
then written either by the services one case at a time (`write_case_by_services`, the reference)
or in bulk (`write_cases_in_bulk`, fast enough for 100,000 cases); so are the referrals that never
became a case (declined, waiting for triage, sent back for information, drafts:
`write_referral_by_services`, `write_referrals_in_bulk`). tests/test_bench.py proves both write the
same rows for the same description; the bulk path writes no audit trail entries or emails (they are
not case data, and the services' are for people acting, which nobody did here), and marks no
referral as a repeat (the services would, for the generator's recurring names). Everything is
invented: postcodes use the area "DB", which no real UK postcode has.
"""

from __future__ import annotations

import io
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection, connections, models, router, transaction
from django.db.models import F, Max
from django.db.models.fields import AutoFieldMixin
from django.utils import timezone

from actions.models import Action, ActionUpdate
from cmarac.accounts.models import Agency, User
from cmarac.accounts.roles import Role
from cmarac.cases.access import view_case_permission_id
from cmarac.cases.models import (
    Case,
    CaseEvent,
    CaseGroupObjectPermission,
    CaseInvolvement,
    CaseReferenceCounter,
    CaseSubject,
    LeadChange,
    Person,
    RiskLevel,
    RiskLevelChange,
)
from cmarac.cases.search import SEARCHED_FIELDS, search_text_for
from cmarac.cases.services import REFERENCE_PREFIX
from cmarac.core.dates import long_date
from meetings.models import AgendaInvitation, AgendaItem, Meeting
from meetings.selectors import action_row
from referrals.checklists import checklist_current
from referrals.models import ChecklistTemplate, Referral, ReferralAnswer, ReferralReferenceCounter, ReferralSubject
from referrals.services import REFERENCE_PREFIX as REFERRAL_PREFIX

GIVEN = ["Ada", "Bram", "Cleo", "Dev", "Esme", "Finn", "Gwen", "Hal", "Iris", "Jude", "Kit", "Lena", "Milo", "Nia"]
FAMILY = ["Ashdown", "Brackley", "Corrow", "Dunmere", "Elsworth", "Farrant", "Gilliard", "Hesketh", "Illsley",
          "Jarrow", "Kestrel", "Loxley", "Merrow", "Norbury", "Ormsby", "Penhallow", "Quarrie", "Rushden"]  # fmt: skip
SUMMARIES = [
    "Repeated reports of noise and threats from a neighbouring flat.",
    "Groups arriving late at night; concern the tenant's home has been taken over.",
    "Hoarding with a fire risk; the occupant refuses visits.",
    "Hate incidents on the estate aimed at one household.",
]
UPDATES = ["Visited; no answer. Card left.", "Spoke to the tenant; agreed a plan.", "Referred on for support."]
# Minutes as a panel writes them: a paragraph or two per case, a page of general business.
DISCUSSIONS = [
    "Police reported two further calls since referral, both about shouting and threats on the stairwell late "
    "at night. Housing confirmed the tenancy warning letter was delivered and a home visit is booked. The "
    "victim service said the household feels unsafe leaving the flat after dark and has asked for a move. "
    "The panel agreed the risk remains high until the visit has taken place and the warning has been "
    "discussed with the tenant in person. Fire service offered a home safety check while agencies visit.",
    "Adult social care confirmed the occupant is known to them and has refused two assessments. The council "
    "has received photographs from a neighbour showing items piled against the front door. The fire service "
    "will attempt a joint visit with the housing officer. The panel noted that the occupant responds better "
    "to a single named worker and agreed that one officer should lead contact. Health will check whether "
    "the GP surgery has a recent contact that can be used to offer support.",
    "The youth service reported that the group gathering outside the shops has grown over the summer and "
    "includes two young people already known to the panel. Police have issued dispersal orders twice this "
    "month. Housing asked for patrols near the entrance to the block where residents have complained of "
    "intimidation. The panel agreed to invite the school's safeguarding lead to the next meeting and to "
    "keep the case under review while diversionary activity is put in place.",
]
GENERAL_MINUTES = (
    "Apologies were received from two agencies; deputies attended for both. The minutes of the previous "
    "meeting were agreed as a true record. The coordinator reported on actions carried forward: most are "
    "complete and the remainder have new dates agreed with their owners. The co-chairs reminded attendees "
    "that information shared at the meeting is for the purpose of reducing risk only and must not be "
    "passed on outside the agencies present. Date of the next meeting confirmed."
)
OPEN, CLOSED = Action.Status.NOT_STARTED, Action.Status.COMPLETED


@dataclass
class ActionSpec:
    owner: Agency
    due_on: date
    description: str
    priority: str = Action.Priority.NORMAL
    updates: list[tuple[str, str]] = field(default_factory=list)  # (status, text), in order


@dataclass
class ReferralSpec:
    """A referral as its referrer fills it in and the panel decides it. `status` is where it ends:
    accepted (the case of the CaseSpec that holds it), declined, submitted (waiting for triage),
    more-information (sent back with a question) or draft (never sent)."""

    referrer: User
    sent_on: date  # started three days before; a draft is started that day and never sent
    status: str = Referral.Status.ACCEPTED
    concerns: str = ""  # an accepted referral's concerns become its case's summary
    risk_level: str = RiskLevel.STANDARD  # as its checklist answers score it
    subjects: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    decided_on: date | None = None  # the triage decision (accepted: the day the case opened)


# What each referral says beyond its concerns and people, as the referrer fills in the form.
REFERRAL_FORM = {
    "issue_types": [Referral.IssueType.NEIGHBOUR_DISPUTE, Referral.IssueType.HARASSMENT],
    "request_of_panel": "A joint plan: who visits the household, who checks the locks, who offers support.",
    "criterion_multi_agency": True,
    "consent": Referral.Consent.YES,
}
DECLINED_BECAUSE = "Not at the level for the panel: the housing officer's own plan covers it."
QUESTION = "Please say which agencies already know the household and what they have done."


@dataclass
class CaseSpec:
    opened_on: date
    risk_level: str
    summary: str
    subjects: list[tuple[dict[str, Any], str]]  # (person fields, role)
    referred_by: Agency
    lead: Agency | None = None
    meeting: Meeting | None = None
    invited: list[Agency] = field(default_factory=list)
    actions: list[ActionSpec] = field(default_factory=list)
    closed_because: str = ""
    referral: ReferralSpec | None = None  # the accepted referral the case was opened from


# --- Describing the history ----------------------------------------------------------------


@dataclass
class Cast:
    """The people the benchmark signs in as, and the agencies whose share of cases it controls."""

    co_chair: User
    small: User  # lead of an agency involved in about 1% of cases
    large: User  # lead of an agency involved in about 45% of cases
    agencies: list[Agency]
    staff: dict[int, list[User]] = field(default_factory=dict)  # each agency's, by the agency's id


def make_cast(*, agencies: int = 300, staff_per_agency: int = 2) -> Cast:
    """Agencies and their staff, through the services (a few hundred rows: no need for bulk)."""
    from cmarac.accounts.services import agency_save, user_create

    kinds = list(Agency.Kind.values)
    made: list[Agency] = []
    staff_of: dict[int, list[User]] = {}
    for n in range(agencies):
        agency = agency_save(
            agency=Agency(name=f"Agency {n:03d}", short_name=f"agency-{n:03d}", kind=kinds[n % len(kinds)])
        )
        staff = [
            user_create(
                email=f"staff{s}.agency{n:03d}@bench.example",
                full_name=f"{GIVEN[s % 14]} {FAMILY[n % 18]} {n}",
                password=None,
                roles=[Role.AGENCY_MEMBER],
                agency=agency,
            )
            for s in range(staff_per_agency)
        ]
        agency.lead = staff[0]
        agency.save(update_fields=["lead"])
        made.append(agency)
        staff_of[agency.pk] = staff
    co_chair = user_create(email=CO_CHAIR_EMAIL, full_name="Bench Co-chair", password=None, roles=[Role.CO_CHAIR])
    return Cast(
        co_chair=co_chair,
        small=made[0].lead,
        large=made[1].lead,
        agencies=made,
        staff=staff_of,  # type: ignore[arg-type]
    )


def make_meetings(*, count: int, first: date, last: date) -> list[Meeting]:
    """Meetings spread evenly between two dates (many partnerships' meetings, about 25 cases each)."""
    span = max((last - first).days, 1)
    zone = timezone.get_current_timezone()
    meetings = []
    for n in range(count):
        day = first + timedelta(days=span * n // max(count - 1, 1))
        starts = datetime.combine(day, time(10, 0), tzinfo=zone) + timedelta(minutes=n % 600)
        if day < last - timedelta(days=60):
            # Held, with minutes approved at the next month's meeting (their record: approve_minutes).
            meetings.append(Meeting(
                kind=Meeting.Kind.EXTRAORDINARY, starts_at=starts, status=Meeting.Status.MINUTES_APPROVED,
                minutes_status=Meeting.MinutesStatus.APPROVED, minutes_approved_at=starts + timedelta(days=28),
                general_minutes=GENERAL_MINUTES,
            ))  # fmt: skip
        else:
            meetings.append(Meeting(kind=Meeting.Kind.EXTRAORDINARY, starts_at=starts, status=Meeting.Status.SCHEDULED))
    return Meeting.objects.bulk_create(meetings, batch_size=2000)


def approve_minutes(meetings: list[Meeting]) -> int:
    """The record of each meeting whose minutes were approved, as minutes_approve leaves it: every
    case discussed (discussion and decision) and the actions agreed at each item as they stand
    (`minutes_snapshot`, what meetings.selectors.agreed_actions_now stores). Written after the
    cases, in bulk: one pass over the actions, not a query per meeting. Returns the meetings done."""
    approved = [meeting for meeting in meetings if meeting.minutes_status == Meeting.MinutesStatus.APPROVED]
    if not approved:
        return 0
    ids = [meeting.pk for meeting in approved]
    for n, text in enumerate(DISCUSSIONS):
        # An item's discussion by its id, so neighbouring items read differently.
        AgendaItem.objects.filter(meeting__in=ids).annotate(turn=F("pk") % len(DISCUSSIONS)).filter(turn=n).update(
            discussion=text, decision=AgendaItem.Decision.KEEP_UNDER_REVIEW
        )
    snapshots: dict[int, dict[str, list[dict[str, Any]]]] = {meeting.pk: {} for meeting in approved}
    for item_id, meeting_id in AgendaItem.objects.filter(meeting__in=ids).values_list("pk", "meeting_id"):
        snapshots[meeting_id][str(item_id)] = []
    actions = (
        Action.objects.filter(agenda_item__meeting__in=ids)
        .select_related("owner", "officer", "agenda_item")
        .only(*SNAPSHOT_COLUMNS)
        .order_by("due_on", "pk")
    )
    for action in actions.iterator(chunk_size=5000):
        item = action.agenda_item
        snapshots[item.meeting_id][str(item.pk)].append(action_row(action))  # type: ignore[union-attr]
    for meeting in approved:
        meeting.minutes_snapshot = snapshots[meeting.pk]
    Meeting.objects.bulk_update(approved, ["minutes_snapshot"], batch_size=500)
    return len(approved)


# What an action's row in the minutes' record reads (meetings.selectors.action_row).
SNAPSHOT_COLUMNS = (
    "description", "due_on", "status", "agenda_item__meeting_id", "owner__name", "officer__full_name",
)  # fmt: skip


# The letters a postcode's unit may end with (never C, I, K, M, O or V).
UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
POSTCODES = 50 * 10 * len(UNIT_LETTERS) ** 2  # 200,000 in the invented area DB


def postcode(n: int) -> str:
    """The n-th of 200,000 invented postcodes: a real postcode unit covers about fifteen
    addresses, so a person rarely shares theirs with more than a few others of a history of
    100,000 cases (matching a referral to open cases reads those who share it)."""
    n %= POSTCODES
    district, sector, unit = n % 50 + 1, n // 50 % 10, n // 500
    return f"DB{district} {sector}{UNIT_LETTERS[unit // 20]}{UNIT_LETTERS[unit % 20]}"


def describe_cases(
    count: int, cast: Cast, meetings: list[Meeting], *, today: date, seed: int = 14
) -> Iterator[CaseSpec]:
    """`count` cases over five years: the last year's open, older ones closed; each referred by one
    agency, led by another, discussed once with one to three agencies invited (the small agency in
    about 1% of cases, the large in about 45%), with an action or two, most of them long closed."""
    rng = random.Random(seed)  # noqa: S311 (invented data, not secrets)
    referrers = random.Random(seed + 1)  # noqa: S311 (a stream of its own: the cases are as before)
    others = cast.agencies[2:]
    small, large = cast.agencies[0], cast.agencies[1]
    dated = sorted(meetings, key=lambda meeting: meeting.starts_at)
    for n in range(count):
        opened_on = today - timedelta(days=int(5 * 365 * (count - n) / count))
        meeting = _meeting_after(dated, opened_on, n)
        referred_by, lead = rng.choice(others), rng.choice(others)
        invited = rng.sample(others, rng.randint(0, 2))
        if rng.random() < 0.01:
            invited.append(small)
        if rng.random() < 0.45:
            invited.append(large)
        invited = [agency for agency in dict.fromkeys(invited) if agency not in (referred_by, lead)]
        is_open = (today - opened_on).days < 365
        actions = []
        for a in range(1 + (rng.random() < 0.05)):
            owner = rng.choice([lead, *invited])
            due_on = opened_on + timedelta(days=30 + 7 * a)
            done = not is_open or rng.random() < 0.6
            steps = [(Action.Status.IN_PROGRESS, UPDATES[n % 3])] if rng.random() < 0.4 else []
            if done:
                steps.append((CLOSED, "Done: the household has support in place."))
            actions.append(ActionSpec(owner=owner, due_on=due_on, description=f"Joint visit {n}-{a}", updates=steps))
        subjects = [
            ({"given_name": GIVEN[(n + s) % 14], "family_name": f"{FAMILY[(n * 7 + s) % 18]}{n % 97}",
              "postcode": postcode(2 * n + s), "approximate_age": 20 + n % 60},
             CaseSubject.Role.VICTIM if s == 0 else CaseSubject.Role.ALLEGED_PERPETRATOR)
            for s in range(1 + (n % 2))
        ]  # fmt: skip
        risk_level = (RiskLevel.HIGH, RiskLevel.MEDIUM, RiskLevel.STANDARD)[n % 3]
        referral = ReferralSpec(
            referrer=referrers.choice(cast.staff[referred_by.pk]), sent_on=opened_on - timedelta(days=5),
            concerns=SUMMARIES[n % 4], risk_level=risk_level, subjects=subjects, decided_on=opened_on,
        )  # fmt: skip
        yield CaseSpec(
            referral=referral,
            opened_on=opened_on,
            risk_level=risk_level,
            summary=SUMMARIES[n % 4],
            subjects=subjects,
            referred_by=referred_by,
            lead=lead,
            meeting=meeting,
            invited=invited,
            actions=actions,
            closed_because="" if is_open else "Risk reduced; agencies continue routine work.",
        )


def describe_referrals(count: int, cast: Cast, *, today: date, seed: int = 15) -> Iterator[ReferralSpec]:
    """The referrals beside `count` cases (five years) that became no case, as a live database holds
    them: those declined in the last year (one for every ten cases referred; older ones have been
    deleted by the retention job, RETENTION_DECLINED_REFERRAL_DAYS), and those still open today
    (waiting for triage, sent back with a question, drafts), about a meeting's worth for every 500
    cases. Each benchmark lead has referrals of their own: the large agency's one in 200 cases,
    the small agency's one in 2,000."""
    rng = random.Random(seed)  # noqa: S311 (invented data, not secrets)
    S = Referral.Status
    others = cast.agencies[2:]

    def spec(referrer: User, sent_on: date, status: str, n: int) -> ReferralSpec:
        person = {"given_name": GIVEN[n % 14], "family_name": f"{FAMILY[(n * 5) % 18]}{n % 89}",
                  "postcode": postcode(7919 * n + 1_000_003),
                  "approximate_age": 25 + n % 50}  # fmt: skip
        return ReferralSpec(
            referrer=referrer, sent_on=sent_on, status=status, concerns=SUMMARIES[n % 4],
            risk_level=(RiskLevel.MEDIUM, RiskLevel.STANDARD)[n % 2], subjects=[(person, CaseSubject.Role.VICTIM)],
        )  # fmt: skip

    def last_year(n: int, of: int) -> date:  # decided a week after being sent, within the year
        return today - timedelta(days=14 + 340 * (of - n) // max(of, 1))

    declined = count // 50  # a tenth of a year's referrals
    for n in range(declined):
        agency = rng.choice(others)
        yield spec(rng.choice(cast.staff[agency.pk]), last_year(n, declined), S.DECLINED, n)
    for lead, every in ((cast.large, 200), (cast.small, 2000)):
        theirs = count // every // 5
        for n in range(theirs):
            yield spec(lead, last_year(n, theirs), S.DECLINED, n)
    open_now = max(count // 500, 5)
    for n in range(open_now + open_now // 5 + open_now // 3):
        status = S.SUBMITTED if n < open_now else S.MORE_INFORMATION if n < open_now + open_now // 5 else S.DRAFT
        agency = rng.choice(others)
        yield spec(rng.choice(cast.staff[agency.pk]), today - timedelta(days=n % 14), status, n)
    for lead, statuses in ((cast.large, [S.SUBMITTED] * 3 + [S.MORE_INFORMATION] + [S.DRAFT] * 2),
                           (cast.small, [S.SUBMITTED, S.DRAFT])):  # fmt: skip
        for n, status in enumerate(statuses):
            yield spec(lead, today - timedelta(days=n), status, n)


def _meeting_after(dated: list[Meeting], opened_on: date, n: int) -> Meeting | None:
    if not dated:
        return None
    low, high = 0, len(dated)
    while low < high:
        middle = (low + high) // 2
        if timezone.localdate(dated[middle].starts_at) < opened_on:
            low = middle + 1
        else:
            high = middle
    return dated[min(low + n % 3, len(dated) - 1)] if low < len(dated) else None


# --- Checklist answers ---------------------------------------------------------------------------

LEVELS = [RiskLevel.STANDARD, RiskLevel.MEDIUM, RiskLevel.HIGH]


def answers_for(checklist: ChecklistTemplate, level: str) -> dict[int, ReferralAnswer]:
    """Answers to every question of the checklist that score at this risk level (question id ->
    answer, not saved): each question's lowest option, raised one question at a time, an option
    at a time, until the score reaches the level without passing it."""
    questions = [
        sorted(question.options.all(), key=lambda option: (option.score, option.order, option.pk))
        for question in checklist.questions.prefetch_related("options").order_by("order", "pk")
    ]
    chosen = [options[0] for options in questions]

    def reached() -> int:
        return LEVELS.index(checklist.level_for(sum(option.score for option in chosen)))

    wanted = LEVELS.index(level)
    for n, options in enumerate(questions):
        for option in options[1:]:
            if reached() >= wanted:
                break
            before, chosen[n] = chosen[n], option
            if reached() > wanted:
                chosen[n] = before
                break
    if reached() != wanted:
        raise ValueError(f"The checklist's answers cannot score {level}")
    return {
        option.question_id: ReferralAnswer(question_id=option.question_id, option=option, score=option.score)
        for option in chosen
    }


# --- Writing it: the services, one case -------------------------------------------------------


def write_referral_by_services(spec: ReferralSpec, *, by: User) -> Referral:
    """The reference for a referral: filled in and sent by its referrer, then decided by `by` as its
    status says. An accepted one is left waiting here; write_case_by_services accepts it."""
    from referrals import services

    referrer = spec.referrer
    referral = services.referral_start(referrer=referrer)
    referral = services.referral_update(
        referral=referral, by=referrer, revision=None, fields={**REFERRAL_FORM, "concerns": spec.concerns}
    )
    for fields, role in spec.subjects:
        services.referral_subject_save(
            referral=referral, by=referrer, revision=None, fields={**fields, "role": role}, subject=None
        )
    answers = answers_for(referral.checklist, spec.risk_level)
    referral = services.referral_answers_save(
        referral=referral, by=referrer, revision=None,
        answers={question: answer.option.pk for question, answer in answers.items()},
    )  # fmt: skip
    S = Referral.Status
    if spec.status != S.DRAFT:
        referral = services.referral_submit(referral=referral, by=referrer, revision=None)
    if spec.status == S.DECLINED:
        referral = services.referral_decline(referral=referral, by=by, reason=DECLINED_BECAUSE)
    elif spec.status == S.MORE_INFORMATION:
        referral = services.referral_request_information(referral=referral, by=by, question=QUESTION)
    return referral


def write_case_by_services(spec: CaseSpec, *, by: User) -> Case:
    """The reference: what the service layer writes for this case."""
    from actions import services as action_services
    from cmarac.cases import services
    from meetings import services as meeting_services
    from referrals.services import referral_accept

    people = [(Person(**fields), role) for fields, role in spec.subjects]
    with transaction.atomic():
        if spec.referral is not None:  # opened today from its referral
            referral = write_referral_by_services(spec.referral, by=by)
            case = referral_accept(referral=referral, by=by)
        else:
            case = services.case_create(
                by=by, summary=spec.summary, risk_level=spec.risk_level, opened_on=spec.opened_on, subjects=people
            )
            services.involve_agency(
                case=case, agency=spec.referred_by, reason=CaseInvolvement.Reason.REFERRED, source="manual", by=by
            )
        if spec.lead is not None:
            services.case_set_lead(case=case, agency=spec.lead, officer=None, by=by)
        item = None
        if spec.meeting is not None:
            item = meeting_services.agenda_add_item(meeting=spec.meeting, case=case, item_type="new", by=by)
            for agency in spec.invited:
                meeting_services.invite_agency_to_item(item=item, agency=agency, by=by)
        for wanted in spec.actions:
            action = action_services.action_set(
                case=case, owner=wanted.owner, description=wanted.description, by=by, due_on=wanted.due_on,
                priority=wanted.priority, agenda_item=item,
            )  # fmt: skip
            for status, text in wanted.updates:
                action_services.action_update(action=action, by=by, status=status, text=text, revision=None)
        if spec.closed_because:
            services.case_close(case=case, by=by, reason=spec.closed_because)
    return Case.objects.get(pk=case.pk)


# --- Writing it: in bulk -----------------------------------------------------------------------


class _Rows:
    """Rows of one batch, created table by table in the order foreign keys need."""

    def __init__(self) -> None:
        self.cases: list[Case] = []
        self.people: list[Person] = []
        self.subjects: list[CaseSubject] = []
        self.risks: list[RiskLevelChange] = []
        self.leads: list[LeadChange] = []
        self.items: list[AgendaItem] = []
        self.invitations: list[AgendaInvitation] = []
        self.actions: list[Action] = []
        self.updates: list[ActionUpdate] = []
        self.involvements: list[CaseInvolvement] = []
        self.grants: list[CaseGroupObjectPermission] = []
        self.events: list[CaseEvent] = []


def _copy_text(value: Any) -> str:
    """A value as PostgreSQL's COPY reads it in its text format."""
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (date, datetime, time)):
        text = value.isoformat()
    elif isinstance(value, str):
        text = value
    elif isinstance(value, int):
        return str(value)
    else:
        raise TypeError(f"no COPY text for {type(value).__name__}")
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def insert_rows(model: type[models.Model], rows: list[Any]) -> None:
    """Rows that nothing written later refers to by id (timeline events, involvements, grants,
    answers...). On PostgreSQL they are written with COPY: each field's value is what bulk_create
    would write (the same `pre_save` and `get_db_prep_save` calls), without an INSERT statement
    built and parsed for every 5,000 rows, which took most of the time of writing them (ADR 0027).
    Elsewhere, bulk_create. Their ids are not read back."""
    opts = model._meta
    fields = [field for field in opts.concrete_fields if field is not opts.pk]
    if not isinstance(opts.pk, AutoFieldMixin) or any(
        field.db_default is not models.NOT_PROVIDED or field.generated for field in fields
    ):
        raise ValueError(f"{opts.label}: COPY writes rows whose every value but the id Django gives")
    if any(row.pk is not None for row in rows):
        raise ValueError(f"{opts.label}: a row with an id already")
    if not rows:
        return
    database = connections[router.db_for_write(model)]  # the connection itself, not its proxy
    if database.vendor != "postgresql":
        model.objects.bulk_create(rows, batch_size=5000)
        return
    text = io.StringIO()
    for row in rows:
        row._prepare_related_fields_for_save(operation_name="bulk_create")
        values = (field.get_db_prep_save(field.pre_save(row, True), database) for field in fields)
        text.write("\t".join(map(_copy_text, values)))
        text.write("\n")
    text.seek(0)
    columns = ", ".join(database.ops.quote_name(field.column) for field in fields)
    with database.cursor() as cursor:
        cursor.copy_expert(f"COPY {database.ops.quote_name(opts.db_table)} ({columns}) FROM STDIN", text)


def _references(counter_model: Any, prefix: str, years: list[int]) -> list[str]:
    """References as the services issue them (`PREFIX-YEAR-NNNN`), one per year given, in order,
    continuing each year's counter (CaseReferenceCounter, ReferralReferenceCounter)."""
    counters = {c.year: c for c in counter_model.objects.select_for_update().filter(year__in=set(years))}
    references = []
    for year in years:
        counter = counters.setdefault(year, counter_model(year=year, last_number=0))
        counter.last_number += 1
        references.append(f"{prefix}-{year}-{counter.last_number:04d}")
    counter_model.objects.bulk_create(
        counters.values(), update_conflicts=True, unique_fields=["year"], update_fields=["last_number"]
    )
    return references


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=timezone.get_current_timezone())


def _write_referrals(
    referrals: list[tuple[ReferralSpec, Case | None, list[Person], datetime]], by: User
) -> list[Referral]:
    """The rows the services leave for these referrals (each with its case, the people its subjects
    became, and the date of the meeting it was sent for), in bulk; started, sent and decided on
    their days, not now."""
    if not referrals:
        return []
    S = Referral.Status
    checklist = checklist_current()
    answers = {level: answers_for(checklist, level) for level in {spec.risk_level for spec, *_ in referrals}}
    # Each continues the counter of the year it was started (a draft on its day, the others three before).
    started = [spec.sent_on - timedelta(days=0 if spec.status == S.DRAFT else 3) for spec, *_ in referrals]
    references = _references(ReferralReferenceCounter, REFERRAL_PREFIX, [day.year for day in started])
    rows: list[Referral] = []
    now = timezone.now()
    for (spec, case, _, meeting_date), reference in zip(referrals, references, strict=True):
        referrer, sent = spec.referrer, spec.status != S.DRAFT
        decided = spec.status in (S.ACCEPTED, S.DECLINED, S.MORE_INFORMATION)
        score = sum(answer.score for answer in answers[spec.risk_level].values())
        level = checklist.level_for(score)
        rows.append(Referral(
            reference=reference, referrer=referrer, referring_agency_id=referrer.agency_id,
            contact_phone=referrer.phone, contact_email=referrer.email, checklist=checklist,
            **{**REFERRAL_FORM, "issue_types": list(REFERRAL_FORM["issue_types"])}, concerns=spec.concerns,
            score=score, scored_level=level, risk_level=level, criterion_high_risk=level == RiskLevel.HIGH,
            status=spec.status, submitted_at=min(_at(spec.sent_on, 9), now) if sent else None,
            meeting_date=meeting_date if sent else None, case=case,
            decided_by=by if decided else None,
            decided_at=min(_at(spec.decided_on or spec.sent_on + timedelta(days=7), 11), now) if decided else None,
            decision_reason=DECLINED_BECAUSE if spec.status == S.DECLINED else "",
            information_request=QUESTION if spec.status == S.MORE_INFORMATION else "",
            # A save for the form, one per person, one for the answers, then one when sent, one decided.
            revision=2 + len(spec.subjects) + sent + decided,
        ))  # fmt: skip
    Referral.objects.bulk_create(rows, batch_size=2000)
    subjects, given = [], []
    for (spec, case, people, _), referral in zip(referrals, rows, strict=True):
        for n, (fields, role) in enumerate(spec.subjects):
            subjects.append(ReferralSubject(referral=referral, role=role, person=people[n] if case else None, **fields))
        for answer in answers[spec.risk_level].values():
            given.append(
                ReferralAnswer(
                    referral=referral, question_id=answer.question_id, option=answer.option, score=answer.score
                )
            )
    insert_rows(ReferralSubject, subjects)
    insert_rows(ReferralAnswer, given)
    # Started three days before being sent, last changed when decided (or sent).
    if connection.vendor == "postgresql":
        started = "submitted_at - interval '3 days'"
    else:
        started = "datetime(submitted_at, '-3 days')"
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE referrals_referral SET created_at = {started}, "  # noqa: S608 (no input in it)
            "updated_at = COALESCE(decided_at, submitted_at) "
            "WHERE id BETWEEN %s AND %s AND submitted_at IS NOT NULL",
            [rows[0].pk, rows[-1].pk],
        )
    return rows


def write_referrals_in_bulk(specs: Iterable[ReferralSpec], *, by: User, batch: int = 2000) -> int:
    """The same rows as write_referral_by_services, for many referrals that became no case (those
    accepted are written with their cases). Returns the number written."""
    specs = list(specs)
    for start in range(0, len(specs), batch):
        chunk = specs[start : start + batch]
        with transaction.atomic():
            _write_referrals([(spec, None, [], _at(spec.sent_on + timedelta(days=14), 10)) for spec in chunk], by)
    return len(specs)


def write_cases_in_bulk(specs: Iterable[CaseSpec], *, by: User, batch: int = 2000) -> int:
    """The same rows as write_case_by_services, for many cases at once. Returns the number written."""
    written = 0
    chunk: list[CaseSpec] = []
    for spec in specs:
        chunk.append(spec)
        if len(chunk) == batch:
            written += _write_batch(chunk, by)
            chunk = []
    if chunk:
        written += _write_batch(chunk, by)
    return written


@transaction.atomic
def _write_batch(specs: list[CaseSpec], by: User) -> int:
    rows = _Rows()
    permission = view_case_permission_id()
    references = _references(CaseReferenceCounter, REFERENCE_PREFIX, [spec.opened_on.year for spec in specs])
    for spec, reference in zip(specs, references, strict=True):
        closed = bool(spec.closed_because)
        named = [tuple(fields.get(name, "") for name in SEARCHED_FIELDS) for fields, _ in spec.subjects]
        rows.cases.append(Case(
            reference=reference, summary=spec.summary, risk_level=spec.risk_level, opened_on=spec.opened_on,
            created_by=by, lead_agency=spec.lead, status=Case.Status.CLOSED if closed else Case.Status.OPEN,
            closed_on=timezone.localdate() if closed else None, closure_reason=spec.closed_because,
            search_text=search_text_for(reference, named),
        ))  # fmt: skip
    Case.objects.bulk_create(rows.cases, batch_size=2000)
    for spec in specs:
        for fields, _ in spec.subjects:
            rows.people.append(Person(**fields))
    Person.objects.bulk_create(rows.people, batch_size=2000)
    people = iter(rows.people)
    meetings_items: list[tuple[CaseSpec, Case, AgendaItem]] = []
    positions: dict[int, int] = {}
    referred: list[tuple[ReferralSpec, Case | None, list[Person], datetime]] = []
    for spec, case in zip(specs, rows.cases, strict=True):
        persons = [next(people) for _ in spec.subjects]
        for person, (_, role) in zip(persons, spec.subjects, strict=True):
            rows.subjects.append(CaseSubject(case=case, person=person, role=role))
        if spec.referral is not None:
            heard = spec.meeting.starts_at if spec.meeting else _at(spec.opened_on + timedelta(days=14), 10)
            referred.append((spec.referral, case, persons, heard))
        rows.risks.append(RiskLevelChange(case=case, risk_level=spec.risk_level, changed_by=by, reason="Case opened"))
        if spec.lead is not None:
            rows.leads.append(LeadChange(case=case, agency=spec.lead, officer=None, changed_by=by))
        if spec.meeting is not None:
            if spec.meeting.pk not in positions:
                last = AgendaItem.objects.filter(meeting=spec.meeting).aggregate(last=Max("position"))["last"]
                positions[spec.meeting.pk] = last or 0
            positions[spec.meeting.pk] += 1
            item = AgendaItem(meeting=spec.meeting, case=case, item_type="new", position=positions[spec.meeting.pk])
            rows.items.append(item)
            meetings_items.append((spec, case, item))
    insert_rows(CaseSubject, rows.subjects)
    referral_of = {referral.case_id: referral for referral in _write_referrals(referred, by)}
    insert_rows(RiskLevelChange, rows.risks)
    insert_rows(LeadChange, rows.leads)
    AgendaItem.objects.bulk_create(rows.items, batch_size=5000)
    item_of = {case.pk: item for _, case, item in meetings_items}
    for spec, case in zip(specs, rows.cases, strict=True):
        item = item_of.get(case.pk)
        for agency in spec.invited if item else []:
            rows.invitations.append(AgendaInvitation(item=item, agency=agency, invited_by=by))
        for wanted in spec.actions:
            action = Action(
                case=case, owner=wanted.owner, description=wanted.description, due_on=wanted.due_on,
                priority=wanted.priority, agenda_item=item, created_by=by, revision=len(wanted.updates),
            )  # fmt: skip
            if wanted.updates:
                action.status = wanted.updates[-1][0]
                if not action.is_open:
                    action.outcome, action.closed_at = wanted.updates[-1][1], timezone.now()
            rows.actions.append(action)
    insert_rows(AgendaInvitation, rows.invitations)
    Action.objects.bulk_create(rows.actions, batch_size=5000)
    actions = iter(rows.actions)
    now = timezone.now()
    for spec, case in zip(specs, rows.cases, strict=True):
        clock = iter(now - timedelta(seconds=1000) + timedelta(milliseconds=k) for k in range(1000))
        involved: set[int] = set()

        def event(kind: str, description: str = "", *, case: Case = case, clock: Iterator[datetime] = clock) -> None:
            rows.events.append(
                CaseEvent(case=case, kind=kind, description=description, actor=by, occurred_at=next(clock))
            )

        def involve(
            agency: Agency, reason: str, source: str, *, case: Case = case, involved: set[int] = involved
        ) -> None:
            involvement = CaseInvolvement(case=case, agency=agency, reason=reason, source=source, created_by=by)
            rows.involvements.append(involvement)
            if agency.pk not in involved:
                involved.add(agency.pk)
                rows.grants.append(
                    CaseGroupObjectPermission(group_id=agency.group_id, permission_id=permission, content_object=case)
                )
                event(CaseEvent.Kind.AGENCY_INVOLVED, f"{agency.name}: {involvement.get_reason_display()}")

        event(CaseEvent.Kind.OPENED)
        for _, role in spec.subjects:
            event(CaseEvent.Kind.SUBJECT_ADDED, CaseSubject.Role(role).label)
        referral = referral_of.get(case.pk)
        involve(spec.referred_by, CaseInvolvement.Reason.REFERRED, f"referral:{referral.pk}" if referral else "manual")
        if referral is not None:
            event(CaseEvent.Kind.REFERRAL_ACCEPTED, f"Referral {referral.reference}")
        if spec.lead is not None:
            involve(spec.lead, CaseInvolvement.Reason.LEAD, "")
            event(CaseEvent.Kind.LEAD_CHANGED, f"Lead agency: {spec.lead.name}")
        item = item_of.get(case.pk)
        if item is not None:
            event(CaseEvent.Kind.ADDED_TO_AGENDA, str(spec.meeting))
            for agency in spec.invited:
                involve(agency, CaseInvolvement.Reason.INVITED, item.involvement_source)
        for wanted in spec.actions:
            action = next(actions)
            involve(wanted.owner, CaseInvolvement.Reason.ACTION_OWNER, f"action:{action.pk}")
            event(CaseEvent.Kind.ACTION_SET, f"{wanted.owner.name}, due {long_date(wanted.due_on)}")
            for status, text in wanted.updates:
                rows.updates.append(ActionUpdate(action=action, status=status, text=text, by=by))
                still_open = status in Action.OPEN_STATUSES
                kind = CaseEvent.Kind.ACTION_UPDATED if still_open else CaseEvent.Kind.ACTION_CLOSED
                event(kind, f"{wanted.owner.name}: {Action.Status(status).label}")
        if spec.closed_because:
            event(CaseEvent.Kind.CLOSED, spec.closed_because)
    insert_rows(ActionUpdate, rows.updates)
    insert_rows(CaseInvolvement, rows.involvements)
    _involved_when_opened([case.pk for case in rows.cases])
    insert_rows(CaseGroupObjectPermission, rows.grants)
    insert_rows(CaseEvent, rows.events)
    return len(rows.cases)


def _involved_when_opened(case_ids: list[int]) -> None:
    """Date these cases' involvements from the day each case was opened (09:00 UTC), not from the
    moment they were written: "newly shared with your agency" then counts what a live database
    would, the cases of the last days, not every case the agency was ever involved in."""
    if not case_ids:
        return
    first, last = min(case_ids), max(case_ids)
    if connection.vendor == "postgresql":
        sql = (
            "UPDATE cases_caseinvolvement SET created_at = (c.opened_on + time '09:00') AT TIME ZONE 'UTC' "
            "FROM cases_case c WHERE c.id = cases_caseinvolvement.case_id AND c.id BETWEEN %s AND %s"
        )
    else:
        sql = (
            "UPDATE cases_caseinvolvement SET created_at = "
            "(SELECT c.opened_on || ' 09:00:00' FROM cases_case c WHERE c.id = cases_caseinvolvement.case_id) "
            "WHERE case_id BETWEEN %s AND %s"
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, [first, last])


# --- The whole history ---------------------------------------------------------------------------

CO_CHAIR_EMAIL = "co-chair@bench.example"


def generate(count: int, *, agencies: int | None = None) -> dict[str, int]:
    """Agencies, staff, meetings (about 25 cases each) and `count` cases over five years, then the
    tables vacuumed and their statistics refreshed, as on a live database. Returns the rows written
    per table."""
    today = timezone.localdate()
    cast = make_cast(agencies=agencies or (300 if count >= 1000 else 6), staff_per_agency=2 if count >= 1000 else 1)
    meetings = make_meetings(
        count=max(count // 25, 2), first=today - timedelta(days=5 * 365), last=today + timedelta(days=30)
    )
    written = write_cases_in_bulk(describe_cases(count, cast, meetings, today=today), by=cast.co_chair)
    write_referrals_in_bulk(describe_referrals(count, cast, today=today), by=cast.co_chair)
    approve_minutes(meetings)
    if connection.vendor == "postgresql":
        # A live database's tables have been vacuumed by autovacuum (which also sets the visibility
        # map that index-only scans of the grants need); rows written in bulk a moment ago have
        # not, so vacuum them here. Inside a transaction (the tests) VACUUM cannot run: ANALYZE.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
    return {
        "cases": written,
        "grants": CaseGroupObjectPermission.objects.count(),
        "involvements": CaseInvolvement.objects.count(),
        "events": CaseEvent.objects.count(),
        "actions": Action.objects.count(),
        "updates": ActionUpdate.objects.count(),
        "meetings": len(meetings),
        "referrals": Referral.objects.count(),
    }


def bench_people() -> dict[str, User]:
    """The three people the benchmark signs in as."""
    return {
        "small": Agency.objects.select_related("lead").get(short_name="agency-000").lead,  # type: ignore[dict-item]
        "co-chair": User.objects.get(email=CO_CHAIR_EMAIL),
        "large": Agency.objects.select_related("lead").get(short_name="agency-001").lead,  # type: ignore[dict-item]
    }
