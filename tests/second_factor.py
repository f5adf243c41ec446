"""Signing a test client in as someone who has passed the second factor, as every page needs."""

from __future__ import annotations

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from cmarac.accounts.models import User
from tests.factories.second_factor import TOTPDeviceFactory


def authenticator_app_for(user: User) -> TOTPDevice:
    """The person's confirmed authenticator app, set up now if they have none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDeviceFactory(user=user)


def verified_login(client: Client, user: User) -> Client:
    """force_login, then mark the session verified by the person's authenticator app, as
    django_otp.login() does after a right code."""
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = authenticator_app_for(user).persistent_id
    session.save()
    return client


def signed_in(user: User) -> Client:
    """A new test client, signed in as the person with their second factor passed."""
    return verified_login(Client(), user)
