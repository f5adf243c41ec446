"""Signing in and out, and throttling of failed sign-ins."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from cmarac.accounts.models import User
from tests.factories.accounts import TEST_PASSWORD
from tests.factories.second_factor import totp_code
from tests.second_factor import authenticator_app_for, verified_login

pytestmark = pytest.mark.django_db


def sign_in(client: Client, email: str, password: str):
    return client.post(reverse("login"), {"username": email, "password": password})


def test_sign_in_page_is_public(client: Client) -> None:
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "<title>Sign in" in response.content.decode()


def test_anonymous_people_are_sent_to_sign_in(client: Client) -> None:
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/"


def test_admin_sends_anonymous_people_to_sign_in(client: Client) -> None:
    response = client.get("/admin/accounts/agency/")
    assert response.status_code == 302
    assert "/sign-in/" in response["Location"] or "/admin/login/" in response["Location"]


def test_correct_email_and_password_lead_to_the_second_factor_then_home(client: Client, housing_lead: User) -> None:
    app = authenticator_app_for(housing_lead)
    response = sign_in(client, "Lead@Housing.example", TEST_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('second_factor:verify')}?next=%2F"
    assert client.get(reverse("home")).status_code == 302
    response = client.post(response["Location"], {"code": totp_code(app), "next": "/"})
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_sign_in_follows_next_but_never_off_site(client: Client, housing_lead: User) -> None:
    response = client.post(
        reverse("login"), {"username": housing_lead.email, "password": TEST_PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == f"{reverse('second_factor:set_up')}?next=%2F"


def test_wrong_password_shows_an_error_summary(client: Client, housing_lead: User) -> None:
    response = sign_in(client, housing_lead.email, "not-the-password")
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert "Enter a correct email address and password" in page
    assert "<title>Error: Sign in" in page


def test_empty_form_names_each_missing_field(client: Client) -> None:
    page = sign_in(client, "", "").content.decode()
    assert "Enter your email address" in page
    assert "Enter your password" in page
    assert 'href="#id_username"' in page


def test_inactive_people_cannot_sign_in(client: Client, housing_lead: User) -> None:
    housing_lead.is_active = False
    housing_lead.save()
    response = sign_in(client, housing_lead.email, TEST_PASSWORD)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_repeated_failures_lock_the_account_out_even_with_the_right_password(
    client: Client, housing_lead: User, settings
) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, housing_lead.email, "guessing-wrong")
    response = sign_in(client, housing_lead.email, TEST_PASSWORD)
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_failures_below_the_limit_do_not_lock_out(client: Client, housing_lead: User, settings) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, housing_lead.email, "guessing-wrong")
    assert sign_in(client, housing_lead.email, TEST_PASSWORD).status_code == 302


def test_lockout_is_per_account(client: Client, housing_lead: User, fire_lead: User, settings) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, housing_lead.email, "guessing-wrong")
    assert sign_in(client, fire_lead.email, TEST_PASSWORD).status_code == 302


def test_sign_out_needs_a_post(client: Client, housing_lead: User) -> None:
    verified_login(client, housing_lead)
    assert client.get(reverse("logout")).status_code == 405
    assert "_auth_user_id" in client.session


def test_sign_out_ends_the_session(client: Client, housing_lead: User) -> None:
    verified_login(client, housing_lead)
    response = client.post(reverse("logout"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("login")
    assert "You have signed out" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302


def test_the_lockout_counts_every_spelling_of_an_address_together(client: Client, housing_lead: User, settings) -> None:
    spellings = ["lead@housing.example", "Lead@Housing.example", " LEAD@HOUSING.EXAMPLE ", "lead@HOUSING.example"]
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, spellings[attempt % len(spellings)], "guessing-wrong")
    for spelling in spellings:
        response = sign_in(client, spelling, TEST_PASSWORD)
        assert response.status_code == 429, spelling
    assert "_auth_user_id" not in client.session


def test_the_lockout_follows_the_address_to_another_ip(client: Client, housing_lead: User, settings) -> None:
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            reverse("login"),
            {"username": "LEAD@housing.example", "password": "guessing-wrong"},
            REMOTE_ADDR=f"192.0.2.{attempt + 1}",
        )
    response = client.post(
        reverse("login"), {"username": housing_lead.email, "password": TEST_PASSWORD}, REMOTE_ADDR="198.51.100.7"
    )
    assert response.status_code == 429


def test_one_ip_trying_many_addresses_is_locked_out(
    client: Client, housing_lead: User, fire_lead: User, settings
) -> None:
    settings.SIGN_IN_IP_FAILURE_LIMIT = 8
    # Password spraying: one guess per address, never reaching the per-address limit.
    for n in range(settings.SIGN_IN_IP_FAILURE_LIMIT):
        response = sign_in(client, f"person{n}@spray.example", "Winter2026!")
    assert response.status_code == 429
    response = sign_in(client, fire_lead.email, TEST_PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another IP is not affected.
    response = client.post(
        reverse("login"), {"username": fire_lead.email, "password": TEST_PASSWORD}, REMOTE_ADDR="198.51.100.7"
    )
    assert response.status_code == 302


def test_the_per_ip_limit_is_more_generous_than_the_per_address_one(client: Client, fire_lead: User, settings) -> None:
    assert settings.SIGN_IN_IP_FAILURE_LIMIT > settings.AXES_FAILURE_LIMIT
    for n in range(settings.SIGN_IN_IP_FAILURE_LIMIT - 1):
        sign_in(client, f"person{n}@typo.example", "guessing-wrong")
    assert sign_in(client, fire_lead.email, TEST_PASSWORD).status_code == 302


def test_signing_in_forgives_the_address_but_not_the_ip(
    client: Client, housing_lead: User, fire_lead: User, settings
) -> None:
    settings.SIGN_IN_IP_FAILURE_LIMIT = 6
    for n in range(4):
        sign_in(client, f"person{n}@spray.example", "guessing-wrong")
    sign_in(client, housing_lead.email, "guessing-wrong")
    # Someone with one account of their own signs in with it between guesses: that account's own
    # failure is forgiven (the IP's count goes from 5 to 4)...
    assert sign_in(client, housing_lead.email, TEST_PASSWORD).status_code == 302
    client.post(reverse("logout"))
    # ...but the others are not: two more failures reach the limit.
    assert sign_in(client, "person8@spray.example", "guessing-wrong").status_code == 200
    assert sign_in(client, "person9@spray.example", "guessing-wrong").status_code == 429
