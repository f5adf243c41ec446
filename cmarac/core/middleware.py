"""Middleware of our own: malformed addresses refused early, the security headers Django does not
set itself (docs/adr/0018-headers-and-sessions.md), and auditlog's with a trusted client address."""

from __future__ import annotations

from collections.abc import Callable

from auditlog.middleware import AuditlogMiddleware as BaseAuditlogMiddleware
from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

from cmarac.core.client_ip import client_ip

Handler = Callable[[HttpRequest], HttpResponse]


class AuditlogMiddleware(BaseAuditlogMiddleware):
    """auditlog's middleware, with the address from `client_ip`: auditlog itself believes the
    first X-Forwarded-For entry, which any client can set."""

    @staticmethod
    def _get_remote_addr(request: HttpRequest) -> str | None:
        return client_ip(request)

    @staticmethod
    def _get_remote_port(request: HttpRequest) -> int | None:
        # X-Forwarded-Port is as forgeable as X-Forwarded-For: only a trusted proxy's counts.
        if settings.TRUSTED_PROXY_COUNT <= 0:
            return None
        return BaseAuditlogMiddleware._get_remote_port(request)


def refuse_nul_characters(get_response: Handler) -> Handler:
    """400 for a NUL character anywhere in the path or the query string: PostgreSQL refuses it in
    text, so a reference or filter holding one would otherwise answer 500 (SQLite takes it)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()
        ):
            raise BadRequest("NUL character in the address")
        return get_response(request)

    return middleware


def security_headers(get_response: Handler) -> Handler:
    """Permissions-Policy and Cross-Origin-Resource-Policy on every response, and `Cache-Control:
    no-store` on every page for a signed-in person (static files are served before this runs).

    Content-Security-Policy comes from django-csp, Cross-Origin-Opener-Policy from Django itself."""
    permissions_policy = ", ".join(f"{feature}=()" for feature in settings.PERMISSIONS_POLICY_FEATURES)

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        response.headers.setdefault("Permissions-Policy", permissions_policy)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # Case data must not stay in a shared computer's browser cache or history snapshots.
            add_never_cache_headers(response)
        return response

    return middleware
