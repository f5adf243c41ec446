"""Property-based: every list filter, export and query string the service reads, given arbitrary
values by someone allowed to see the page, answers 200 (the filter refused on the page), 400 or 404,
never 500, and changes nothing but the audit trail."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz import FUZZ, answers, changed, forms_on, photograph
from tests.second_factor import verified_login
from tests.test_fuzz_forms import world  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

# (who, address, the parameters it reads besides those of its filter form).
PAGES: dict[str, tuple[str | None, Any, list[str]]] = {
    "cases": ("co_chair", lambda w: reverse("cases:list"), ["page", "sort", "search"]),
    "case export": (
        "housing_lead",
        lambda w: reverse("cases:export"),
        ["sort", "search", "status", "risk_level", "lead_agency", "led_by_my_agency", "shared_since"],
    ),
    "audit trail": ("coordinator", lambda w: reverse("audit:trail"), ["page"]),
    "audit export": (
        "auditor",
        lambda w: reverse("audit:export"),
        [
            "person",
            "agency",
            "case",
            "action",
            *(f"{name}_{part}" for name in ("date_from", "date_to") for part in ("day", "month", "year")),
        ],
    ),
    "actions": ("housing_lead", lambda w: reverse("actions:list"), ["page", "overdue"]),
    "action log": (
        "co_chair",
        lambda w: reverse("actions:export"),
        ["show", "status", "due", "overdue", "case", "meeting"],
    ),
    "new action": ("co_chair", lambda w: reverse("actions:new", args=[w.case.reference]), ["item", "next"]),
    "action review": ("co_chair", lambda w: reverse("actions:review", args=[w.action.pk]), ["next"]),
    "triage list": ("coordinator", lambda w: reverse("referrals:list"), ["tab", "page", "late"]),
    "triage export": ("coordinator", lambda w: reverse("referrals:export"), ["tab", "late"]),
    "my referrals": ("police_referrer", lambda w: reverse("referrals:mine"), ["page", "status"]),
    "my referrals export": ("police_referrer", lambda w: reverse("referrals:mine-export"), ["status"]),
    "referral section": (
        "police_referrer",
        lambda w: reverse("referrals:section", args=[w.draft.reference, "concerns"]),
        ["from"],
    ),
    "meetings": ("coordinator", lambda w: reverse("meetings:list"), ["page", "show", "year", "minutes"]),
    "meeting screen": ("co_chair", lambda w: reverse("meetings:run", args=[w.meeting.pk]), ["item"]),
    "calendar feed": (None, lambda w: reverse("meetings:calendar"), ["token"]),
}


@pytest.mark.parametrize("name", list(PAGES))
def test_every_filter_survives_arbitrary_values(name, world, request) -> None:  # noqa: F811
    person, page, extra = PAGES[name]
    client = Client()
    if person:
        verified_login(client, request.getfixturevalue(person))
    address = page(world)
    shown = client.get(address)
    assert shown.status_code in (200, 404) if name == "calendar feed" else shown.status_code == 200
    filters = forms_on(shown.content.decode(), method="get") if "text/html" in shown["Content-Type"] else []
    names = sorted({*extra, *(name for form in filters for name in form.fields)})

    @FUZZ
    @given(
        query=st.dictionaries(
            st.one_of(st.sampled_from(names), st.text(min_size=1, max_size=10)),
            st.lists(answers(""), min_size=1, max_size=2),
            max_size=4,
        )
    )
    def property(query) -> None:
        response = client.get(address, query)
        assert response.status_code in (200, 302, 400, 404)

    before = photograph()
    property()
    assert changed(before, photograph()) == []  # reading writes nothing but the audit trail
