"""The cast: named people of a small partnership, used across the suite."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
from django.test import Client

from cmarac.accounts.models import Agency, User
from tests.factories.accounts import (
    AdministratorFactory,
    AgencyFactory,
    AgencyStaffFactory,
    AuditorFactory,
    CoChairFactory,
    CoordinatorFactory,
    FlexibleAgencyFactory,
    ReferrerFactory,
)
from tests.second_factor import verified_login

K = Agency.Kind


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests of what only PostgreSQL has (triggers, roles, a database other processes open) are
    left out of a run on SQLite, not skipped: CI runs the suite on both and skips nothing.

    Browser tests last (after pytest-django's own ordering, which this keeps otherwise): their
    live server and Playwright leave threads running for the rest of the session, and a process
    with threads never forks, so the tests of forked pack layout must run before them."""
    from django.db import connection

    if connection.vendor != "postgresql":
        left_out = [item for item in items if item.get_closest_marker("postgresql") is not None]
        if left_out:
            config.hook.pytest_deselected(items=left_out)
            items[:] = [item for item in items if item.get_closest_marker("postgresql") is None]
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


def pytest_itemcollected(item: pytest.Item) -> None:
    """`make test` runs the suite in several processes (pytest-xdist, --dist loadgroup). The tests
    with a real worker share one Redis database and queue names: one process runs them all. The
    group is marked as each test is collected, before pytest-xdist reads the groups."""
    if item.get_closest_marker("broker") is not None:
        item.add_marker(pytest.mark.xdist_group("broker"))


def pytest_collection_finish(session: pytest.Session) -> None:
    """Under --dist loadgroup, pytest-xdist puts a test's group at the end of its id (`...@group`)
    and sends each group to one process. When it cannot (pytest 9.2 made test ids read-only to it:
    pytest-xdist issue 1386), the groups are silently spread over the processes: a class's seeded
    demo is seeded in each, and the broker tests share Redis at once. Fail instead."""
    if not getattr(session.config.option, "loadgroup", False):
        return
    ungrouped = [
        item.nodeid for item in session.items if item.get_closest_marker("xdist_group") and "@" not in item.nodeid
    ]
    if ungrouped:
        message = (
            f"--dist loadgroup is not grouping tests ({len(ungrouped)} marked with xdist_group, e.g. "
            f"{ungrouped[0]}): this pytest and pytest-xdist do not work together; see pyproject.toml."
        )
        # A worker's exception reaches the terminal only as pytest-xdist's own INTERNALERROR.
        sys.stderr.write(f"\n{message}\n")
        raise pytest.UsageError(message)


@pytest.fixture(scope="class")
def seeded_demo(django_db_setup: None, django_db_blocker) -> Iterator[None]:
    """The demo partnership, seeded once for a class of tests (it takes seconds to seed).

    It is written inside a transaction held open for the class; each test's own transaction is a
    savepoint within it, rolled back after the test, and the whole is rolled back after the class.
    Put the class in one xdist group, so one process seeds it once."""
    import io

    from django.core.management import call_command
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture
def community_safety(db: None) -> Agency:
    return AgencyFactory(name="Community Safety Team", short_name="community-safety", kind=K.COUNCIL)


@pytest.fixture
def police(db: None) -> Agency:
    return AgencyFactory(name="Partnership Policing Team", short_name="police", kind=K.POLICE)


@pytest.fixture
def housing(db: None) -> Agency:
    return AgencyFactory(name="Council Housing", short_name="council-housing", kind=K.HOUSING_PROVIDER)


@pytest.fixture
def fire(db: None) -> Agency:
    """An agency that is a member of the partnership but not involved in the cases under test."""
    return FlexibleAgencyFactory(name="Fire Brigade", short_name="fire", kind=K.FIRE)


@pytest.fixture
def coordinator(community_safety: Agency) -> User:
    return CoordinatorFactory(email="coordinator@cs.example", full_name="Casey Coordinator", agency=community_safety)


@pytest.fixture
def co_chair(police: Agency) -> User:
    return CoChairFactory(email="chair@police.example", full_name="Chris Chair", agency=police)


def _appointed(agency: Agency, post: str, *, email: str, full_name: str) -> User:
    """A member of staff made the agency's lead or deputy (post: "lead" or "deputy")."""
    person = AgencyStaffFactory(email=email, full_name=full_name, agency=agency)
    setattr(agency, post, person)
    agency.save(update_fields=[post])
    return person


@pytest.fixture
def housing_lead(housing: Agency) -> User:
    return _appointed(housing, "lead", email="lead@housing.example", full_name="Harper Housing")


@pytest.fixture
def housing_deputy(housing: Agency) -> User:
    return _appointed(housing, "deputy", email="deputy@housing.example", full_name="Dana Deputy")


@pytest.fixture
def fire_lead(fire: Agency) -> User:
    """The lead of an agency that is not invited to anything."""
    return _appointed(fire, "lead", email="lead@fire.example", full_name="Finley Fire")


@pytest.fixture
def police_referrer(police: Agency) -> User:
    return ReferrerFactory(email="referrer@police.example", full_name="Robin Referrer", agency=police)


@pytest.fixture
def auditor(db: None) -> User:
    return AuditorFactory(email="dpo@council.example", full_name="Ari Auditor")


@pytest.fixture
def administrator(db: None) -> User:
    return AdministratorFactory(email="admin@council.example", full_name="Alex Administrator")


CAST = ["coordinator", "co_chair", "housing_lead", "fire_lead", "police_referrer", "auditor", "administrator"]


@pytest.fixture
def as_user(client: Client):
    """as_user(person) -> a test client signed in as that person, second factor included."""

    def sign_in(user: User | None) -> Client:
        if user is not None:
            verified_login(client, user)
        return client

    return sign_in


@pytest.fixture
def housing_case(housing: Agency, police: Agency):
    """A case referred by the police and led by housing; the fire brigade is not involved."""
    from cmarac.cases.models import CaseSubject
    from cmarac.cases.services import case_set_lead
    from tests.factories.cases import CaseFactory, PersonFactory

    victim = PersonFactory(given_name="Verity", family_name="Quillfeather", postcode="ZX9 4QT")
    suspect = PersonFactory(given_name="Pax", family_name="Underhill", postcode="ZX9 4QU")
    case = CaseFactory(
        subjects=[(victim, CaseSubject.Role.VICTIM), (suspect, CaseSubject.Role.ALLEGED_PERPETRATOR)],
        involve=[police],
    )
    return case_set_lead(case=case, agency=housing, officer=None, by=None)


@pytest.fixture
def fire_case(fire: Agency):
    """A case only the fire brigade is involved in."""
    from cmarac.cases.models import CaseSubject
    from tests.factories.cases import CaseFactory, PersonFactory

    hoarder = PersonFactory(given_name="Orrin", family_name="Blackwater", postcode="ZF1 2AB")
    return CaseFactory(subjects=[(hoarder, CaseSubject.Role.VICTIM)], involve=[fire])
