"""Middleware of our own."""

from __future__ import annotations

from auditlog.middleware import AuditlogMiddleware as BaseAuditlogMiddleware
from django.conf import settings
from django.http import HttpRequest

from cmarac.core.client_ip import client_ip


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
