from __future__ import annotations

from typing import Any

import factory

from cmarac.accounts.models import Agency, RoleGrant, User
from cmarac.accounts.roles import Role
from cmarac.accounts.services import agency_save, user_create

TEST_PASSWORD = "correct-horse-battery-staple"


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Test Agency {n}")
    short_name = factory.Sequence(lambda n: f"test-agency-{n}")
    kind = Agency.Kind.OTHER
    membership = Agency.Membership.CORE

    @classmethod
    def _create(cls, model_class: type[Agency], *args: Any, **kwargs: Any) -> Agency:
        return agency_save(agency=model_class(*args, **kwargs))


class FlexibleAgencyFactory(AgencyFactory):
    membership = Agency.Membership.FLEXIBLE


class UserFactory(factory.django.DjangoModelFactory):
    """A person with a password of TEST_PASSWORD and the given roles."""

    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@agency.example")
    full_name = factory.Sequence(lambda n: f"Test Person {n}")
    job_title = "Officer"
    agency = factory.SubFactory(AgencyFactory)
    roles: tuple[Role, ...] = ()

    @classmethod
    def _create(cls, model_class: type[User], *args: Any, **kwargs: Any) -> User:
        return user_create(password=kwargs.pop("password", TEST_PASSWORD), **kwargs)


class AgencyStaffFactory(UserFactory):
    roles = (Role.AGENCY_MEMBER, Role.REFERRER)


class CoordinatorFactory(UserFactory):
    roles = (Role.COORDINATOR,)
    is_staff = True


class CoChairFactory(UserFactory):
    roles = (Role.CO_CHAIR, Role.AGENCY_MEMBER)


class ReferrerFactory(UserFactory):
    roles = (Role.REFERRER,)


class AuditorFactory(UserFactory):
    roles = (Role.AUDITOR,)
    agency = None


class AdministratorFactory(UserFactory):
    roles = (Role.ADMINISTRATOR,)
    agency = None
    is_staff = True


class PendingRoleGrantFactory(factory.django.DjangoModelFactory):
    """A proposal waiting for a second co-chair or coordinator."""

    class Meta:
        model = RoleGrant

    person = factory.SubFactory(AgencyStaffFactory)
    role = Role.CO_CHAIR
    proposed_by = factory.SubFactory(CoordinatorFactory)
    reason = "Joins the panel as co-chair"
