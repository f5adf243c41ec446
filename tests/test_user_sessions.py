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
