"""Session limits: the idle timeout (Django's SESSION_COOKIE_AGE, counted from the last request), an
absolute lifetime counted from sign-in, and what a person is told when either ends.

The timeout warning in the browser (frontend/static/js/session-timeout.mjs) reads the seconds left
from the page, offers "Stay signed in" (session_keep_alive) and, when time runs out, signs the person
out through session_timed_out so they come back to the page they were on after signing in again.
See docs/adr/0018-headers-and-sessions.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

SIGNED_IN_AT = "signed_in_at"  # session key: when the person signed in, in seconds since the epoch
# The warning appears this long before the session ends (the GOV.UK pattern's two minutes).
WARNING_SECONDS = 120

NOT_SAVED = "Your changes were not saved."


def _now() -> float:
    return timezone.now().timestamp()


def _absolute_seconds() -> int:
    return settings.SESSION_ABSOLUTE_HOURS * 3600


def seconds_left(request: HttpRequest) -> int:
    """How long the signed-in person's session lasts from this request, if they do nothing more."""
    signed_in_at = request.session.get(SIGNED_IN_AT, _now())
    absolute_left = int(signed_in_at + _absolute_seconds() - _now())
    return max(0, min(settings.SESSION_COOKIE_AGE, absolute_left))


def _idle_message() -> str:
    minutes = settings.SESSION_COOKIE_AGE // 60
    return f"You were signed out because you had not used the service for {minutes} minutes."


def _absolute_message() -> str:
    hours = settings.SESSION_ABSOLUTE_HOURS
    return f"You were signed out because you had been signed in for {hours} hours."


class SessionLimitsMiddleware:
    """After AuthenticationMiddleware, before LoginRequiredMiddleware.

    - Starts the absolute lifetime's clock at the first request after signing in (whatever the sign-in
      steps were), and signs the person out once it has run.
    - A request to a page that needs signing in, carrying the cookie of a session that has ended, is
      sent to sign in with a message saying why, and for a POST that their changes were not saved
      (never a silent loss; the browser keeps what they typed, see session-timeout.mjs)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        if request.user.is_authenticated:
            signed_in_at = request.session.get(SIGNED_IN_AT)
            if signed_in_at is None:
                request.session[SIGNED_IN_AT] = _now()
                return None
            if _now() - signed_in_at < _absolute_seconds():
                return None
            logout(request)
            reason = _absolute_message()
        elif self._session_ended(request):
            reason = _idle_message()
        else:
            return None
        if not getattr(view_func, "login_required", True):
            return None  # the sign-in page itself, the health check...
        messages.warning(request, f"{reason} {NOT_SAVED}" if request.method == "POST" else reason)
        return redirect_to_login(request.get_full_path(), resolve_url(settings.LOGIN_URL))

    @staticmethod
    def _session_ended(request: HttpRequest) -> bool:
        # The browser sent a session cookie, but no live session has that key: it ran out, or was ended.
        # (AuthenticationMiddleware has loaded the session, which forgets a key it cannot find.)
        return settings.SESSION_COOKIE_NAME in request.COOKIES and request.session.session_key is None


@login_not_required
@never_cache
@require_POST
def session_keep_alive(request: HttpRequest) -> JsonResponse:
    """ "Stay signed in": the request itself renews the idle timeout (SESSION_SAVE_EVERY_REQUEST)."""
    if not request.user.is_authenticated:
        return JsonResponse({"seconds_left": 0}, status=401)
    return JsonResponse({"seconds_left": seconds_left(request)})


@login_not_required
@require_POST
def session_timed_out(request: HttpRequest) -> HttpResponseRedirect:
    """The warning ran out: sign out (if the session has not ended already) and go to sign in, coming
    back to the page the person was on."""
    was_signed_in = request.user.is_authenticated
    absolute = was_signed_in and _now() - request.session.get(SIGNED_IN_AT, _now()) >= _absolute_seconds()
    logout(request)
    if was_signed_in or SessionLimitsMiddleware._session_ended(request):
        messages.warning(request, _absolute_message() if absolute else _idle_message())
    target = request.POST.get("next", "")
    if not (
        target.startswith("/")
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False)
    ):
        target = reverse(settings.LOGIN_REDIRECT_URL)
    return redirect_to_login(target, resolve_url(settings.LOGIN_URL))


def session_timeout(request: HttpRequest) -> dict[str, Any]:
    """Template context for the timeout warning, for a signed-in person."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "session_timeout": {
            "seconds_left": seconds_left(request),
            "warning_seconds": WARNING_SECONDS,
            "keep_alive_url": reverse("session-keep-alive"),
            "timed_out_url": reverse("session-timed-out"),
            "user_id": user.pk,
        }
    }
