"""Session limits: the idle timeout and the absolute lifetime, what a person is told when their
session ends (and that a POST after it was not saved), "stay signed in" and the timed-out sign-out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY

from actions.models import ActionUpdate
from cmarac.accounts.models import User
from tests.factories.accounts import TEST_PASSWORD
from tests.factories.actions import ActionFactory
from tests.second_factor import authenticator_app_for, verified_login

pytestmark = pytest.mark.django_db

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
KEEP_ALIVE = reverse("session-keep-alive")
TIMED_OUT = reverse("session-timed-out")


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def sign_in(client: Client, user: User) -> None:
    """The password, then the second factor (marked as a right code marks it)."""
    response = client.post(reverse("login"), {"username": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = authenticator_app_for(user).persistent_id
    session.save()
    assert client.get(reverse("home")).status_code == 200  # starts the absolute lifetime's clock


def warnings(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_the_page_tells_the_browser_how_long_the_session_has_left(clock, client, housing_lead, settings) -> None:
    settings.SESSION_COOKIE_AGE = 60 * 60
    sign_in(client, housing_lead)
    response = client.get(reverse("home"))
    timeout = response.context["session_timeout"]
    assert timeout["seconds_left"] == 3600
    assert timeout["warning_seconds"] == 120
    page = response.content.decode()
    assert 'data-seconds-left="3600"' in page
    assert 'aria-modal="true"' in page
    assert "js/session-timeout.mjs" in page


def test_signed_out_pages_have_no_timeout_warning(client) -> None:
    page = client.get(reverse("login")).content.decode()
    assert "data-session-timeout" not in page
    assert "session-timeout.mjs" not in page


def test_the_idle_timeout_counts_from_the_last_request(clock, client, housing_lead, settings) -> None:
    settings.SESSION_COOKIE_AGE = 60 * 60
    sign_in(client, housing_lead)
    clock.shift(timedelta(minutes=59))
    assert client.get(reverse("home")).status_code == 200
    clock.shift(timedelta(minutes=59))
    assert client.get(reverse("home")).status_code == 200
    clock.shift(timedelta(minutes=61))
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/"
    assert warnings(response) == ["You were signed out because you had not used the service for 60 minutes."]


def test_the_absolute_lifetime_ends_a_busy_session(clock, client, housing_lead, settings) -> None:
    settings.SESSION_ABSOLUTE_HOURS = 12
    sign_in(client, housing_lead)
    for _ in range(23):  # busy all day: a request every half hour
        clock.shift(timedelta(minutes=30))
        assert client.get(reverse("cases:list")).status_code == 200
    assert client.get(reverse("home")).context["session_timeout"]["seconds_left"] == 30 * 60
    clock.shift(timedelta(minutes=30))
    response = client.get(reverse("cases:list"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/cases/"
    assert warnings(response) == ["You were signed out because you had been signed in for 12 hours."]
    assert client.get(reverse("home")).status_code == 302  # the session is gone, not just refused once


def test_the_absolute_lifetime_is_a_setting(clock, client, housing_lead, settings) -> None:
    settings.SESSION_ABSOLUTE_HOURS = 1
    sign_in(client, housing_lead)
    clock.shift(timedelta(minutes=59))
    assert client.get(reverse("home")).context["session_timeout"]["seconds_left"] == 60
    clock.shift(timedelta(minutes=1))
    assert client.get(reverse("home")).status_code == 302


@pytest.fixture
def action(housing_case, housing, co_chair):
    return ActionFactory(case=housing_case, owner=housing, by=co_chair, description="Visit the victim at home")


def test_a_post_after_the_session_ended_says_the_changes_were_not_saved(
    clock, client, housing_lead, action, settings
) -> None:
    settings.SESSION_COOKIE_AGE = 60 * 60
    sign_in(client, housing_lead)
    clock.shift(timedelta(minutes=61))
    response = client.post(
        action.get_absolute_url(), {"status": "in-progress", "text": "Visited on Monday", "revision": action.revision}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={action.get_absolute_url()}"
    assert warnings(response) == [
        "You were signed out because you had not used the service for 60 minutes. Your changes were not saved."
    ]
    assert not ActionUpdate.objects.exists()


def test_a_person_who_never_signed_in_gets_no_message(client) -> None:
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert warnings(response) == []


def test_the_sign_in_page_with_an_ended_session_says_nothing(clock, client, housing_lead) -> None:
    sign_in(client, housing_lead)
    clock.shift(timedelta(hours=2))
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert warnings(response) == []


def test_stay_signed_in_renews_the_idle_timeout(clock, client, housing_lead, settings) -> None:
    settings.SESSION_COOKIE_AGE = 60 * 60
    sign_in(client, housing_lead)
    clock.shift(timedelta(minutes=58))
    response = client.post(KEEP_ALIVE)
    assert response.status_code == 200
    assert response.json() == {"seconds_left": 3600}
    assert "no-store" in response.headers["Cache-Control"]
    clock.shift(timedelta(minutes=58))
    assert client.get(reverse("home")).status_code == 200


def test_stay_signed_in_cannot_pass_the_absolute_lifetime(clock, client, housing_lead, settings) -> None:
    settings.SESSION_ABSOLUTE_HOURS = 1
    sign_in(client, housing_lead)
    clock.shift(timedelta(minutes=50))
    assert client.post(KEEP_ALIVE).json() == {"seconds_left": 600}


def test_stay_signed_in_after_the_session_ended_is_401(clock, client, housing_lead) -> None:
    sign_in(client, housing_lead)
    clock.shift(timedelta(hours=2))
    assert client.post(KEEP_ALIVE).status_code == 401
    assert client.get(KEEP_ALIVE).status_code == 405


def test_stay_signed_in_needs_the_csrf_token(housing_lead) -> None:
    client = Client(enforce_csrf_checks=True)
    verified_login(client, housing_lead)
    assert client.post(KEEP_ALIVE).status_code == 403


def test_timed_out_signs_out_and_comes_back_to_the_page(client, housing_lead) -> None:
    sign_in(client, housing_lead)
    response = client.post(TIMED_OUT, {"next": "/cases/?status=open"})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/cases/%3Fstatus%3Dopen"
    assert warnings(response) == ["You were signed out because you had not used the service for 60 minutes."]
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "cases/", ""])
def test_timed_out_never_sends_anyone_off_site(target, client, housing_lead) -> None:
    sign_in(client, housing_lead)
    response = client.post(TIMED_OUT, {"next": target})
    assert response["Location"] == f"{reverse('login')}?next=/"
