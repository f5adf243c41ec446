"""The second factor: nothing before it, enrolment, codes, recovery codes, throttling, your devices,
and a coordinator's reset, each in the audit trail (ADR 0013)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from auditlog.models import LogEntry
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from cmarac.accounts.models import User
from cmarac.accounts.second_factor_services import SecondFactorEvent, recovery_code_digest, recovery_codes_replace
from tests.conftest import CAST
from tests.factories.accounts import AgencyStaffFactory
from tests.factories.second_factor import PasskeyFactory, TOTPDeviceFactory, totp_code
from tests.second_factor import authenticator_app_for, verified_login

pytestmark = pytest.mark.django_db

SET_UP = reverse("second_factor:set_up")
VERIFY = reverse("second_factor:verify")


def events(person: User, event: SecondFactorEvent) -> list[LogEntry]:
    return list(LogEntry.objects.filter(object_pk=str(person.pk), additional_data__event=str(event)))


def wrong_code(device: TOTPDevice) -> str:
    return f"{(int(totp_code(device)) + 1) % 1_000_000:06d}"


def password_only(client: Client, user: User) -> Client:
    """Signed in with the password, second factor not yet given."""
    client.force_login(user)
    return client


def set_up_code(client: Client) -> str:
    """The code the app would show for the key the set-up page shows."""
    client.get(SET_UP)
    device = TOTPDevice.objects.get(user_id=client.session["_auth_user_id"], confirmed=False)
    return totp_code(device)


# --- Nothing before the second factor -------------------------------------------

PROTECTED = [
    "/",
    "/cases/",
    "case page",
    "/meetings/",
    "/actions/",
    "/referrals/mine/",
    "/audit/",
    "/admin/",
    "/admin/accounts/user/",
    reverse("second_factor:account"),
    reverse("second_factor:people"),
]


@pytest.mark.parametrize("address", PROTECTED)
@pytest.mark.parametrize("enrolled", [False, True], ids=["not-set-up", "set-up"])
def test_every_page_waits_for_the_second_factor(address, enrolled, coordinator, housing_case, client) -> None:
    if address == "case page":
        address = housing_case.get_absolute_url()
    if enrolled:
        authenticator_app_for(coordinator)
    response = password_only(client, coordinator).get(address)
    assert response.status_code == 302
    step = VERIFY if enrolled else SET_UP
    assert response["Location"].startswith(f"{step}?next=")
    # ...and the same address answers once the second factor is given.
    code = totp_code(authenticator_app_for(coordinator)) if enrolled else set_up_code(client)
    client.post(response["Location"], {"code": code, "next": address})
    assert client.get(address).status_code == 200


@pytest.mark.parametrize("address", ["/accessibility/", "/healthz", SET_UP, reverse("otp_webauthn:js-i18n-catalog")])
def test_public_and_second_factor_pages_answer_before_it(address, housing_lead, client) -> None:
    assert password_only(client, housing_lead).get(address).status_code == 200


def test_a_passkey_sign_in_can_start_before_it_but_never_without_a_password(housing_lead, client) -> None:
    begin = reverse("otp_webauthn:credential-authentication-begin")
    PasskeyFactory(user=housing_lead)
    assert client.post(begin)["Location"].startswith(reverse("login"))
    response = password_only(client, housing_lead).post(begin)
    assert response.status_code == 200
    assert response.json()["allowCredentials"]  # only this person's passkeys are offered


def test_sign_out_works_before_the_second_factor(housing_lead, client) -> None:
    password_only(client, housing_lead)
    assert client.post(reverse("logout"))["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def test_no_navigation_before_the_second_factor(housing_lead, client) -> None:
    page = password_only(client, housing_lead).get(SET_UP).content.decode()
    assert 'aria-label="Menu"' not in page
    assert reverse("cases:list") not in page


# --- Enrolment ------------------------------------------------------------------


def test_set_up_shows_a_qr_code_image_and_the_key_and_keeps_them_until_confirmed(housing_lead, client) -> None:
    page = password_only(client, housing_lead).get(SET_UP).content.decode()
    assert 'src="data:image/svg+xml' in page
    assert "style=" not in page.split('src="data:image/svg+xml', 1)[1].split('"', 1)[0]
    device = TOTPDevice.objects.get(user=housing_lead)
    key = client.get(SET_UP).context["secret"]
    assert key.replace(" ", "") in page.replace(" ", "")
    assert TOTPDevice.objects.get(user=housing_lead) == device  # a reload keeps the same key
    assert device.confirmed is False


def test_set_up_with_a_right_code_gives_ten_recovery_codes_once(housing_lead, client) -> None:
    password_only(client, housing_lead)
    response = client.post(SET_UP, {"code": set_up_code(client), "next": "/cases/"})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('second_factor:recovery_codes')}?next=%2Fcases%2F"
    page = client.get(response["Location"])
    codes = page.context["codes"]
    assert len(codes) == 10
    assert all(code in page.content.decode() for code in codes)
    assert 'href="/cases/"' in page.content.decode()
    # Once only: the page does not show them again.
    assert client.get(response["Location"])["Location"] == reverse("second_factor:account")
    stored = set(StaticToken.objects.filter(device__user=housing_lead).values_list("token", flat=True))
    assert stored == {recovery_code_digest(code) for code in codes}
    assert not stored & set(codes)  # the codes themselves are never stored
    assert TOTPDevice.objects.get(user=housing_lead).confirmed is True
    assert client.get(reverse("home")).status_code == 200
    assert len(events(housing_lead, SecondFactorEvent.ENROLLED)) == 1


def test_set_up_refuses_a_wrong_code_says_why_and_records_it(housing_lead, client) -> None:
    password_only(client, housing_lead)
    set_up_code(client)
    response = client.post(SET_UP, {"code": wrong_code(TOTPDevice.objects.get(user=housing_lead))})
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert "<title>Error: Set up your second factor" in page
    assert "The code is not right" in page
    assert TOTPDevice.objects.get(user=housing_lead).confirmed is False
    assert not StaticDevice.objects.filter(user=housing_lead).exists()
    assert len(events(housing_lead, SecondFactorEvent.FAILED)) == 1
    assert client.get(reverse("home")).status_code == 302


def test_set_up_is_throttled_too(housing_lead, client) -> None:
    password_only(client, housing_lead)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        set_up_code(client)
        device = TOTPDevice.objects.get(user=housing_lead)
        client.post(SET_UP, {"code": wrong_code(device)})
        response = client.post(SET_UP, {"code": totp_code(device)})
        assert "too many wrong codes. Wait 1 second," in response.content.decode()
        assert len(events(housing_lead, SecondFactorEvent.THROTTLED)) == 1
        clock.shift(timedelta(seconds=2))
        assert client.post(SET_UP, {"code": totp_code(device)}).status_code == 302
        assert TOTPDevice.objects.get(user=housing_lead).confirmed is True


@pytest.mark.parametrize("code", ["", "12345", "abcdef", "1" * 50])
def test_set_up_refuses_malformed_codes_with_an_error(code, housing_lead, client) -> None:
    response = password_only(client, housing_lead).post(SET_UP, {"code": code})
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()


def test_set_up_is_not_a_way_round_an_existing_second_factor(housing_lead, client) -> None:
    authenticator_app_for(housing_lead)
    response = password_only(client, housing_lead).get(SET_UP)
    assert response["Location"].startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=housing_lead).count() == 1


# --- Entering a code --------------------------------------------------------------


def test_a_right_code_verifies_and_goes_on_but_never_off_site(housing_lead, client) -> None:
    app = authenticator_app_for(housing_lead)
    password_only(client, housing_lead)
    key_before = client.session.session_key
    response = client.post(VERIFY, {"code": totp_code(app), "next": "https://evil.example/"})
    assert response["Location"] == reverse("home")
    assert client.session.session_key != key_before  # a new session key once fully signed in
    assert len(events(housing_lead, SecondFactorEvent.VERIFIED)) == 1


def test_a_code_is_accepted_once(housing_lead) -> None:
    app = authenticator_app_for(housing_lead)
    with time_machine.travel(timezone.now(), tick=False):
        code = totp_code(app)
        first, second = Client(), Client()
        assert password_only(first, housing_lead).post(VERIFY, {"code": code})["Location"] == "/"
        assert password_only(second, housing_lead).post(VERIFY, {"code": code}).status_code == 200


def test_a_wrong_code_is_refused_with_an_error_summary_and_recorded(housing_lead, client) -> None:
    app = authenticator_app_for(housing_lead)
    wrong = wrong_code(app)
    response = password_only(client, housing_lead).post(VERIFY, {"code": wrong, "next": "/cases/"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert "The code is not right" in page
    assert 'href="#id_code"' in page
    assert client.get(reverse("home")).status_code == 302
    [entry] = events(housing_lead, SecondFactorEvent.FAILED)
    assert entry.actor == housing_lead
    assert wrong not in json.dumps(entry.changes) + json.dumps(entry.additional_data) + entry.object_repr
    assert housing_lead.full_name not in entry.object_repr


def test_wrong_codes_are_throttled_then_allowed_again(housing_lead, client) -> None:
    app = authenticator_app_for(housing_lead)
    password_only(client, housing_lead)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client.post(VERIFY, {"code": wrong_code(app)})  # one wrong code: the next waits 1 second
        clock.shift(timedelta(seconds=1.5))
        client.post(VERIFY, {"code": wrong_code(app)})  # two in a row: 2 seconds
        clock.shift(timedelta(seconds=1))
        response = client.post(VERIFY, {"code": totp_code(app)})  # right, but too soon
        assert response.status_code == 200
        assert "too many wrong codes. Wait 1 second," in response.content.decode()
        assert client.get(reverse("home")).status_code == 302
        assert len(events(housing_lead, SecondFactorEvent.FAILED)) == 2
        assert len(events(housing_lead, SecondFactorEvent.THROTTLED)) == 1
        clock.shift(timedelta(seconds=1.5))
        assert client.post(VERIFY, {"code": totp_code(app)})["Location"] == "/"


def test_a_recovery_code_works_once(housing_lead) -> None:
    authenticator_app_for(housing_lead)
    code = recovery_codes_replace(user=housing_lead, audit=False)[0]
    first = password_only(Client(), housing_lead)
    # People may type it in capitals or with spaces.
    assert first.post(VERIFY, {"code": f" {code[:4].upper()} {code[4:]} "})["Location"] == "/"
    assert first.get(reverse("home")).status_code == 200
    second = password_only(Client(), housing_lead)
    assert second.post(VERIFY, {"code": code}).status_code == 200
    assert second.get(reverse("home")).status_code == 302
    assert StaticToken.objects.filter(device__user=housing_lead).count() == 9
    assert len(events(housing_lead, SecondFactorEvent.RECOVERY_CODE_USED)) == 1


def test_the_verify_page_offers_a_passkey_only_to_people_with_one(housing_lead, client) -> None:
    authenticator_app_for(housing_lead)
    page = password_only(client, housing_lead).get(VERIFY).content.decode()
    assert "passkey-verification-placeholder" not in page
    PasskeyFactory(user=housing_lead)
    page = client.get(VERIFY).content.decode()
    assert "passkey-verification-placeholder" in page
    assert "otp_webauthn_config" in page


# --- Your devices ------------------------------------------------------------------


def test_your_devices_page_lists_the_app_passkeys_and_codes_left(as_user, housing_lead) -> None:
    PasskeyFactory(user=housing_lead)
    client = as_user(housing_lead)
    recovery_codes_replace(user=housing_lead, audit=False)
    page = client.get(reverse("second_factor:account")).content.decode()
    assert "Authenticator app" in page
    assert "Passkey 1" in page
    assert "You have 10 recovery codes left" in page
    assert "passkey-registration-placeholder" in page


def test_new_recovery_codes_replace_the_old_ones(as_user, housing_lead) -> None:
    client = as_user(housing_lead)
    old = recovery_codes_replace(user=housing_lead, audit=False)
    response = client.post(reverse("second_factor:recovery_codes_new"))
    new = client.get(response["Location"]).context["codes"]
    assert set(new).isdisjoint(old)
    assert set(StaticToken.objects.filter(device__user=housing_lead).values_list("token", flat=True)) == {
        recovery_code_digest(code) for code in new
    }
    assert len(events(housing_lead, SecondFactorEvent.RECOVERY_CODES_REPLACED)) == 1
    assert client.get(reverse("second_factor:recovery_codes_new")).status_code == 405


def test_removing_a_passkey_needs_a_current_code(as_user, housing_lead) -> None:
    client = as_user(housing_lead)
    passkey = PasskeyFactory(user=housing_lead)
    address = reverse("second_factor:device_remove", args=["passkey", passkey.pk])
    assert client.get(address).status_code == 200
    response = client.post(address, {"code": wrong_code(authenticator_app_for(housing_lead))})
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    assert WebAuthnCredential.objects.filter(pk=passkey.pk).exists()
    with time_machine.travel(timezone.now() + timedelta(seconds=5)):
        response = client.post(address, {"code": totp_code(authenticator_app_for(housing_lead))})
    assert response["Location"] == reverse("second_factor:account")
    assert not WebAuthnCredential.objects.filter(pk=passkey.pk).exists()
    assert len(events(housing_lead, SecondFactorEvent.DEVICE_REMOVED)) == 1


def test_the_only_way_to_sign_in_cannot_be_removed(as_user, housing_lead) -> None:
    client = as_user(housing_lead)
    app = authenticator_app_for(housing_lead)
    response = client.post(reverse("second_factor:device_remove", args=["app", app.pk]), {"code": totp_code(app)})
    assert response.status_code == 200
    assert "before you remove your only one" in response.content.decode()
    assert TOTPDevice.objects.filter(pk=app.pk).exists()


def test_removing_the_app_the_session_used_keeps_it_verified(as_user, housing_lead) -> None:
    client = as_user(housing_lead)
    app = authenticator_app_for(housing_lead)
    PasskeyFactory(user=housing_lead)
    response = client.post(reverse("second_factor:device_remove", args=["app", app.pk]), {"code": totp_code(app)})
    assert response["Location"] == reverse("second_factor:account")
    assert not TOTPDevice.objects.filter(user=housing_lead).exists()
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.parametrize("kind", ["app", "passkey", "static", "nonsense"])
def test_someone_elses_or_an_unknown_device_is_not_found(kind, as_user, housing_lead, fire_lead) -> None:
    theirs = TOTPDeviceFactory(user=fire_lead) if kind != "passkey" else PasskeyFactory(user=fire_lead)
    client = as_user(housing_lead)
    assert client.get(reverse("second_factor:device_remove", args=[kind, theirs.pk])).status_code == 404
    assert client.get(reverse("second_factor:device_remove", args=[kind, 999_999])).status_code == 404


def test_a_passkey_is_added_only_from_a_verified_session(housing_lead, client) -> None:
    begin = reverse("otp_webauthn:credential-registration-begin")
    authenticator_app_for(housing_lead)
    assert password_only(client, housing_lead).post(begin).status_code == 302
    response = verified_login(Client(), housing_lead).post(begin)
    assert response.status_code == 200
    assert response.json()["rp"]["name"]


# --- A coordinator's reset ------------------------------------------------------------

ALLOWED_TO_RESET = {"coordinator"}


@pytest.mark.parametrize("person", CAST)
def test_only_coordinators_see_who_has_a_second_factor(person, request, as_user) -> None:
    response = as_user(request.getfixturevalue(person)).get(reverse("second_factor:people"))
    assert response.status_code == (200 if person in ALLOWED_TO_RESET else 403)


@pytest.mark.parametrize("person", CAST)
def test_only_coordinators_reset_someone_elses_second_factor(person, request, as_user) -> None:
    target = AgencyStaffFactory(email="target@agency.example")
    TOTPDeviceFactory(user=target)
    client = as_user(request.getfixturevalue(person))
    address = reverse("second_factor:reset", args=[target.pk])
    assert client.get(address).status_code == (200 if person in ALLOWED_TO_RESET else 403)
    assert client.post(address, {"confirm": "on"}).status_code == (302 if person in ALLOWED_TO_RESET else 403)
    assert TOTPDevice.objects.filter(user=target).exists() is (person not in ALLOWED_TO_RESET)


def test_nobody_resets_their_own_this_way(as_user, coordinator) -> None:
    client = as_user(coordinator)
    address = reverse("second_factor:reset", args=[coordinator.pk])
    assert client.get(address).status_code == 403
    assert client.post(address, {"confirm": "on"}).status_code == 403
    assert TOTPDevice.objects.filter(user=coordinator).exists()


def test_a_reset_removes_every_device_ends_their_sessions_and_is_recorded(as_user, coordinator, housing_lead) -> None:
    theirs = verified_login(Client(), housing_lead)
    recovery_codes_replace(user=housing_lead, audit=False)
    PasskeyFactory(user=housing_lead)
    client = as_user(coordinator)
    address = reverse("second_factor:reset", args=[housing_lead.pk])
    response = client.post(address, {})
    assert response.status_code == 200
    assert "Confirm that you have checked who is asking" in response.content.decode()
    assert TOTPDevice.objects.filter(user=housing_lead).exists()  # nothing done without the confirmation
    response = client.post(address, {"confirm": "on"})
    assert response["Location"] == reverse("second_factor:people")
    for model in (TOTPDevice, StaticDevice, WebAuthnCredential):
        assert not model.objects.filter(user=housing_lead).exists()
    assert theirs.get(reverse("home"))["Location"].startswith(reverse("login"))
    [entry] = events(housing_lead, SecondFactorEvent.RESET)
    assert entry.actor == coordinator
    # Their next sign-in sets up a new second factor.
    assert password_only(Client(), housing_lead).get("/")["Location"].startswith(SET_UP)
    # The coordinator's own session is untouched.
    assert client.get(reverse("home")).status_code == 200


def test_reset_of_an_unknown_person_is_not_found(as_user, coordinator) -> None:
    client = as_user(coordinator)
    assert client.get(reverse("second_factor:reset", args=[999_999])).status_code == 404
    assert client.get("/second-factor/people/not-a-number/reset/").status_code == 404


def test_the_people_list_query_count_does_not_grow(as_user, coordinator, django_assert_num_queries) -> None:
    client = as_user(coordinator)
    client.get(reverse("second_factor:people"))
    # session, user (with their agency, for the header), second-factor device, roles, the people
    # with their agency and devices (one query), saving the session (savepoint, update, release)
    with django_assert_num_queries(8):
        client.get(reverse("second_factor:people"))
    for _ in range(5):
        TOTPDeviceFactory(user=AgencyStaffFactory())
        PasskeyFactory(user=AgencyStaffFactory())
    with django_assert_num_queries(8):
        page = client.get(reverse("second_factor:people")).content.decode()
    assert page.count("Reset<span") == User.objects.filter(is_active=True).count() - 1


# --- The audit trail never holds a secret ------------------------------------------


def test_device_changes_are_in_the_trail_without_any_key(housing_lead, client) -> None:
    password_only(client, housing_lead)
    client.post(SET_UP, {"code": set_up_code(client)})
    device = TOTPDevice.objects.get(user=housing_lead)
    entries = LogEntry.objects.filter(content_type__model="totpdevice", object_pk=str(device.pk))
    assert entries.exists()
    trail = json.dumps(list(LogEntry.objects.values_list("changes", "additional_data", "object_repr")), default=str)
    assert device.key not in trail
    assert all("key" not in (entry.changes or {}) for entry in entries)
    tokens = StaticToken.objects.filter(device__user=housing_lead).values_list("token", flat=True)
    assert not any(token in trail for token in tokens)


# --- Every role, and odd addresses ----------------------------------------------------


@pytest.mark.parametrize("person", CAST)
def test_everyone_has_their_own_second_factor_page(person, request, as_user) -> None:
    user = request.getfixturevalue(person)
    client = as_user(user)
    response = client.get(reverse("second_factor:account"))
    assert response.status_code == 200
    assert response.context["summary"].apps == [authenticator_app_for(user)]
    # Already verified: the sign-in steps go straight on.
    assert client.get(VERIFY)["Location"] == reverse("home")
    assert client.get(SET_UP)["Location"].startswith(VERIFY)
    assert reverse("second_factor:account") in client.get(reverse("account")).content.decode()
    home = client.get(reverse("home")).content.decode()
    assert (reverse("second_factor:people") in home) is (person in ALLOWED_TO_RESET)


def test_a_nul_in_the_next_address_is_refused_before_any_page(housing_lead, client) -> None:
    password_only(client, housing_lead)
    assert client.get(VERIFY, {"next": "\x00"}).status_code == 400


@pytest.mark.parametrize(
    "next_address", ["javascript:alert(1)", "//evil.example/", "https://evil.example/", "%ff%fe", "/" * 3000]
)
def test_odd_next_addresses_go_home(next_address, housing_lead, client) -> None:
    app = authenticator_app_for(housing_lead)
    password_only(client, housing_lead)
    assert client.get(VERIFY, {"next": next_address}).status_code == 200
    response = client.post(f"{VERIFY}?{urlencode({'next': next_address})}", {"code": totp_code(app)})
    assert response["Location"] == reverse("home")


def test_the_sign_in_page_sends_someone_part_way_through_to_their_step(housing_lead, client) -> None:
    authenticator_app_for(housing_lead)
    response = password_only(client, housing_lead).get(reverse("login"))
    assert response["Location"].startswith(VERIFY)


def test_a_stored_recovery_code_digest_is_not_itself_a_code(housing_lead, time_machine) -> None:
    """Someone with a copy of the database (but not the SECRET_KEY) cannot sign in with what it holds."""
    time_machine.move_to(timezone.now(), tick=False)
    authenticator_app_for(housing_lead)
    codes = recovery_codes_replace(user=housing_lead, audit=False)
    stored = StaticToken.objects.filter(device__user=housing_lead).values_list("token", flat=True).first()
    client = password_only(Client(), housing_lead)
    assert client.post(VERIFY, {"code": stored}).status_code == 200  # refused: the form again
    assert client.get(reverse("home")).status_code == 302
    time_machine.shift(timedelta(seconds=2))  # past the throttle the wrong code started
    assert client.post(VERIFY, {"code": codes[0]})["Location"] == "/"


def test_codes_stored_before_digests_keep_working_after_the_migration(housing_lead) -> None:
    import importlib

    from django.apps import apps

    migration = importlib.import_module("cmarac.accounts.migrations.0006_recovery_codes_stored_as_digests")
    device = StaticDevice.objects.create(user=housing_lead, name="Recovery codes", confirmed=True)
    StaticToken.objects.create(device=device, token="abcd2345")  # as stored before: the code itself
    migration.digest_existing_codes(apps, None)
    assert list(device.token_set.values_list("token", flat=True)) == [recovery_code_digest("abcd2345")]
    authenticator_app_for(housing_lead)
    client = password_only(Client(), housing_lead)
    assert client.post(VERIFY, {"code": "ABCD 2345"})["Location"] == "/"
