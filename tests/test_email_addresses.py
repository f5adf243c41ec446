"""One form of an email address (trimmed, lower case) for sign-in, the lockout and storage."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.apps import apps
from django.test import RequestFactory
from django.urls import reverse

from cmarac.accounts.lockout import axes_username
from cmarac.accounts.models import User, normalise_email
from cmarac.accounts.services import user_create
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db

migration = import_module("cmarac.accounts.migrations.0002_normalise_stored_emails")


def test_normalise_email() -> None:
    assert normalise_email("  Name.Surname@Agency.EXAMPLE ") == "name.surname@agency.example"


def test_every_way_of_making_an_account_stores_the_normalised_address() -> None:
    made = [
        User.objects.create_user(" One@Agency.Example", "pw-not-used-here", full_name="One"),
        user_create(email="TWO@agency.example ", full_name="Two", password=None),
    ]
    assert [person.email for person in made] == ["one@agency.example", "two@agency.example"]


def test_the_lockout_and_sign_in_see_the_same_address() -> None:
    post = RequestFactory().post("/sign-in/", {"username": " Lead@Housing.Example "})
    assert axes_username(post, None) == "lead@housing.example"
    assert axes_username(post, {"username": "LEAD@housing.example"}) == "lead@housing.example"
    assert axes_username(RequestFactory().post("/sign-in/reset/", {"email": "x@y.example"}), {}) is None


# People are added by invitation in the service (ADR 14), not in the admin.
def test_an_invitation_stores_a_new_persons_address_normalised(as_user, coordinator) -> None:
    response = as_user(coordinator).post(
        reverse("manage:person-invite"), {"email": " New.Person@Agency.EXAMPLE ", "full_name": "New Person"}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert User.objects.filter(email="new.person@agency.example").exists()


def test_an_invitation_refuses_an_address_that_differs_only_by_case(as_user, coordinator, housing_lead) -> None:
    response = as_user(coordinator).post(
        reverse("manage:person-invite"), {"email": "LEAD@Housing.example", "full_name": "Someone Else"}
    )
    assert response.status_code == 200
    assert "already has an account" in response.content.decode()
    assert User.objects.filter(email__iexact="lead@housing.example").count() == 1


def test_the_migration_lower_cases_stored_addresses() -> None:
    person = UserFactory(email="mixed@agency.example")
    User.objects.filter(pk=person.pk).update(email="Mixed.Case@Agency.Example")
    migration.normalise_stored_emails(apps, None)
    person.refresh_from_db()
    assert person.email == "mixed.case@agency.example"


def test_the_migration_refuses_addresses_that_would_clash() -> None:
    first = UserFactory(email="same@agency.example")
    second = UserFactory(email="other@agency.example")
    # The case-insensitive constraint forbids a pair differing only by case; spaces slip past it.
    User.objects.filter(pk=second.pk).update(email=" same@agency.example")
    with pytest.raises(RuntimeError, match=rf"user ids \[{first.pk}, {second.pk}\]"):
        migration.normalise_stored_emails(apps, None)
    second.refresh_from_db()
    assert second.email == " same@agency.example"
