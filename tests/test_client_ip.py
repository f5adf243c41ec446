"""The address in the audit trail and the lockout: X-Forwarded-For only from our own proxies."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from axes.models import AccessAttempt
from django.test import Client, RequestFactory
from django.urls import reverse

from cmarac.core.client_ip import client_ip
from tests.factories.accounts import TEST_PASSWORD
from tests.second_factor import verified_login

pytestmark = pytest.mark.django_db

FORGED = "203.0.113.66"


def request_with(remote: str, forwarded: str | None = None):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **headers)


def test_by_default_the_header_is_ignored(settings) -> None:
    assert settings.TRUSTED_PROXY_COUNT == 0
    assert client_ip(request_with("198.51.100.4", FORGED)) == "198.51.100.4"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        # One proxy appends the address that connected to it; anything left of it is the client's own.
        (1, "192.0.2.10", "192.0.2.10"),
        (1, f"{FORGED}, 192.0.2.10", "192.0.2.10"),
        (1, f"{FORGED},192.0.2.10:51234", "192.0.2.10"),
        (2, f"{FORGED}, 192.0.2.10, 10.0.0.2", "192.0.2.10"),
        (1, "2001:db8::7", "2001:db8::7"),
        (1, "[2001:db8::7]:443", "2001:db8::7"),
        # Not an address at all: the connection's own.
        (1, "unknown", "10.0.0.1"),
        # No header from the proxy (a health check straight to the container).
        (1, None, "10.0.0.1"),
        # Fewer entries than proxies: the leftmost, the furthest address our proxies saw.
        (2, "192.0.2.10", "192.0.2.10"),
    ],
)
def test_trusted_proxies_take_the_entry_they_added(settings, proxies, forwarded, expected) -> None:
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_ip(request_with("10.0.0.1", forwarded)) == expected


def test_the_audit_trail_ignores_a_forged_header(client: Client, housing_case, housing_lead) -> None:
    verified_login(client, housing_lead)
    client.get(housing_case.get_absolute_url(), REMOTE_ADDR="198.51.100.4", HTTP_X_FORWARDED_FOR=FORGED)
    entry = LogEntry.objects.get_for_object(housing_case).get(action=LogEntry.Action.ACCESS)
    assert entry.remote_addr == "198.51.100.4"


def test_the_audit_trail_takes_the_address_our_proxy_added(
    client: Client, housing_case, housing_lead, settings
) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    verified_login(client, housing_lead)
    client.get(housing_case.get_absolute_url(), REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=f"{FORGED}, 192.0.2.10")
    entry = LogEntry.objects.get_for_object(housing_case).get(action=LogEntry.Action.ACCESS)
    assert entry.remote_addr == "192.0.2.10"


def test_changes_recorded_by_auditlog_ignore_a_forged_header(client: Client, housing_case, coordinator) -> None:
    verified_login(client, coordinator)
    client.post(
        reverse("cases:close", args=[housing_case.reference]),
        {"reason": "Risk has reduced", "last_seen": housing_case.updated_at.isoformat()},
        REMOTE_ADDR="198.51.100.4",
        HTTP_X_FORWARDED_FOR=FORGED,
        HTTP_X_FORWARDED_PORT="4444",
    )
    entry = LogEntry.objects.get_for_object(housing_case).filter(action=LogEntry.Action.UPDATE).latest("pk")
    assert entry.remote_addr == "198.51.100.4"
    assert entry.remote_port is None


def test_changes_recorded_by_auditlog_take_the_address_our_proxy_added(
    client: Client, housing_case, coordinator, settings
) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    verified_login(client, coordinator)
    client.post(
        reverse("cases:close", args=[housing_case.reference]),
        {"reason": "Risk has reduced", "last_seen": housing_case.updated_at.isoformat()},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR=f"{FORGED}, 192.0.2.10",
    )
    entry = LogEntry.objects.get_for_object(housing_case).filter(action=LogEntry.Action.UPDATE).latest("pk")
    assert entry.remote_addr == "192.0.2.10"


def test_a_forged_header_cannot_escape_the_lockout(client: Client, housing_lead, settings) -> None:
    settings.SIGN_IN_IP_FAILURE_LIMIT = 6
    for n in range(settings.SIGN_IN_IP_FAILURE_LIMIT):
        client.post(
            reverse("login"),
            {"username": f"person{n}@spray.example", "password": "guessing-wrong"},
            REMOTE_ADDR="198.51.100.4",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.4"}
    response = client.post(
        reverse("login"),
        {"username": housing_lead.email, "password": TEST_PASSWORD},
        REMOTE_ADDR="198.51.100.4",
        HTTP_X_FORWARDED_FOR="192.0.2.200",
    )
    assert response.status_code == 429


def test_the_lockout_counts_the_address_our_proxy_added(client: Client, settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    client.post(
        reverse("login"),
        {"username": "someone@spray.example", "password": "guessing-wrong"},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR=f"{FORGED}, 192.0.2.10",
    )
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["192.0.2.10"]
