"""Passkeys (WebAuthn) as a second factor, through django-otp-webauthn's views, with our rules:
a passkey is added only from a verified session, never replaces the password, and every passkey
added, used or refused is in the audit trail."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.urls import path
from django.views.i18n import JavaScriptCatalog
from django_otp_webauthn import exceptions
from django_otp_webauthn import views as webauthn_views

from cmarac.accounts.second_factor_middleware import second_factor_not_required
from cmarac.accounts.second_factor_services import SecondFactorEvent, audit_second_factor


class PasskeyRegistrationBegin(webauthn_views.BeginCredentialRegistrationView):
    def check_can_register(self) -> None:
        # The library lets someone with no device yet add a passkey straight after the password;
        # here the first device is always an authenticator app, with its recovery codes.
        if not self.request.user.is_verified():
            raise exceptions.NotVerified()


class PasskeyRegistrationComplete(webauthn_views.CompleteCredentialRegistrationView):
    def check_can_register(self) -> None:
        if not self.request.user.is_verified():
            raise exceptions.NotVerified()

    def post(self, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(*args, **kwargs)
        audit_second_factor(person=self.request.user, event=SecondFactorEvent.PASSKEY_ADDED, request=self.request)
        return response


class PasskeyAuthenticationBegin(webauthn_views.BeginCredentialAuthenticationView):
    pass


class PasskeyAuthenticationComplete(webauthn_views.CompleteCredentialAuthenticationView):
    def complete_auth(self, device: Any) -> Any:
        # Signed in with a password already (passwordless sign-in is off): only verify the session.
        self.request.session.cycle_key()
        result = super().complete_auth(device)
        audit_second_factor(person=self.request.user, event=SecondFactorEvent.PASSKEY_VERIFIED, request=self.request)
        return result

    def handle_exception(self, exc: Exception) -> HttpResponse:
        if isinstance(exc, exceptions.OTPWebAuthnApiError) and self.request.user.is_authenticated:
            audit_second_factor(person=self.request.user, event=SecondFactorEvent.PASSKEY_FAILED, request=self.request)
        return super().handle_exception(exc)


# The namespace is the library's: its template tags reverse "otp_webauthn:...".
app_name = "otp_webauthn"
urlpatterns = [
    path("registration/begin/", PasskeyRegistrationBegin.as_view(), name="credential-registration-begin"),
    path("registration/complete/", PasskeyRegistrationComplete.as_view(), name="credential-registration-complete"),
    path(
        "authentication/begin/",
        second_factor_not_required(PasskeyAuthenticationBegin.as_view()),
        name="credential-authentication-begin",
    ),
    path(
        "authentication/complete/",
        second_factor_not_required(PasskeyAuthenticationComplete.as_view()),
        name="credential-authentication-complete",
    ),
    path(
        "jsi18n/",
        second_factor_not_required(JavaScriptCatalog.as_view(packages=["django_otp_webauthn"])),
        name="js-i18n-catalog",
    ),
]
