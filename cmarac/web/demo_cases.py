"""A dozen synthetic cases for the demo partnership, spread so each agency sees some and not others.

Names, addresses and stories are invented; postcodes use the area "DB", which no real UK
postcode has.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils import timezone

from cmarac.accounts.models import Agency, User
from cmarac.cases import services
from cmarac.cases.models import Case, CaseInvolvement, CaseSubject, Person

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
    also_involved: list[str] = field(default_factory=list)
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
        also_involved=["adult-safeguarding"],
    ),
    DemoCase(
        "Severe hoarding creating a fire risk in a block of flats; neighbours report smells and pests.",
        "high",
        "fire",
        "fire",
        [DemoSubject("Alastair", "Penhallow", R.VICTIM, "DB2 6LQ", 78, "Self-neglect; lives alone")],
        days_ago=35,
        also_involved=["adult-safeguarding"],
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
    ),
    DemoCase(
        "Repeated mental-health crises in public spaces with damage to a neighbour's property.",
        "medium",
        "mental-health",
        "mental-health",
        [DemoSubject("Corin", "Ashgrove", R.ALLEGED_PERPETRATOR, "DB3 4JD", 29, "Diagnosed psychosis; not engaging")],
        days_ago=25,
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
        also_involved=["council-housing"],
    ),
    DemoCase(
        "Older resident targeted by youths throwing objects at windows; three reports this month.",
        "medium",
        "victim-support",
        "victim-support",
        [DemoSubject("Beryl", "Ashcombe", R.VICTIM, "DB8 2QS", 84, "Frail; hearing impaired")],
        days_ago=18,
        also_involved=["neighbourhood-policing"],
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
    ),
    DemoCase(
        "Street drinking and intimidation outside a GP surgery; patients and staff affected.",
        "standard",
        "primary-care",
        None,
        [DemoSubject("Ruben", "Hale", R.ALLEGED_PERPETRATOR, "DB2 1BB", 50, "Alcohol dependency")],
        days_ago=10,
        also_involved=["drug-alcohol"],
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
        also_involved=["council-housing"],
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
        also_involved=["victim-support"],
    ),
    DemoCase(
        "Noise nuisance resolved after mediation; kept for the record.",
        "standard",
        "out-of-hours-noise",
        "victim-support",
        [DemoSubject("Rosa", "Quennell", R.VICTIM, "DB1 3GG", 44)],
        days_ago=120,
        closed_because="Mediation succeeded; no incidents for three months.",
    ),
]


def seed_demo_cases(*, agencies: dict[str, Agency], by: User) -> int:
    """Create the demo cases once. Returns how many were created (0 if cases already exist)."""
    if Case.objects.exists():
        return 0
    today = timezone.localdate()
    for demo in CASES:
        opened = today - timedelta(days=demo.days_ago)
        subjects = [
            (
                Person(
                    given_name=s.given_name,
                    family_name=s.family_name,
                    postcode=s.postcode,
                    approximate_age=s.age,
                    vulnerabilities=s.vulnerabilities,
                    address=f"{10 + i} Demo Street, Demo Borough",
                ),
                s.role,
            )
            for i, s in enumerate(demo.subjects)
        ]
        case = services.case_create(
            by=by, summary=demo.summary, risk_level=demo.risk_level, opened_on=_not_future(opened), subjects=subjects
        )
        if demo.repeat:
            Case.objects.filter(pk=case.pk).update(is_repeat=True)
        services.involve_agency(
            case=case, agency=agencies[demo.referred_by], reason=CaseInvolvement.Reason.REFERRED, source="demo", by=by
        )
        for short_name in demo.also_involved:
            services.involve_agency(
                case=case, agency=agencies[short_name], reason=CaseInvolvement.Reason.INVITED, source="demo", by=by
            )
        if demo.lead:
            services.case_set_lead(case=case, agency=agencies[demo.lead], officer=None, by=by)
        if demo.closed_because:
            services.case_close(case=case, by=by, reason=demo.closed_because)
    return len(CASES)


def _not_future(day: date) -> date:
    return min(day, timezone.localdate())
