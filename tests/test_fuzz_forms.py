"""Property-based: every form of the service, sent with arbitrary answers by someone allowed to use it,
never answers 500, and an answer that is refused changes nothing in the database.

The forms are read from the pages themselves (tests/fuzz.py), so a field added later is fuzzed too.
"""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from meetings import services as meeting_services
from tests.factories.actions import ActionFactory
from tests.factories.cases import ClosedCaseFactory
from tests.factories.meetings import MeetingFactory
from tests.factories.referrals import DraftReferralFactory, SubmittedReferralFactory, add_subjects, two_people
from tests.fuzz import FUZZ, changed, fill, forms_on, photograph, too_long
from tests.second_factor import verified_login

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def world(housing_case, housing, police, fire, co_chair, coordinator, housing_lead, police_referrer):
    # In the past: a meeting's minutes forms are shown only from its day.
    meeting = MeetingFactory(starts_at=datetime(2026, 3, 12, 10, tzinfo=LONDON))
    item = meeting_services.agenda_add_item(meeting=meeting, case=housing_case, item_type="review", by=co_chair)
    meeting_services.invite_agency_to_item(item=item, agency=housing, by=co_chair)
    draft = DraftReferralFactory(referrer=police_referrer)
    add_subjects(draft, two_people())
    return SimpleNamespace(
        case=housing_case,
        closed_case=ClosedCaseFactory(involve=[police]),
        subject=housing_case.subjects.first(),
        meeting=meeting,
        item=item,
        invited=housing,
        action=ActionFactory(case=housing_case, owner=housing, by=co_chair, description="Visit the victim at home"),
        draft=draft,
        draft_subject=draft.subjects.first(),
        submitted=SubmittedReferralFactory(referrer=police_referrer),
    )


def section(name: str):
    return lambda w: reverse("referrals:section", args=[w.draft.reference, name])


# (who, the page that shows the form(s)); every POST form on the page is fuzzed.
PAGES: dict[str, tuple[str | None, Any]] = {
    "sign in": (None, lambda w: reverse("login")),
    "case list: filter": ("co_chair", lambda w: reverse("cases:list")),
    "case: create": ("coordinator", lambda w: reverse("cases:create")),
    "case: close": ("co_chair", lambda w: reverse("cases:close", args=[w.case.reference])),
    "case: reopen": ("co_chair", lambda w: reverse("cases:reopen", args=[w.closed_case.reference])),
    "case: add a subject": ("coordinator", lambda w: reverse("cases:subject-add", args=[w.case.reference])),
    "case: edit a subject": (
        "coordinator",
        lambda w: reverse("cases:subject-edit", args=[w.case.reference, w.subject.pk]),
    ),
    "referral: start": ("police_referrer", lambda w: reverse("referrals:new")),
    "referral: your details": ("police_referrer", section("referrer")),
    "referral: what is happening": ("police_referrer", section("concerns")),
    "referral: checklist": ("police_referrer", section("checklist")),
    "referral: criteria": ("police_referrer", section("criteria")),
    "referral: consent": ("police_referrer", section("consent")),
    "referral: add a person": ("police_referrer", lambda w: reverse("referrals:subject-add", args=[w.draft.reference])),
    "referral: edit a person": (
        "police_referrer",
        lambda w: reverse("referrals:subject-edit", args=[w.draft.reference, w.draft_subject.pk]),
    ),
    "referral: check and send": ("police_referrer", lambda w: reverse("referrals:check", args=[w.draft.reference])),
    "referral: triage": ("coordinator", lambda w: reverse("referrals:triage", args=[w.submitted.reference])),
    "meeting: add": ("coordinator", lambda w: reverse("meetings:add")),
    "meeting: change": ("coordinator", lambda w: reverse("meetings:change", args=[w.meeting.pk])),
    "meeting: cancel": ("coordinator", lambda w: reverse("meetings:cancel", args=[w.meeting.pk])),
    "meeting: agenda": ("co_chair", lambda w: reverse("meetings:agenda", args=[w.meeting.pk])),
    "meeting: agenda item": ("co_chair", lambda w: reverse("meetings:agenda-item", args=[w.meeting.pk, w.item.pk])),
    "meeting: agency information": (
        "housing_lead",
        lambda w: reverse("meetings:information", args=[w.meeting.pk, w.item.pk]),
    ),
    "meeting: attendance": ("co_chair", lambda w: reverse("meetings:attendance", args=[w.meeting.pk])),
    "meeting: run": ("co_chair", lambda w: reverse("meetings:run", args=[w.meeting.pk]) + f"?item={w.item.pk}"),
    "meeting: minutes": ("co_chair", lambda w: reverse("meetings:minutes", args=[w.meeting.pk])),
    "action: set": ("co_chair", lambda w: reverse("actions:new", args=[w.case.reference])),
    "action: update": ("housing_lead", lambda w: w.action.get_absolute_url()),
    "action: review": ("co_chair", lambda w: reverse("actions:review", args=[w.action.pk])),
    "case: ASB Case Review threshold": ("co_chair", lambda w: reverse("cases:asb-threshold", args=[w.case.reference])),
    "meeting: remove an item": (
        "co_chair",
        lambda w: reverse("meetings:item-remove", args=[w.meeting.pk, w.item.pk]),
    ),
    "meeting: remove an invitation": (
        "co_chair",
        lambda w: reverse(
            "meetings:invitation-remove", args=[w.meeting.pk, w.item.pk, w.item.invitations.get().agency_id]
        ),
    ),
}


@pytest.mark.parametrize("name", list(PAGES))
def test_every_form_survives_arbitrary_answers(name, world, request) -> None:
    person, page = PAGES[name]
    client = Client()
    if person:
        verified_login(client, request.getfixturevalue(person))
    address = page(world)
    shown = client.get(address, follow=True)
    assert shown.status_code == 200, f"{address} answered {shown.status_code}"
    forms = forms_on(shown.content.decode())
    assert forms, f"{address} shows no form"

    # The database as it stands before each answer: only the answers change it (the audit trail of
    # views, sessions and sign-in attempts are left out), so one photograph per answer is enough.
    latest = [photograph()]

    @FUZZ
    @given(data=st.data())
    def property(data) -> None:
        form = data.draw(st.sampled_from(forms), label="form")
        answers = data.draw(fill(form), label="answers")
        response = client.post(form.action or shown.request["PATH_INFO"], answers)
        assert response.status_code < 500
        before, after = latest[0], photograph()
        latest[0] = after
        assert too_long(after) == []
        if response.status_code != 302:
            # Refused (a form error, 400, 403 or 404): nothing written, not even in part.
            assert changed(before, after) == []

    property()
