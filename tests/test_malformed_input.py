"""Malformed addresses and query strings answer 400, 404 or a form error, never 500."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cmarac.core.params import parse_id
from meetings.calendar import feed_owner

pytestmark = pytest.mark.django_db

# A superscript two: str.isdigit() says yes, int() says no.
SUPERSCRIPT_TWO = "\u00b2"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("42", 42),
        ("0042", 42),
        ("", None),
        (SUPERSCRIPT_TWO, None),
        ("\u0663", None),  # an Arabic-Indic three: isdecimal() says yes
        ("-1", None),
        ("1e3", None),
        (" 4", None),
        ("4\x00", None),
        ("9" * 19, None),  # beyond a 64-bit id
        ("9" * 18, 10**18 - 1),
    ],
)
def test_parse_id_takes_plain_ascii_digits_only(value, expected) -> None:
    assert parse_id(value) == expected


@pytest.mark.parametrize("date_to", ["9999-12-31", "0001-01-01"])
def test_the_audit_trail_takes_the_last_and_first_possible_dates(date_to, coordinator, as_user) -> None:
    client = as_user(coordinator)
    assert client.get(reverse("audit:trail"), {"date_to": date_to, "date_from": "0001-01-01"}).status_code == 200
    assert client.get(reverse("audit:export"), {"date_to": date_to}).status_code == 200


@pytest.mark.parametrize("name", ["actions:list", "actions:export"])
@pytest.mark.parametrize("meeting", [SUPERSCRIPT_TWO, "9" * 30, "\u0663"])
def test_the_action_list_and_log_refuse_a_malformed_meeting_as_a_form_error(name, meeting, co_chair, as_user):
    response = as_user(co_chair).get(reverse(name), {"meeting": meeting})
    assert response.status_code == 200
    if name == "actions:list":
        assert "meeting" in response.context["form"].errors


@pytest.mark.parametrize("item", [SUPERSCRIPT_TWO, "9" * 30, "\u0663"])
def test_a_new_action_with_a_malformed_item_is_404(item, housing_case, co_chair, as_user) -> None:
    url = reverse("actions:new", args=[housing_case.reference])
    assert as_user(co_chair).get(url, {"item": item}).status_code == 404


@pytest.mark.parametrize("token", ["\x00", "abc\x00def", "x" * 5000, SUPERSCRIPT_TWO, "a b"])
def test_the_calendar_feed_with_a_malformed_token_is_refused_without_signing_in(token, client) -> None:
    assert client.get(reverse("meetings:calendar"), {"token": token}).status_code in (400, 404)
    assert feed_owner(token) is None


@pytest.mark.parametrize(
    "address",
    [
        "/cases/CM-2026-0001%00/",
        "/actions/new/CM%00/",
        "/cases/?status=%00",
        "/audit/?case=CM%00",
        "/actions/?meeting=1%00",
        "/actions/export.csv?meeting=%00",
        "/meetings/calendar.ics?token=%00",
        "/?%00=1",
    ],
)
def test_a_nul_anywhere_in_the_address_is_400(address, coordinator, as_user) -> None:
    """PostgreSQL refuses NUL in text, so it must never reach a query."""
    assert as_user(coordinator).get(address).status_code == 400


def test_a_nul_in_a_posted_field_is_a_form_error_not_a_500(coordinator, as_user) -> None:
    response = as_user(coordinator).post(reverse("cases:create"), {"reference": "CM\x00", "summary": "a\x00b"})
    assert response.status_code in (200, 400)
