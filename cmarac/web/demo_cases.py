"""A dozen synthetic cases for the demo partnership, spread so each agency sees some and not others.

Names, addresses and stories are invented; postcodes use the area "DB", which no real UK
postcode has.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from cmarac.accounts.models import Agency, User
from cmarac.accounts.roles import Role
from cmarac.cases import services
from cmarac.cases.models import Case, CaseSubject

R = CaseSubject.Role


@dataclass(frozen=True)
class DemoSubject:
    given_name: str
    family_name: str
    role: str
    postcode: str
    age: int | None = None
    vulnerabilities: str = ""


@dataclass(frozen=True)
class DemoCase:
    summary: str
    risk_level: str
    referred_by: str
    lead: str | None
    subjects: list[DemoSubject]
    days_ago: int
    issues: list[str] = field(default_factory=list)
    closed_because: str = ""
    repeat: bool = False


CASES: list[DemoCase] = [
    DemoCase(
        "Suspected cuckooing: visitors at all hours, a vulnerable tenant appears to have lost control of the flat.",
        "high",
        "police",
        "council-housing",
        [
            DemoSubject("Marnie", "Ellwood", R.VICTIM, "DB4 1AX", 52, "Learning disability; isolated"),
            DemoSubject("Dex", "Calloway", R.ALLEGED_PERPETRATOR, "DB7 3RT", 24),
        ],
        days_ago=40,
        issues=["cuckooing", "drugs"],
    ),
    DemoCase(
        "Severe hoarding creating a fire risk in a block of flats; neighbours report smells and pests.",
        "high",
        "fire",
        "fire",
        [DemoSubject("Alastair", "Penhallow", R.VICTIM, "DB2 6LQ", 78, "Self-neglect; lives alone")],
        days_ago=35,
        issues=["hoarding"],
    ),
    DemoCase(
        "Racially aggravated harassment of a family by two neighbours; graffiti and threats.",
        "high",
        "victim-support",
        "police",
        [
            DemoSubject("Ifeoma", "Brackley", R.VICTIM, "DB5 2HN", 38),
            DemoSubject("Tobiah", "Brackley", R.CHILD_IN_HOUSEHOLD, "DB5 2HN", 9),
            DemoSubject("Gary", "Stenhouse", R.ALLEGED_PERPETRATOR, "DB5 2HP", 45),
        ],
        days_ago=30,
        issues=["hate-crime", "harassment"],
        repeat=True,
    ),
    DemoCase(
        "Long-running neighbour dispute over noise, now with threats of violence on both sides.",
        "medium",
        "out-of-hours-noise",
        "council-housing",
        [
            DemoSubject("Petra", "Lindqvist", R.VICTIM, "DB1 9WE", 61),
            DemoSubject("Wes", "Marlowe", R.ALLEGED_PERPETRATOR, "DB1 9WF", 33),
        ],
        days_ago=28,
        issues=["neighbour-dispute", "noise"],
    ),
    DemoCase(
        "Repeated mental-health crises in public spaces with damage to a neighbour's property.",
        "medium",
        "mental-health",
        "mental-health",
        [DemoSubject("Corin", "Ashgrove", R.ALLEGED_PERPETRATOR, "DB3 4JD", 29, "Diagnosed psychosis; not engaging")],
        days_ago=25,
        issues=["mental-health", "criminal-damage"],
    ),
    DemoCase(
        "Drug dealing from a stairwell; residents afraid to use the lift.",
        "high",
        "asb-enforcement",
        "police",
        [
            DemoSubject("Hollis", "Venn", R.WITNESS, "DB6 8PA", 47),
            DemoSubject("Kaine", "Ortega", R.ALLEGED_PERPETRATOR, "DB6 8PB", 19),
        ],
        days_ago=21,
        issues=["drugs"],
    ),
    DemoCase(
        "Older resident targeted by youths throwing objects at windows; three reports this month.",
        "medium",
        "victim-support",
        "victim-support",
        [DemoSubject("Beryl", "Ashcombe", R.VICTIM, "DB8 2QS", 84, "Frail; hearing impaired")],
        days_ago=18,
        issues=["harassment", "repeat-victim"],
    ),
    DemoCase(
        "Potential ASB Case Review: a tenant has made repeated complaints about a neighbour with no resolution.",
        "medium",
        "council-housing",
        "council-housing",
        [
            DemoSubject("Nadim", "Farrow", R.VICTIM, "DB4 7UY", 41),
            DemoSubject("Selwyn", "Crake", R.ALLEGED_PERPETRATOR, "DB4 7UZ", 56),
        ],
        days_ago=14,
        issues=["asb-case-review", "neighbour-dispute"],
    ),
    DemoCase(
        "Street drinking and intimidation outside a GP surgery; patients and staff affected.",
        "standard",
        "primary-care",
        None,
        [DemoSubject("Ruben", "Hale", R.ALLEGED_PERPETRATOR, "DB2 1BB", 50, "Alcohol dependency")],
        days_ago=10,
        issues=["harassment"],
    ),
    DemoCase(
        "Arson attempt on a communal bin store; the suspected resident has a history of fire setting.",
        "high",
        "fire",
        "police",
        [
            DemoSubject("Lyle", "Thornbury", R.ALLEGED_PERPETRATOR, "DB9 5CC", 34),
            DemoSubject("Agnes", "Thornbury", R.HOUSEHOLD_MEMBER, "DB9 5CC", 67),
        ],
        days_ago=7,
        issues=["criminal-damage"],
    ),
    DemoCase(
        "Homophobic abuse of a couple by a group of young adults on the estate.",
        "medium",
        "police",
        "police",
        [
            DemoSubject("Jonah", "Seabrook", R.VICTIM, "DB7 6FF", 31),
            DemoSubject("Emrys", "Vale", R.VICTIM, "DB7 6FF", 35),
        ],
        days_ago=5,
        issues=["hate-crime", "harassment"],
    ),
    DemoCase(
        "Noise nuisance resolved after mediation; kept for the record.",
        "standard",
        "out-of-hours-noise",
        "victim-support",
        [DemoSubject("Rosa", "Quennell", R.VICTIM, "DB1 3GG", 44)],
        days_ago=120,
        issues=["noise"],
        closed_because="Mediation succeeded; no incidents for three months.",
    ),
]


def seed_demo_cases(*, agencies: dict[str, Agency], by: User) -> int:
    """Create the demo cases once, each by accepting a referral from its referring agency, so every
    agency's access has a real record behind it. Returns how many were created (0 if cases exist)."""
    if Case.objects.exists():
        return 0
    today = timezone.localdate()
    for demo in CASES:
        opened = _not_future(today - timedelta(days=demo.days_ago))
        case = _accepted_referral(demo, agency=agencies[demo.referred_by], by=by, opened=opened)
        if demo.repeat:
            Case.objects.filter(pk=case.pk).update(is_repeat=True)
        if demo.lead:
            services.case_set_lead(case=case, agency=agencies[demo.lead], officer=None, by=by)
        if demo.closed_because:
            services.case_close(case=case, by=by, reason=demo.closed_because)
    return len(CASES)


def _accepted_referral(demo: DemoCase, *, agency: Agency, by: User, opened: date) -> Case:
    """A referral from the agency (made by one of its demo people, or recorded by the coordinator for
    it), submitted and accepted on the day the case opened: the case, its subjects and the referring
    agency's access come from it as they do in the service."""
    from referrals import services as referral_services
    from referrals.checklists import checklist_current
    from referrals.models import Referral, ReferralSubject

    referrer = (
        User.objects.filter(agency=agency, is_active=True, groups__name=Role.REFERRER.group_name).order_by("pk").first()
        or by
    )
    referral = referral_services.referral_start(referrer=referrer)
    when = timezone.make_aware(datetime.combine(opened, time(11)))
    Referral.objects.filter(pk=referral.pk).update(
        referring_agency=agency, status=Referral.Status.SUBMITTED, submitted_at=when, issue_types=demo.issues,
        concerns=demo.summary, request_of_panel="A multi-agency plan.", criterion_multi_agency=True, consent="yes",
        checklist=checklist_current(), scored_level=demo.risk_level, risk_level=demo.risk_level,
        hate_crime_strand=_strand(demo.summary) if "hate-crime" in demo.issues else "",
    )  # fmt: skip
    for number, subject in enumerate(demo.subjects):
        ReferralSubject.objects.create(
            referral=referral, role=subject.role, given_name=subject.given_name, family_name=subject.family_name,
            postcode=subject.postcode, approximate_age=subject.age, vulnerabilities=subject.vulnerabilities,
            address=f"{10 + number} Demo Street, Demo Borough",
        )  # fmt: skip
    referral.refresh_from_db()
    case = referral_services.referral_accept(referral=referral, by=by)
    Referral.objects.filter(pk=referral.pk).update(decided_at=when)
    Case.objects.filter(pk=case.pk).update(opened_on=opened)
    case.refresh_from_db()
    return case


def _strand(summary: str) -> str:
    return "race" if "Racially" in summary else "sexual-orientation" if "Homophobic" in summary else "other"


def _not_future(day: date) -> date:
    return min(day, timezone.localdate())
