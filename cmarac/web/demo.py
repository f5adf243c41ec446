"""The demo partnership: agencies from the two source documents, and a synthetic cast.

Every person here is invented. Agencies are the kinds of body the Islington and
Haringey documents name, under neutral names for a fictional borough.
"""

from __future__ import annotations

from base64 import b32decode
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from cmarac.accounts.models import Agency, RoleGrant, User
from cmarac.accounts.roles import Role
from cmarac.accounts.services import agency_save, role_grant_propose, user_set_roles, user_sync_agency_group

DEMO_AUTHENTICATOR_NAME = "Demo authenticator app"
K = Agency.Kind
CORE = Agency.Membership.CORE
FLEXIBLE = Agency.Membership.FLEXIBLE

# (short name, name, kind, membership)
AGENCIES: list[tuple[str, str, str, str]] = [
    # Core members: named as core by both documents, or by one and not the other.
    ("community-safety", "Community Safety Team", K.COUNCIL, CORE),
    ("police", "Partnership Policing Team", K.POLICE, CORE),
    ("asb-enforcement", "ASB Enforcement Team", K.COUNCIL, CORE),
    ("adult-safeguarding", "Adult Safeguarding", K.ADULT_SOCIAL_CARE, CORE),
    ("council-housing", "Council Housing: Tenancy Management and Housing Needs", K.HOUSING_PROVIDER, CORE),
    ("housing-improvement", "Housing Improvement Team", K.COUNCIL, CORE),
    ("housing-support", "Housing-Related Support", K.HOUSING_PROVIDER, CORE),
    ("mental-health", "Mental Health Services", K.MENTAL_HEALTH, CORE),
    ("victim-support", "Victim Support and Mediation Services", K.VICTIM_SUPPORT, CORE),
    ("substance-use", "Substance Use Service", K.SUBSTANCE_USE, CORE),
    ("floating-support", "Homelessness Floating Support", K.CHARITY, CORE),
    ("fire", "Fire Brigade", K.FIRE, CORE),
    ("community-health", "Community Health NHS Trust", K.HEALTH, CORE),
    ("out-of-hours-noise", "Out-of-Hours ASB and Noise Team", K.COUNCIL, CORE),
    # Flexible members: attend when a case needs them.
    ("childrens-services", "Children's Services and Safeguarding (MASH)", K.CHILDRENS_SERVICES, FLEXIBLE),
    ("drug-alcohol", "Drug and Alcohol Support Services", K.SUBSTANCE_USE, FLEXIBLE),
    ("leaving-care", "Leaving Care Team", K.CHILDRENS_SERVICES, FLEXIBLE),
    ("legal", "Council Legal Services", K.COUNCIL, FLEXIBLE),
    ("ambulance", "Ambulance Service", K.AMBULANCE, FLEXIBLE),
    ("primary-care", "NHS Primary Care", K.HEALTH, FLEXIBLE),
    ("probation", "Probation Service", K.PROBATION, FLEXIBLE),
    ("neighbourhood-policing", "Neighbourhood Policing Team", K.POLICE, FLEXIBLE),
    ("youth-justice", "Youth Justice Team", K.PROBATION, FLEXIBLE),
    ("housing-association", "Registered Social Landlords", K.HOUSING_PROVIDER, FLEXIBLE),
    ("tenancy-management", "Tenancy Management Officers", K.HOUSING_PROVIDER, FLEXIBLE),
    ("charities", "Third-Sector Support Charities", K.CHARITY, FLEXIBLE),
]


def demo_totp_code() -> str:
    """The code an authenticator app with the published demo key shows now."""
    device = TOTPDevice(key=b32decode(settings.DEMO_TOTP_SECRET).hex())
    return str(totp(device.bin_key, step=device.step, digits=device.digits)).zfill(device.digits)


def demo_authenticator_ensure(*, user: User) -> None:
    """Every demo account has an authenticator app with the one published demo key, so anyone can
    sign in to the demo; other devices a person added on the demo are kept."""
    TOTPDevice.objects.update_or_create(
        user=user,
        name=DEMO_AUTHENTICATOR_NAME,
        defaults={"key": b32decode(settings.DEMO_TOTP_SECRET).hex(), "confirmed": True},
    )


@dataclass(frozen=True)
class DemoPerson:
    email: str
    full_name: str
    job_title: str
    agency: str | None
    roles: tuple[Role, ...]
    is_staff: bool = False
    lead_of: bool = False
    deputy_of: bool = False


DOMAIN = "demo.cmarac.test"
STAFF = (Role.AGENCY_MEMBER, Role.REFERRER)

PEOPLE: list[DemoPerson] = [
    DemoPerson(
        f"coordinator@{DOMAIN}",
        "Robin Ashdown",
        "Community Risk Coordinator",
        "community-safety",
        (Role.COORDINATOR,),
        is_staff=True,
    ),
    DemoPerson(
        f"chair.police@{DOMAIN}",
        "Morgan Vale",
        "Chief Inspector",
        "police",
        (Role.CO_CHAIR, Role.AGENCY_MEMBER),
    ),
    DemoPerson(
        f"chair.council@{DOMAIN}",
        "Jude Okonjo-Hart",
        "Community Safety Manager",
        "community-safety",
        (Role.CO_CHAIR, Role.AGENCY_MEMBER),
        lead_of=True,
    ),
    DemoPerson(
        f"lead.police@{DOMAIN}",
        "Sam Petrakis",
        "Inspector, Partnership Policing",
        "police",
        STAFF,
        lead_of=True,
    ),
    DemoPerson(
        f"deputy.police@{DOMAIN}",
        "Lee Farrant",
        "Sergeant, Partnership Policing",
        "police",
        STAFF,
        deputy_of=True,
    ),
    DemoPerson(
        f"lead.housing@{DOMAIN}",
        "Kit Delaney",
        "Tenancy Services Manager",
        "council-housing",
        STAFF,
        lead_of=True,
    ),
    DemoPerson(
        f"deputy.housing@{DOMAIN}",
        "Ari Nwosu",
        "Senior Housing Officer",
        "council-housing",
        STAFF,
        deputy_of=True,
    ),
    DemoPerson(
        f"lead.mentalhealth@{DOMAIN}",
        "Dana Whitlock",
        "Team Manager, Community Mental Health",
        "mental-health",
        STAFF,
        lead_of=True,
    ),
    DemoPerson(
        f"lead.victimsupport@{DOMAIN}",
        "Rowan Castell",
        "Service Manager",
        "victim-support",
        STAFF,
        lead_of=True,
    ),
    DemoPerson(
        f"lead.fire@{DOMAIN}",
        "Jesse Kettleby",
        "Station Manager, Community Safety",
        "fire",
        STAFF,
        lead_of=True,
    ),
    DemoPerson(
        f"member.housing@{DOMAIN}",
        "Noor Halvorsen",
        "Housing Officer",
        "council-housing",
        STAFF,
    ),
    DemoPerson(
        f"referrer@{DOMAIN}",
        "Taylor Brennock",
        "Dedicated Ward Officer",
        "neighbourhood-policing",
        (Role.REFERRER,),
    ),
    DemoPerson(
        f"auditor@{DOMAIN}",
        "Frankie Oduya",
        "Data Protection Officer",
        None,
        (Role.AUDITOR,),
    ),
    DemoPerson(
        f"admin@{DOMAIN}",
        "Charlie Maddox",
        "System Owner",
        None,
        (Role.ADMINISTRATOR,),
        is_staff=True,
    ),
]


def _seed_role_request() -> None:
    """One role request waiting for a second co-chair or coordinator, so the demo shows the rule."""
    person = User.objects.get(email=f"deputy.police@{DOMAIN}")
    if not RoleGrant.objects.filter(person=person, role=Role.CO_CHAIR).exists():
        role_grant_propose(
            person=person,
            role=Role.CO_CHAIR,
            by=User.objects.get(email=PEOPLE[0].email),
            reason="Stands in for the police co-chair during leave.",
        )


# Agencies whose information sharing agreement has lapsed, or must be signed again soon.
SHARING_LAPSED = {"housing-association": 12}  # days since it lapsed
SHARING_DUE_SOON = {"probation": 20, "legal": 25}  # days left


def _demo_sharing_dates(agency: Agency, short_name: str) -> None:
    """Agreement dates for the records of processing page: most in force, one lapsed, two due soon."""
    today = timezone.localdate()
    if short_name in SHARING_LAPSED:
        renew_by = today - timedelta(days=SHARING_LAPSED[short_name])
    elif short_name in SHARING_DUE_SOON:
        renew_by = today + timedelta(days=SHARING_DUE_SOON[short_name])
    else:
        renew_by = today + timedelta(days=200 + 7 * (sum(map(ord, short_name)) % 20))
    agency.sharing_agreement_signed_on = renew_by - timedelta(days=365)
    agency.confidentiality_statement_signed_on = renew_by - timedelta(days=360)
    agency.sharing_agreement_renew_by = renew_by


class DemoDataNotAllowed(Exception):
    pass


@transaction.atomic
def seed_demo() -> list[DemoPerson]:
    """Create or refresh the demo partnership. Running it again changes nothing more."""
    if not settings.DEMO_DATA_ALLOWED:
        raise DemoDataNotAllowed(
            "Demo data uses a published password. Set DEMO_DATA_ALLOWED=true only on a demo or development system."
        )
    agencies: dict[str, Agency] = {}
    for short_name, name, kind, membership in AGENCIES:
        agency = Agency.objects.filter(short_name=short_name).select_related("group").first() or Agency()
        agency.short_name, agency.name, agency.kind, agency.membership = short_name, name, kind, membership
        agency.contact_email = f"{short_name}.team@{DOMAIN}"
        if agency.sharing_agreement_signed_on is None:
            _demo_sharing_dates(agency, short_name)
        agencies[short_name] = agency_save(agency=agency)

    # One hash for every demo account (a hash takes the better part of a second by design): they
    # share the published demo password anyway.
    password = make_password(settings.DEMO_PASSWORD)
    for person in PEOPLE:
        agency = agencies[person.agency] if person.agency else None
        user, _ = User.objects.update_or_create(
            email=person.email,
            defaults={
                "full_name": person.full_name,
                "job_title": person.job_title,
                "agency": agency,
                "is_staff": person.is_staff,
                "is_active": True,
            },
        )
        user.password = password
        user.save(update_fields=["password"])
        user_set_roles(user=user, roles=person.roles)
        user_sync_agency_group(user=user)
        demo_authenticator_ensure(user=user)
        if agency is not None and (person.lead_of or person.deputy_of):
            setattr(agency, "lead" if person.lead_of else "deputy", user)
            agency_save(agency=agency)

    _seed_role_request()

    from cmarac.web.demo_cases import seed_demo_cases

    seed_demo_cases(agencies=agencies, by=User.objects.get(email=PEOPLE[0].email))

    from cmarac.web.demo_referrals import seed_demo_referrals
    from meetings.services import meetings_generate

    meetings_generate(months=12)

    from cmarac.web.demo_meetings import seed_demo_agenda

    seed_demo_agenda(chair=User.objects.get(email=f"chair.police@{DOMAIN}"), agencies=agencies)
    seed_demo_referrals()

    from cmarac.web.demo_history import seed_demo_history

    seed_demo_history(
        agencies=agencies,
        coordinator=User.objects.get(email=PEOPLE[0].email),
        chair=User.objects.get(email=f"chair.police@{DOMAIN}"),
    )
    return PEOPLE
