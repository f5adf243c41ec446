"""Sign-in events in the audit trail: who, when, from where; never a password or a typed address."""

from __future__ import annotations

import json

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from cmarac.accounts.models import User
from tests.factories.accounts import TEST_PASSWORD
from tests.second_factor import verified_login

pytestmark = pytest.mark.django_db


def events(what: str):
    return LogEntry.objects.filter(additional_data__what=what).order_by("pk")


def everything_recorded() -> str:
    return json.dumps(
        list(LogEntry.objects.values("object_repr", "changes", "changes_text", "additional_data", "actor_email")),
        default=str,
    )


def sign_in(client: Client, email: str, password: str, **extra):
    return client.post(reverse("login"), {"username": email, "password": password}, **extra)


def test_signing_in_is_recorded_with_the_person_and_address(client: Client, housing_lead: User) -> None:
    sign_in(client, "Lead@Housing.example", TEST_PASSWORD, REMOTE_ADDR="198.51.100.4")
    [entry] = events("Signed in")
    assert entry.actor == housing_lead
    assert entry.object_pk == str(housing_lead.pk)
    assert entry.content_type == ContentType.objects.get_for_model(User)
    assert entry.remote_addr == "198.51.100.4"
    assert entry.action == LogEntry.Action.ACCESS


def test_signing_out_is_recorded(client: Client, housing_lead: User) -> None:
    verified_login(client, housing_lead)
    client.post(reverse("logout"), REMOTE_ADDR="198.51.100.4")
    [entry] = events("Signed out")
    assert entry.actor == housing_lead
    assert entry.remote_addr == "198.51.100.4"


def test_a_failed_sign_in_names_the_account_but_not_the_password(client: Client, housing_lead: User) -> None:
    sign_in(client, "LEAD@housing.example", "my-secret-guess", REMOTE_ADDR="198.51.100.4")
    [entry] = events("Failed sign-in")
    assert entry.actor is None
    assert entry.object_pk == str(housing_lead.pk)
    assert entry.remote_addr == "198.51.100.4"
    recorded = everything_recorded()
    assert "my-secret-guess" not in recorded
    assert "LEAD@housing.example" not in recorded


def test_a_failed_sign_in_for_an_unknown_address_keeps_nothing_typed(client: Client) -> None:
    sign_in(client, "Nobody.Here@Typo.example", "my-secret-guess", REMOTE_ADDR="198.51.100.4")
    [entry] = events("Failed sign-in with an address that has no account")
    assert entry.object_pk == ""
    assert entry.remote_addr == "198.51.100.4"
    recorded = everything_recorded().lower()
    assert "nobody.here" not in recorded
    assert "typo.example" not in recorded
    assert "my-secret-guess" not in recorded


def test_a_lockout_is_recorded(client: Client, housing_lead: User, settings) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, housing_lead.email, "guessing-wrong")
    [entry] = events("Locked out after too many failed attempts")
    assert entry.object_pk == str(housing_lead.pk)
    assert entry.remote_addr == "127.0.0.1"
    assert events("Failed sign-in").count() == settings.AXES_FAILURE_LIMIT


def test_an_ip_lockout_for_an_unknown_address_is_recorded_without_it(client: Client, settings) -> None:
    settings.SIGN_IN_IP_FAILURE_LIMIT = 6
    for n in range(settings.SIGN_IN_IP_FAILURE_LIMIT):
        sign_in(client, f"sprayed{n}@spray.example", "guessing-wrong")
    [entry] = events("Locked out after too many failed attempts")
    assert entry.object_pk == ""
    assert "spray.example" not in everything_recorded()


def test_sign_in_events_are_shown_in_the_audit_trail(client: Client, housing_lead: User, auditor: User) -> None:
    sign_in(client, housing_lead.email, "guessing-wrong", REMOTE_ADDR="198.51.100.4")
    verified_login(client, auditor)
    page = client.get(reverse("audit:trail")).content.decode()
    assert "Failed sign-in" in page
    assert "Not signed in" in page
    assert "198.51.100.4" in page
