from __future__ import annotations

import time

import factory
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories.accounts import UserFactory


class TOTPDeviceFactory(factory.django.DjangoModelFactory):
    """A confirmed authenticator app with its own random key."""

    class Meta:
        model = TOTPDevice

    user = factory.SubFactory(UserFactory)
    name = "Authenticator app"
    confirmed = True


def totp_code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code the person's authenticator app shows now, as a person would type it.

    A code is accepted once (django-otp keeps the last time step used), so when this device was
    used in the current step already, this is the next step's code, which the device's tolerance
    of one step accepts."""
    device.refresh_from_db()
    generator = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    generator.time = time.time()
    if generator.t() <= device.last_t:
        generator.time += (device.last_t + 1 - generator.t()) * device.step
    generator.time += steps_ahead * device.step
    return str(generator.token()).zfill(device.digits)


class PasskeyFactory(factory.django.DjangoModelFactory):
    """A stored passkey (the public half only, as the server keeps it), for pages that list them."""

    class Meta:
        model = "django_otp_webauthn.WebAuthnCredential"

    user = factory.SubFactory(UserFactory)
    name = "Passkey"
    confirmed = True
    credential_type = "public-key"
    credential_id = factory.Sequence(lambda n: f"credential-{n}".encode())
    public_key = b"not-a-real-public-key"
    aaguid = "00000000-0000-0000-0000-000000000000"
