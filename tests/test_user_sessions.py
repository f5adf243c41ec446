"""Sessions know whose they are: a person's sessions end in one query, however many sessions the
database holds, including a session whose key changed after signing in (a password change)."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from cmarac.accounts.models import UserSession
from cmarac.accounts.session_store import end_sessions_of
from tests.factories.accounts import TEST_PASSWORD
from tests.second_factor import verified_login


def test_a_signed_in_session_carries_the_persons_id(housing_lead) -> None:
    client = verified_login(Client(), housing_lead)
    session = UserSession.objects.get(session_key=client.session.session_key)
    assert session.user_id == housing_lead.pk
    assert session.get_decoded()["_auth_user_id"] == str(housing_lead.pk)


def test_ending_a_persons_sessions_leaves_everyone_elses(housing_lead, fire_lead, co_chair) -> None:
    theirs = [verified_login(Client(), housing_lead) for _ in range(3)]
    others = [verified_login(Client(), person) for person in (fire_lead, co_chair)]
    assert end_sessions_of(housing_lead.pk) == 3
    for client in theirs:
        assert client.get(reverse("home")).status_code == 302
    for client in others:
        assert client.get(reverse("home")).status_code == 200


def test_ending_sessions_is_one_query_however_many_there_are(
    housing_lead, fire_lead, django_assert_num_queries
) -> None:
    for _ in range(20):
        verified_login(Client(), fire_lead)
    verified_login(Client(), housing_lead)
    with django_assert_num_queries(1):
        assert end_sessions_of(housing_lead.pk) == 1


def test_a_session_whose_key_changed_after_a_password_change_still_ends(housing_lead) -> None:
    client = verified_login(Client(), housing_lead)
    old_key = client.session.session_key
    new_password = "a-new-and-longer-passphrase-7"
    response = client.post(
        reverse("password-change"),
        {"old_password": TEST_PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == 302
    assert client.session.session_key != old_key
    assert client.get(reverse("home")).status_code == 200
    assert end_sessions_of(housing_lead.pk) >= 1
    assert client.get(reverse("home")).status_code == 302


def test_expired_sessions_are_cleared_daily(housing_lead, time_machine) -> None:
    from django.utils import timezone

    from cmarac.accounts.tasks import clear_expired_sessions

    time_machine.move_to(timezone.now(), tick=False)
    verified_login(Client(), housing_lead)
    assert clear_expired_sessions() == 0
    time_machine.shift(60 * 60 * 24)
    assert clear_expired_sessions() == 1
    assert not UserSession.objects.exists()


def test_a_session_signed_in_before_the_agency_was_read_with_the_person_stays_signed_in(housing_lead) -> None:
    """Sessions made before AccountBackend name Django's ModelBackend, no longer listed: they are
    read as naming AccountBackend, and the page is the person's (not the sign-in page)."""
    from django.contrib.auth import BACKEND_SESSION_KEY

    client = verified_login(Client(), housing_lead)
    session = client.session
    assert session[BACKEND_SESSION_KEY] == "cmarac.accounts.backends.AccountBackend"
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session.save()
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert response.context["user"] == housing_lead
    assert client.session[BACKEND_SESSION_KEY] == "cmarac.accounts.backends.AccountBackend"  # saved so


def test_a_session_naming_a_backend_never_listed_is_signed_out(housing_lead) -> None:
    from django.contrib.auth import BACKEND_SESSION_KEY

    client = verified_login(Client(), housing_lead)
    session = client.session
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.RemoteUserBackend"
    session.save()
    assert client.get(reverse("home")).status_code == 302
