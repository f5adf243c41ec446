"""The address a request came from, as the audit trail and the sign-in lockout record it.

Anyone can send an X-Forwarded-For header. Only the entries added by our own proxies can be
believed: each proxy appends the address that connected to it, so with TRUSTED_PROXY_COUNT proxies
in front of the application the client is the entry that many places from the right, and everything
left of it is whatever the client chose to send. With no trusted proxy (the default) the header is
ignored and the address is the connection's own (REMOTE_ADDR).
"""

from __future__ import annotations

from ipaddress import ip_address

from django.conf import settings
from django.http import HttpRequest


def _address(value: str) -> str | None:
    """The IP address in one header entry (a proxy may add a port), or None if it is not one."""
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [IPv6]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # IPv4:port
        value = value.split(":", 1)[0]
    try:
        return str(ip_address(value))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    remote = _address(request.META.get("REMOTE_ADDR") or "")
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return remote
    entries = [entry for entry in forwarded.split(",") if entry.strip()]
    # Fewer entries than proxies: the request skipped a proxy, and the leftmost entry is the
    # furthest address a proxy of ours saw.
    chosen = entries[-proxies] if len(entries) >= proxies else entries[0] if entries else ""
    return _address(chosen) or remote
