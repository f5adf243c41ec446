"""The second factor: enrolment, verification, recovery codes, removal and reset (ADR 0013).

Devices are django-otp's: an authenticator app is a TOTPDevice, the recovery codes are one
StaticDevice's tokens, a passkey is a WebAuthnCredential. Every change and every failed or
recovery-code verification is written to the audit trail by `audit_second_factor`, with the
person's id and never a code, a secret or a name.
"""

from __future__ import annotations

import enum
from base64 import b32encode
from dataclasses import dataclass, field
from datetime import datetime

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.http import HttpRequest
from django.utils.crypto import salted_hmac
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.models import Device, VerifyNotAllowed
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from cmarac.accounts.models import User
from cmarac.accounts.session_store import end_sessions_of

AUTHENTICATOR_APP_NAME = "Authenticator app"
RECOVERY_CODES_NAME = "Recovery codes"
RECOVERY_CODE_SALT = "cmarac.accounts.recovery-code"


class SecondFactorEvent(models.TextChoices):
    """What the audit trail records about a person's second factor."""

    ENROLLED = "enrolled", "Second factor: authenticator app set up"
    VERIFIED = "verified", "Second factor: signed in with a code"
    FAILED = "failed", "Second factor: wrong code"
    THROTTLED = "throttled", "Second factor: code refused, too many wrong codes"
    RECOVERY_CODE_USED = "recovery-code-used", "Second factor: recovery code used"
    RECOVERY_CODES_REPLACED = "recovery-codes-replaced", "Second factor: new recovery codes"
    PASSKEY_ADDED = "passkey-added", "Second factor: passkey added"
    PASSKEY_VERIFIED = "passkey-verified", "Second factor: signed in with a passkey"
    PASSKEY_FAILED = "passkey-failed", "Second factor: passkey refused"
    DEVICE_REMOVED = "device-removed", "Second factor: device removed"
    RESET = "reset", "Second factor: reset by a coordinator"


def audit_second_factor(
    *,
    person: User,
    event: SecondFactorEvent,
    actor: User | None = None,
    request: HttpRequest | None = None,
    device_kind: str = "",
) -> LogEntry:
    """Record a second-factor event about `person` (done by `actor`, by default the person)."""
    actor = actor or person
    details: dict[str, str] = {"event": str(event)}
    if device_kind:
        details["device"] = device_kind
    return LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(User),
        object_pk=str(person.pk),
        object_id=person.pk,
        object_repr=f"person {person.pk}",
        action=LogEntry.Action.ACCESS
        if event in (SecondFactorEvent.VERIFIED, SecondFactorEvent.PASSKEY_VERIFIED)
        else LogEntry.Action.UPDATE,
        actor=actor,
        actor_email=actor.email,
        remote_addr=(request.META.get("REMOTE_ADDR") or None) if request is not None else None,
        # In auditlog's {field: [before, after]} shape, so the admin and the CSV read it as it reads others.
        changes={"second factor": ["", f"{event}{f' ({device_kind})' if device_kind else ''}"]},
        additional_data={"what": event.label, **details},
    )


# --- Reads --------------------------------------------------------------------


def device_kind(device: Device) -> str:
    if isinstance(device, TOTPDevice):
        return "authenticator app"
    if isinstance(device, WebAuthnCredential):
        return "passkey"
    if isinstance(device, StaticDevice):
        return "recovery codes"
    return "device"


def has_second_factor(user: User) -> bool:
    """True once the person can sign in with an authenticator app or a passkey."""
    return (
        TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        or WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()
    )


@dataclass(frozen=True)
class SecondFactorSummary:
    apps: list[TOTPDevice]
    passkeys: list[WebAuthnCredential]
    recovery_codes_left: int


def second_factor_summary(user: User) -> SecondFactorSummary:
    return SecondFactorSummary(
        apps=list(TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk")),
        passkeys=list(WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("pk")),
        recovery_codes_left=StaticToken.objects.filter(device__user=user, device__confirmed=True).count(),
    )


# --- Enrolment ----------------------------------------------------------------


@transaction.atomic
def authenticator_app_start(*, user: User) -> TOTPDevice:
    """The unconfirmed authenticator app a person is setting up: the same one until confirmed,
    so reloading the page does not change the secret they may already have scanned."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_APP_NAME, confirmed=False)
    return device


@transaction.atomic
def recovery_codes_replace(*, user: User, request: HttpRequest | None = None, audit: bool = True) -> list[str]:
    """Give the person a fresh set of single-use recovery codes; the old ones stop working.
    Returns the codes, to be shown once."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_CODES_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.SECOND_FACTOR_RECOVERY_CODES)]
    # Only a keyed digest of each code is stored: a copy of the database gives no usable code.
    StaticToken.objects.bulk_create(StaticToken(device=device, token=recovery_code_digest(code)) for code in codes)
    if audit:
        audit_second_factor(person=user, event=SecondFactorEvent.RECOVERY_CODES_REPLACED, request=request)
    return codes


@dataclass(frozen=True)
class Enrolment:
    outcome: VerifyOutcome
    recovery_codes: list[str] = field(default_factory=list)
    retry_after: datetime | None = None


@transaction.atomic
def authenticator_app_confirm(*, request: HttpRequest, device_id: int, code: str) -> Enrolment:
    """Confirm the authenticator app being set up with a code from it. On success the session is
    verified with it, and the person gets recovery codes (returned, to be shown once); a wrong
    code is recorded, and counts against the device's throttle."""
    user: User = request.user  # type: ignore[assignment]
    device = TOTPDevice.objects.select_for_update().filter(pk=device_id, user=user, confirmed=False).first()
    if device is None:
        return Enrolment(VerifyOutcome.WRONG)
    allowed, info = device.verify_is_allowed()
    if not allowed:
        audit_second_factor(person=user, event=SecondFactorEvent.THROTTLED, request=request, device_kind="enrolment")
        return Enrolment(VerifyOutcome.THROTTLED, retry_after=(info or {}).get("locked_until"))
    if not device.verify_token(_digits(code)):
        audit_second_factor(person=user, event=SecondFactorEvent.FAILED, request=request, device_kind="enrolment")
        return Enrolment(VerifyOutcome.WRONG)
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    # Only one authenticator app is kept: setting up a new one replaces the old.
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    _verified_session(request, device)
    audit_second_factor(person=user, event=SecondFactorEvent.ENROLLED, request=request)
    return Enrolment(VerifyOutcome.VERIFIED, recovery_codes=recovery_codes_replace(user=user, audit=False))


# --- Verification -------------------------------------------------------------


class VerifyOutcome(enum.Enum):
    VERIFIED = "verified"
    WRONG = "wrong"
    THROTTLED = "throttled"


@dataclass(frozen=True)
class VerifyResult:
    outcome: VerifyOutcome
    device: Device | None = None
    retry_after: datetime | None = None


def _digits(code: str) -> str:
    return "".join(code.split())


def _normalise_recovery_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def recovery_code_digest(code: str) -> str:
    """What is stored for a recovery code: an HMAC of it under the SECRET_KEY, base32, cut to the
    16 characters django-otp's token column holds (80 bits). Without the key, a stolen database
    yields no code and cannot be searched for one (a code has only 40 bits)."""
    digest = salted_hmac(RECOVERY_CODE_SALT, _normalise_recovery_code(code), algorithm="sha256").digest()
    return b32encode(digest).decode("ascii")[:16].lower()


def _check_code(*, user: User, code: str, request: HttpRequest | None) -> VerifyResult:
    """Check a code from the person's authenticator app, or one of their recovery codes (which it
    uses up), inside the caller's transaction. Wrong codes count against each device's throttle
    (django-otp's ThrottlingMixin: after n wrong codes in a row, any code is refused unchecked for
    2^(n-1) seconds), and every failure is in the audit trail."""
    devices = [d for d in devices_for_user(user, for_verify=True) if isinstance(d, TOTPDevice | StaticDevice)]
    blocked_until = []
    for device in devices:
        allowed, info = device.verify_is_allowed()
        if not allowed and info and info.get("reason") == VerifyNotAllowed.N_FAILED_ATTEMPTS:
            blocked_until.append(info["locked_until"])
    if blocked_until:
        audit_second_factor(person=user, event=SecondFactorEvent.THROTTLED, request=request)
        return VerifyResult(VerifyOutcome.THROTTLED, retry_after=max(blocked_until))
    matched: Device | None = None
    for device in devices:
        if isinstance(device, TOTPDevice):
            token = _digits(code)
        else:
            token = recovery_code_digest(code) if _normalise_recovery_code(code) else ""
        if token and device.verify_token(token):
            matched = device
            break
    if matched is None:
        audit_second_factor(person=user, event=SecondFactorEvent.FAILED, request=request)
        return VerifyResult(VerifyOutcome.WRONG)
    for device in devices:
        if device is not matched:
            device.throttle_reset(commit=True)
    if isinstance(matched, StaticDevice):
        audit_second_factor(person=user, event=SecondFactorEvent.RECOVERY_CODE_USED, request=request)
    return VerifyResult(VerifyOutcome.VERIFIED, device=matched)


def _verified_session(request: HttpRequest, device: Device) -> None:
    # A new session key once the sign-in is complete, as Django's login() does after the password.
    request.session.cycle_key()
    otp_login(request, device)


def second_factor_verify(*, request: HttpRequest, code: str) -> VerifyResult:
    """Sign-in's second step: a right code verifies the session."""
    user: User = request.user  # type: ignore[assignment]
    with transaction.atomic():
        result = _check_code(user=user, code=code, request=request)
        if result.device is not None:
            _verified_session(request, result.device)
            if isinstance(result.device, TOTPDevice):
                audit_second_factor(person=user, event=SecondFactorEvent.VERIFIED, request=request)
    return result


# --- Changes on "Your account" and by a coordinator ------------------------------


class RemoveRefused(Exception):
    """The device cannot be removed; the message says why, for the person."""


@transaction.atomic
def second_factor_device_remove(*, request: HttpRequest, kind: str, device_id: int, code: str) -> VerifyResult:
    """Remove one of the person's own authenticator apps or passkeys, if `code` is a current code
    (so a session left open cannot be used to do it). The last way to sign in cannot be removed:
    recovery codes alone are not one."""
    user: User = request.user  # type: ignore[assignment]
    model = {"app": TOTPDevice, "passkey": WebAuthnCredential}.get(kind)
    device = model.objects.filter(pk=device_id, user=user, confirmed=True).first() if model else None
    if device is None:
        raise RemoveRefused("That device does not exist")
    ways_to_sign_in = (
        TOTPDevice.objects.filter(user=user, confirmed=True).count()
        + WebAuthnCredential.objects.filter(user=user, confirmed=True).count()
    )
    if ways_to_sign_in <= 1:
        raise RemoveRefused("Add a passkey or another authenticator app before you remove your only one")
    result = _check_code(user=user, code=code, request=request)
    if result.outcome is VerifyOutcome.VERIFIED:
        kind_label = device_kind(device)
        session_device_removed = request.user.otp_device == device  # type: ignore[attr-defined]
        code_device_removed = result.device == device
        device.delete()
        if session_device_removed:
            # The person has just entered a current code: the session stays verified, by a device
            # they keep.
            kept = (
                result.device
                if not code_device_removed
                else TOTPDevice.objects.filter(user=user, confirmed=True).first()
                or WebAuthnCredential.objects.filter(user=user, confirmed=True).first()
            )
            otp_login(request, kept)
        audit_second_factor(
            person=user, event=SecondFactorEvent.DEVICE_REMOVED, request=request, device_kind=kind_label
        )
    return result


def _end_sessions_of(person: User) -> int:
    """Delete every session signed in as this person."""
    return end_sessions_of(person.pk)


@transaction.atomic
def second_factor_reset(*, person: User, by: User, request: HttpRequest | None = None) -> None:
    """A coordinator removes every second-factor device of someone else: authenticator apps,
    recovery codes and passkeys. Their sessions end, and they set up a new one when they next
    sign in."""
    if person.pk == by.pk:
        raise PermissionError("Nobody resets their own second factor")
    TOTPDevice.objects.filter(user=person).delete()
    StaticDevice.objects.filter(user=person).delete()
    WebAuthnCredential.objects.filter(user=person).delete()
    _end_sessions_of(person)
    audit_second_factor(person=person, actor=by, event=SecondFactorEvent.RESET, request=request)


def second_factor_models_register() -> None:
    """Device changes in the audit trail, never a key: the secret fields are left out entirely,
    and so is what changes on every sign-in (last time step, throttle counts, signature counter),
    which the events above record instead."""
    from cmarac.core.audit import audit_register

    every_use = ["last_used_at", "throttling_failure_timestamp", "throttling_failure_count"]
    audit_register(TOTPDevice, shown=["confirmed", "created_at"], exclude=["key", "last_t", "drift", "t0", *every_use])
    audit_register(StaticDevice, shown=["confirmed", "created_at"], exclude=every_use)
    audit_register(
        WebAuthnCredential,
        shown=["confirmed", "created_at", "credential_type"],
        exclude=["credential_id", "credential_id_sha256", "public_key", "sign_count", "last_used_at", "backup_state"],
    )
