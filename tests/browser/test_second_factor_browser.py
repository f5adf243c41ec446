"""In a real browser: setting up a second factor, entering a code, your devices and a coordinator's
reset; axe finds nothing on any of their pages."""

from __future__ import annotations

import time
from base64 import b32decode
from typing import Any

import pytest
from django_otp.oath import TOTP

from cmarac.accounts.models import User
from tests.browser.conftest import axe_violations, describe, sign_in
from tests.factories.accounts import TEST_PASSWORD, AgencyStaffFactory
from tests.factories.second_factor import totp_code
from tests.second_factor import authenticator_app_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_accessible(page: Any) -> None:
    violations = axe_violations(page)
    assert violations == [], describe(violations)


def code_for_key(typed_key: str) -> str:
    """What an authenticator app shows for a key typed in from the set-up page."""
    key = typed_key.replace(" ", "")
    generator = TOTP(b32decode(key + "=" * (-len(key) % 8)))
    generator.time = time.time()
    return f"{generator.token():06d}"


def test_first_sign_in_sets_up_an_app_shows_recovery_codes_and_reaches_home(page: Any, housing_lead: User) -> None:
    page.goto("/sign-in/")
    page.get_by_label("Email address", exact=True).fill(housing_lead.email)
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/second-factor/set-up/**")
    assert page.get_by_role("img", name="QR code").count() == 1
    assert_accessible(page)

    page.get_by_label("Code from your authenticator app").fill("12")
    page.get_by_role("button", name="Continue").click()
    page.locator(".govuk-error-summary").wait_for()
    assert page.title().startswith("Error:")
    assert_accessible(page)

    key = page.get_by_test_id("totp-secret").inner_text()
    page.get_by_label("Code from your authenticator app").fill(code_for_key(key))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/second-factor/recovery-codes/**")
    assert page.get_by_test_id("recovery-codes").locator("li").count() == 10
    assert_accessible(page)

    page.get_by_role("button", name="I have saved my recovery codes").click()
    page.wait_for_url("**/")
    assert housing_lead.full_name in page.content()


def test_the_code_page_and_a_wrong_code(page: Any, housing_lead: User) -> None:
    app = authenticator_app_for(housing_lead)
    page.goto("/sign-in/")
    page.get_by_label("Email address", exact=True).fill(housing_lead.email)
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/second-factor/?next=*")
    assert_accessible(page)
    wrong = f"{(int(totp_code(app)) + 1) % 1_000_000:06d}"
    page.get_by_label("Code", exact=True).fill(wrong)
    page.get_by_role("button", name="Continue").click()
    page.locator(".govuk-error-summary").wait_for()
    assert "The code is not right" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)


def test_your_devices_page(page: Any, housing_lead: User) -> None:
    sign_in(page, housing_lead.email, TEST_PASSWORD)
    page.goto("/second-factor/your-devices/")
    # Chromium offers passkeys, so the button is there.
    page.get_by_role("button", name="Add a passkey").wait_for()
    assert_accessible(page)
    page.get_by_role("button", name="Get new recovery codes").click()
    page.wait_for_url("**/second-factor/recovery-codes/**")
    assert page.get_by_test_id("recovery-codes").locator("li").count() == 10


def test_a_coordinator_resets_someones_second_factor(page: Any, coordinator: User) -> None:
    person = AgencyStaffFactory(email="lost.phone@agency.example", full_name="Lane Lostphone")
    authenticator_app_for(person)
    sign_in(page, coordinator.email, TEST_PASSWORD)
    page.goto("/second-factor/people/")
    assert_accessible(page)
    page.get_by_role("link", name="Reset second factor of Lane Lostphone").click()
    page.wait_for_url("**/reset/")
    page.get_by_role("button", name="Reset second factor").click()
    page.locator(".govuk-error-summary").wait_for()
    assert_accessible(page)
    page.get_by_label("I have checked who is asking").check()
    page.get_by_role("button", name="Reset second factor").click()
    page.wait_for_url("**/second-factor/people/")
    assert "Their second factor has been reset" in page.content()
    assert not person.totpdevice_set.exists()


def test_a_passkey_is_added_then_used_to_sign_in(page: Any, housing_lead: User, live_server: Any, settings) -> None:
    from django_otp_webauthn.models import WebAuthnCredential

    from cmarac.accounts.second_factor_services import SecondFactorEvent

    # The test server's own origin; passkeys belong to "localhost", as in development.
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    sign_in(page, housing_lead.email, TEST_PASSWORD)
    page.goto("/second-factor/your-devices/")
    page.get_by_role("button", name="Add a passkey").click()
    page.get_by_text("Registration successful").wait_for()
    assert WebAuthnCredential.objects.filter(user=housing_lead, confirmed=True).count() == 1

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in/")
    page.get_by_label("Email address", exact=True).fill(housing_lead.email)
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/second-factor/?next=*")
    assert_accessible(page)
    page.get_by_role("button", name="Use a passkey").click()
    page.wait_for_url(f"{live_server.url}/")
    assert housing_lead.full_name in page.content()
    for event in (SecondFactorEvent.PASSKEY_ADDED, SecondFactorEvent.PASSKEY_VERIFIED):
        assert _event_count(housing_lead, event) == 1, event


def _event_count(person: User, event: Any) -> int:
    from auditlog.models import LogEntry

    return LogEntry.objects.filter(object_pk=str(person.pk), additional_data__event=str(event)).count()
