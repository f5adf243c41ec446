"""Throttling failed sign-ins with django-axes: a count per email address and a larger one per IP.

Axes compares one number with one limit. The handler below keeps two counts within the cool-off
period, the failures for the (normalised) address from any IP and the failures from the IP for any
address, and reports whichever is nearer its own limit on the per-address scale, so that axes locks
out when either limit is reached: an address guessed at from many places, or one place trying many
addresses (password spraying).
"""

from __future__ import annotations

from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import QuerySet, Sum
from django.http import HttpRequest

from cmarac.accounts.models import normalise_email


def axes_username(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str | None:
    """AXES_USERNAME_CALLABLE: the address as sign-in compares it, whichever form posted it."""
    typed = (credentials or {}).get(settings.AXES_USERNAME_FORM_FIELD)
    if typed is None and request is not None:
        typed = request.POST.get(settings.AXES_USERNAME_FORM_FIELD)
    address = normalise_email(str(typed or ""))
    return address or None


def _failures(attempts: QuerySet[AccessAttempt]) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


class SignInAttemptsHandler(AxesDatabaseHandler):
    """AXES_HANDLER: per-address and per-IP limits (SIGN_IN_FAILURE_LIMIT, SIGN_IN_IP_FAILURE_LIMIT)."""

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        recent = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
        username = get_client_username(request, credentials)
        # Attempts recorded without an address (password reset requests) count for the IP only.
        by_address = _failures(recent.filter(username=username)) if username else 0
        by_ip = _failures(recent.filter(ip_address=request.axes_ip_address))
        limit = get_failure_limit(request, credentials)
        # by_ip * limit // ip_limit reaches limit exactly when by_ip reaches ip_limit.
        return max(by_address, by_ip * limit // settings.SIGN_IN_IP_FAILURE_LIMIT)

    def reset_user_attempts(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        # A successful sign-in forgives that address's failures only, never the IP's: otherwise one
        # account of their own would let someone spraying passwords start their count again.
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count


def sign_in_throttle_count(request: HttpRequest) -> bool:
    """Count one use of a page that could be abused (the password reset) against this IP's limit,
    as a failed sign-in with no address; False once the IP has reached the limit, which locks it
    out of sign-in and the reset alike for the cool-off period."""
    AxesProxyHandler.user_login_failed(sender=sign_in_throttle_count, credentials={}, request=request)
    return not request.axes_locked_out
