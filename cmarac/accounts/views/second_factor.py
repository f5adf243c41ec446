"""Second-factor pages: set up, enter a code, recovery codes, your devices, and a coordinator's reset."""

from __future__ import annotations

import math
from base64 import b32encode

import segno
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from cmarac.accounts.models import User
from cmarac.accounts.roles import Role
from cmarac.accounts.second_factor_forms import CodeForm, ConfirmWithCodeForm, ResetForm, VerifyForm
from cmarac.accounts.second_factor_middleware import second_factor_not_required
from cmarac.accounts.second_factor_services import (
    RemoveRefused,
    VerifyOutcome,
    authenticator_app_confirm,
    authenticator_app_start,
    has_second_factor,
    recovery_codes_replace,
    second_factor_device_remove,
    second_factor_reset,
    second_factor_summary,
    second_factor_verify,
)

NEW_CODES_SESSION_KEY = "second_factor_new_codes"
WRONG_CODE = "The code is not right. Enter the newest code your authenticator app shows, or a recovery code"


def _next_url(request: HttpRequest, default: str = "home") -> str:
    """The page the person was going to, if it is a path on this site; otherwise `default`."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    allowed_hosts = {request.get_host()}
    if candidate.startswith("/") and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts=allowed_hosts, require_https=request.is_secure()
    ):
        return candidate
    return reverse(default)


def _with_next(url_name: str, next_url: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _throttled_message(retry_after: object) -> str:
    seconds = max(1, math.ceil((retry_after - timezone.now()).total_seconds()))  # type: ignore[operator]
    unit = "second" if seconds == 1 else "seconds"
    return f"You have entered too many wrong codes. Wait {seconds} {unit}, then try again"


@second_factor_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def set_up(request: HttpRequest) -> HttpResponse:
    """First sign-in (or after a reset): add an authenticator app, confirm a code from it."""
    user: User = request.user  # type: ignore[assignment]
    if has_second_factor(user):
        # Only someone with no way to sign in sets up an app here; others give a code first.
        return redirect(_with_next("second_factor:verify", _next_url(request)))
    device = authenticator_app_start(user=user)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        enrolment = authenticator_app_confirm(request=request, device_id=device.pk, code=form.cleaned_data["code"])
        if enrolment.outcome is VerifyOutcome.VERIFIED:
            request.session[NEW_CODES_SESSION_KEY] = enrolment.recovery_codes
            return redirect(_with_next("second_factor:recovery_codes", _next_url(request)))
        if enrolment.outcome is VerifyOutcome.THROTTLED and enrolment.retry_after is not None:
            form.add_error("code", _throttled_message(enrolment.retry_after))
        else:
            form.add_error("code", "The code is not right. Enter the newest code your authenticator app shows")
    secret = _base32_secret(device)
    return render(
        request,
        "accounts/second_factor_set_up.html",
        {
            "form": form,
            "qr_data_uri": segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=4),
            "secret": _grouped(secret),
            "next": _next_url(request),
        },
    )


def _base32_secret(device: TOTPDevice) -> str:
    return b32encode(device.bin_key).decode("ascii").rstrip("=")


@second_factor_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Every later sign-in: a code from the app, a recovery code, or a passkey."""
    user: User = request.user  # type: ignore[assignment]
    if user.is_verified():  # type: ignore[attr-defined]
        return HttpResponseRedirect(_next_url(request))
    if not has_second_factor(user):
        return redirect(_with_next("second_factor:set_up", _next_url(request)))
    form = VerifyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        result = second_factor_verify(request=request, code=form.cleaned_data["code"])
        if result.outcome is VerifyOutcome.VERIFIED:
            return HttpResponseRedirect(_next_url(request))
        if result.outcome is VerifyOutcome.THROTTLED:
            form.add_error("code", _throttled_message(result.retry_after))
        else:
            form.add_error("code", WRONG_CODE)
    return render(
        request,
        "accounts/second_factor_verify.html",
        {
            "form": form,
            "next": _next_url(request),
            "has_passkeys": WebAuthnCredential.objects.filter(user=user, confirmed=True).exists(),
        },
    )


@never_cache
@require_http_methods(["GET"])
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes, shown once: leaving or reloading the page does not show them again."""
    codes = request.session.pop(NEW_CODES_SESSION_KEY, None)
    if not codes:
        return redirect("second_factor:account")
    return render(request, "accounts/second_factor_recovery_codes.html", {"codes": codes, "next": _next_url(request)})


@never_cache
@require_http_methods(["GET"])
def account(request: HttpRequest) -> HttpResponse:
    """Your second factor: authenticator app, passkeys and how many recovery codes are left."""
    return render(request, "accounts/second_factor_account.html", {"summary": second_factor_summary(request.user)})


@require_POST
def recovery_codes_new(request: HttpRequest) -> HttpResponseRedirect:
    request.session[NEW_CODES_SESSION_KEY] = recovery_codes_replace(user=request.user, request=request)
    return redirect(_with_next("second_factor:recovery_codes", reverse("second_factor:account")))


DEVICE_KINDS = {"app": (TOTPDevice, "authenticator app"), "passkey": (WebAuthnCredential, "passkey")}


@never_cache
@require_http_methods(["GET", "POST"])
def device_remove(request: HttpRequest, kind: str, device_id: int) -> HttpResponse:
    """Remove one of your own devices, after a current code."""
    if kind not in DEVICE_KINDS:
        raise Http404("No such device")
    model, label = DEVICE_KINDS[kind]
    device = model.objects.filter(pk=device_id, user=request.user, confirmed=True).first()
    if device is None:
        raise Http404("No such device")
    form = ConfirmWithCodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            outcome = second_factor_device_remove(
                request=request, kind=kind, device_id=device.pk, code=form.cleaned_data["code"]
            )
        except RemoveRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            if outcome.outcome is VerifyOutcome.VERIFIED:
                messages.success(request, f"The {label} has been removed.")
                return redirect("second_factor:account")
            if outcome.outcome is VerifyOutcome.THROTTLED:
                form.add_error("code", _throttled_message(outcome.retry_after))
            else:
                form.add_error("code", WRONG_CODE)
    return render(
        request, "accounts/second_factor_remove.html", {"form": form, "device": device, "device_label": label}
    )


def _require_coordinator(user: User) -> None:
    if not user.has_role(Role.COORDINATOR):
        raise PermissionDenied


@never_cache
@require_http_methods(["GET"])
def people(request: HttpRequest) -> HttpResponse:
    """For coordinators: who has set up a second factor, with a link to reset someone's."""
    _require_coordinator(request.user)
    people = (
        User.objects.filter(is_active=True)
        .select_related("agency")
        .annotate(
            has_app=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
            passkey_count=Count("webauthncredential", filter=Q(webauthncredential__confirmed=True), distinct=True),
        )
        .order_by("full_name", "pk")
    )
    return render(request, "accounts/second_factor_people.html", {"people": people})


@never_cache
@require_http_methods(["GET", "POST"])
def reset(request: HttpRequest, person_id: int) -> HttpResponse:
    """For coordinators: remove someone else's second factor so they set up a new one."""
    _require_coordinator(request.user)
    person = User.objects.filter(pk=person_id, is_active=True).select_related("agency").first()
    if person is None:
        raise Http404("No such person")
    if person.pk == request.user.pk:
        raise PermissionDenied
    form = ResetForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        second_factor_reset(person=person, by=request.user, request=request)
        messages.success(
            request,
            "Their second factor has been reset and they have been signed out. "
            "They will set up a new one when they next sign in.",
        )
        return redirect("second_factor:people")
    return render(request, "accounts/second_factor_reset.html", {"form": form, "person": person})
