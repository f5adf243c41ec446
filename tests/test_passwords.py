"""Changing your own password, and resetting a forgotten one by email."""

from __future__ import annotations

import re

import pytest
import time_machine
from auditlog.models import LogEntry
from django.contrib.auth import password_validation
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cmarac.accounts.models import User
from tests.factories.accounts import TEST_PASSWORD, UserFactory
from tests.second_factor import verified_login

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-new-long-passphrase-2026"
ROLES = ["coordinator", "co_chair", "housing_lead", "fire_lead", "police_referrer", "auditor", "administrator", None]


@pytest.fixture
def ask_for_a_reset(client: Client, django_capture_on_commit_callbacks):
    """ask_for_a_reset(email, **extra) -> the response; the email task runs as the request commits."""

    def ask(email: str, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("password-reset"), {"email": email}, **extra)

    return ask


def link_in(message) -> str:
    [link] = re.findall(r"https?://\S+", message.body)
    return link


# --- Access --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_everyone_signed_in_can_change_their_password_and_nobody_else(role, request, as_user) -> None:
    response = as_user(request.getfixturevalue(role) if role else None).get(reverse("password-change"))
    if role is None:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == 200
        assert "<title>Change your password" in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", ["password-reset", "password-reset-done"])
def test_the_reset_pages_are_open_to_everyone(role, name, request, as_user) -> None:
    response = as_user(request.getfixturevalue(role) if role else None).get(reverse(name))
    assert response.status_code == 200


def test_the_sign_in_page_and_account_page_link_to_the_password_pages(client: Client, housing_lead: User) -> None:
    assert reverse("password-reset") in client.get(reverse("login")).content.decode()
    verified_login(client, housing_lead)
    assert reverse("account") in client.get(reverse("home")).content.decode()
    assert reverse("password-change") in client.get(reverse("account")).content.decode()


# --- Change --------------------------------------------------------------------------------------


def change(client: Client, old: str, new1: str, new2: str | None = None):
    return client.post(
        reverse("password-change"),
        {"old_password": old, "new_password1": new1, "new_password2": new1 if new2 is None else new2},
    )


def test_changing_your_password(client: Client, housing_lead: User) -> None:
    other_session = Client()
    verified_login(other_session, housing_lead)
    verified_login(client, housing_lead)
    response = client.post(
        reverse("password-change"),
        {"old_password": TEST_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        REMOTE_ADDR="198.51.100.4",
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    housing_lead.refresh_from_db()
    assert housing_lead.check_password(NEW_PASSWORD)
    # This session stays signed in; the other one ends.
    assert client.get(reverse("home")).status_code == 200
    assert other_session.get(reverse("home")).status_code == 302
    [entry] = LogEntry.objects.filter(additional_data__what="Password changed")
    assert entry.actor == housing_lead
    assert entry.object_pk == str(housing_lead.pk)
    assert entry.action == LogEntry.Action.UPDATE
    assert entry.remote_addr == "198.51.100.4"
    assert NEW_PASSWORD not in str(entry.changes) + str(entry.additional_data)


def test_a_wrong_current_password_changes_nothing(client: Client, housing_lead: User) -> None:
    verified_login(client, housing_lead)
    response = change(client, "not-my-password", NEW_PASSWORD)
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert "Your current password is not correct" in page
    assert "<title>Error: Change your password" in page
    housing_lead.refresh_from_db()
    assert housing_lead.check_password(TEST_PASSWORD)
    assert not LogEntry.objects.filter(additional_data__what="Password changed").exists()


@pytest.mark.parametrize(
    ("new1", "new2", "message"),
    [
        ("", "", "Enter a new password"),
        (NEW_PASSWORD, "something-else-entirely", "The two new passwords do not match"),
        ("short", "short", "This password is too short"),
    ],
)
def test_a_bad_new_password_is_refused_with_a_message(client: Client, housing_lead: User, new1, new2, message) -> None:
    verified_login(client, housing_lead)
    response = change(client, TEST_PASSWORD, new1, new2)
    assert response.status_code == 200
    assert message in response.content.decode()
    housing_lead.refresh_from_db()
    assert housing_lead.check_password(TEST_PASSWORD)


def test_the_password_may_not_look_like_the_persons_full_name() -> None:
    person = UserFactory(email="pat@agency.example", full_name="Persephone Quartermaine-Blackwood")
    with pytest.raises(ValidationError, match="too similar to the full name"):
        password_validation.validate_password("quartermaine-blackwood persephone", person)
    password_validation.validate_password(NEW_PASSWORD, person)


def test_the_password_may_not_look_like_the_email_address() -> None:
    person = UserFactory(email="persephone.quartermaine@agency.example", full_name="P Q")
    with pytest.raises(ValidationError, match="too similar to the email address"):
        password_validation.validate_password("persephone.quartermaine", person)


def test_the_change_form_checks_the_full_name(client: Client, housing_lead: User) -> None:
    verified_login(client, housing_lead)
    response = change(client, TEST_PASSWORD, "harper housing!")
    assert "too similar to the full name" in response.content.decode()


# --- Reset ---------------------------------------------------------------------------------------


def test_asking_for_a_reset_emails_a_link_and_no_name(ask_for_a_reset, client: Client, housing_lead: User) -> None:
    response = ask_for_a_reset(" Lead@Housing.EXAMPLE ")
    assert response.status_code == 302
    assert response["Location"] == reverse("password-reset-done")
    [message] = mail.outbox
    assert message.to == ["lead@housing.example"]
    text = message.subject + message.body
    for part in housing_lead.full_name.split():
        assert part not in text
    assert link_in(message).startswith("http")


def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account(
    ask_for_a_reset, client: Client, housing_lead: User
) -> None:
    known = ask_for_a_reset(housing_lead.email)
    unknown = ask_for_a_reset("nobody@nowhere.example")
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    page = client.get(known["Location"]).content.decode()
    assert "nobody@nowhere.example" not in page
    assert housing_lead.email not in page
    assert len(mail.outbox) == 1


def test_an_inactive_account_gets_no_email_and_the_same_answer(
    ask_for_a_reset, client: Client, housing_lead: User
) -> None:
    housing_lead.is_active = False
    housing_lead.save()
    response = ask_for_a_reset(housing_lead.email)
    assert response["Location"] == reverse("password-reset-done")
    assert mail.outbox == []


def test_a_bad_address_is_refused_with_an_error_summary(ask_for_a_reset, client: Client) -> None:
    response = ask_for_a_reset("not an address")
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert "Enter an email address in the correct format" in page
    assert "<title>Error: Reset your password" in page


def test_the_link_sets_a_new_password_once(ask_for_a_reset, client: Client, housing_lead: User) -> None:
    ask_for_a_reset(housing_lead.email, REMOTE_ADDR="198.51.100.4")
    link = link_in(mail.outbox[0])
    response = client.get(link)
    # The token moves out of the address into the session before the form is shown.
    assert response.status_code == 302
    form_url = response["Location"]
    assert "set-password" in form_url
    page = client.get(form_url).content.decode()
    assert "<title>Choose a new password" in page
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    housing_lead.refresh_from_db()
    assert housing_lead.check_password(NEW_PASSWORD)
    # Not signed in by the reset: signing in is still the way in.
    assert "_auth_user_id" not in client.session
    # Used once: the same link no longer works.
    again = client.get(link, follow=True).content.decode()
    assert "The reset link has expired" in again
    assert LogEntry.objects.filter(additional_data__what="Password reset", object_pk=str(housing_lead.pk)).exists()
    requested = LogEntry.objects.get(additional_data__what="Password reset requested")
    assert requested.object_pk == str(housing_lead.pk)
    assert requested.remote_addr == "198.51.100.4"


def test_the_link_expires(ask_for_a_reset, client: Client, housing_lead: User, settings) -> None:
    ask_for_a_reset(housing_lead.email)
    link = link_in(mail.outbox[0])
    assert f"within {settings.PASSWORD_RESET_TIMEOUT // 60} minutes" in mail.outbox[0].body
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)):
        page = client.get(link, follow=True).content.decode()
    assert "The reset link has expired" in page
    assert "Choose a new password" not in page


def test_a_link_stops_working_when_the_account_is_deactivated(
    ask_for_a_reset, client: Client, housing_lead: User
) -> None:
    ask_for_a_reset(housing_lead.email)
    housing_lead.is_active = False
    housing_lead.save()
    page = client.get(link_in(mail.outbox[0]), follow=True).content.decode()
    assert "The reset link has expired" in page


def test_a_reset_checks_the_new_password_against_the_full_name(
    ask_for_a_reset, client: Client, housing_lead: User
) -> None:
    ask_for_a_reset(housing_lead.email)
    form_url = client.get(link_in(mail.outbox[0]))["Location"]
    response = client.post(form_url, {"new_password1": "housing harper", "new_password2": "housing harper"})
    assert response.status_code == 200
    assert "too similar to the full name" in response.content.decode()
    housing_lead.refresh_from_db()
    assert housing_lead.check_password(TEST_PASSWORD)


def test_a_reset_for_an_unknown_address_is_recorded_without_it(ask_for_a_reset, client: Client) -> None:
    ask_for_a_reset("Nobody.Here@Typo.example")
    entry = LogEntry.objects.get(additional_data__what="Password reset requested for an address with no account")
    assert entry.object_pk == ""
    assert "typo.example" not in str(LogEntry.objects.values_list("object_repr", "changes", "additional_data")).lower()


def test_reset_requests_count_against_the_ip_limit(
    ask_for_a_reset, client: Client, housing_lead: User, settings
) -> None:
    settings.SIGN_IN_IP_FAILURE_LIMIT = 4
    for n in range(settings.SIGN_IN_IP_FAILURE_LIMIT - 1):
        assert ask_for_a_reset(f"guess{n}@spray.example").status_code == 302
    response = ask_for_a_reset(housing_lead.email)
    assert response.status_code == 429
    assert mail.outbox == []
    # The IP is locked out of signing in too, and a different IP is not.
    assert client.post(reverse("login"), {"username": housing_lead.email, "password": TEST_PASSWORD}).status_code == 429
    assert ask_for_a_reset(housing_lead.email, REMOTE_ADDR="198.51.100.7").status_code == 302


def test_reset_requests_do_not_lock_the_account_itself(
    ask_for_a_reset, client: Client, housing_lead: User, settings
) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        ask_for_a_reset(housing_lead.email, REMOTE_ADDR="198.51.100.7")
    response = client.post(reverse("login"), {"username": housing_lead.email, "password": TEST_PASSWORD})
    assert response.status_code == 302


def test_a_reset_lifts_the_accounts_lockout(ask_for_a_reset, client: Client, housing_lead: User, settings) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": housing_lead.email, "password": "guessing-wrong"})
    ask_for_a_reset(housing_lead.email, REMOTE_ADDR="198.51.100.7")
    form_url = client.get(link_in(mail.outbox[0]))["Location"]
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    response = client.post(reverse("login"), {"username": housing_lead.email, "password": NEW_PASSWORD})
    assert response.status_code == 302


def test_the_reset_email_is_sent_by_a_task_given_only_an_id(
    ask_for_a_reset, monkeypatch, client: Client, housing_lead: User
) -> None:
    from cmarac.accounts import tasks

    queued = []
    monkeypatch.setattr(
        tasks.send_password_reset, "delay_on_commit", lambda *args, **kwargs: queued.append((args, kwargs))
    )
    ask_for_a_reset(housing_lead.email)
    assert queued == [((housing_lead.pk,), {})]
