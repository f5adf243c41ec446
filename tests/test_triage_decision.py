"""Triage is one decision (GOV.UK radios with conditional reveals): accept into a new or an existing
case, ask for information with the question, or decline with the reason. What the chosen answer
needs is checked on the server; what the other answers hid is ignored. The same for the closing
reason and the panel referred to on the meeting screen."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from cmarac.cases.models import Case
from meetings import services as meeting_services
from meetings.models import AgendaItem
from referrals.models import Referral
from referrals.services import referral_accept
from tests.factories.accounts import ReferrerFactory
from tests.referral_builders import VICTIM, submitted_referral

pytestmark = pytest.mark.django_db


def triage(referral: Referral) -> str:
    return reverse("referrals:triage", args=[referral.reference])


def decide(referral: Referral, **data: str) -> dict[str, object]:
    return {"action": "decide", "revision": Referral.objects.get(pk=referral.pk).revision, **data}


def test_the_page_asks_one_question_whose_answers_reveal_what_they_need(police_referrer, coordinator, as_user):
    html = as_user(coordinator).get(triage(submitted_referral(police_referrer))).content.decode()
    assert html.count('name="action" value="decide"') == 1
    assert 'class="govuk-radios" data-module="govuk-radios"' in html
    for value, revealed in (("existing", "other_reference"), ("information", "information_request")):
        assert f'value="{value}" data-aria-controls="conditional-id_decision_' in html
        assert re.search(
            r'<div class="govuk-radios__conditional govuk-radios__conditional--hidden" '
            r'id="conditional-id_decision_\d">'
            rf'(?:(?!govuk-radios__conditional ).)*name="{revealed}"',
            html,
            re.DOTALL,
        )
    assert 'value="new" data-aria-controls' not in html  # nothing to reveal
    for gone in ("Accept referral", "Decline referral", "Ask for more information"):
        assert gone not in html


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "decision", "Select your decision"),
        ({"decision": "information"}, "information_request", "Enter what information you need"),
        ({"decision": "information", "information_request": "   "}, "information_request", "Enter what information"),
        ({"decision": "decline"}, "decision_reason", "Enter why the referral is declined"),
        ({"decision": "existing"}, "other_reference", "Enter the reference of an open case, like CM-2026-0042"),
        ({"decision": "existing", "other_reference": "CM-1999-0001"}, "other_reference", "Enter the reference"),
    ],
)
def test_what_the_answer_needs_is_checked_and_nothing_changes(
    police_referrer, coordinator, as_user, data, field, message
):
    referral = submitted_referral(police_referrer)
    response = as_user(coordinator).post(triage(referral), decide(referral, **data))
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(rf'<a href="#id_{field}(_0)?">{re.escape(message)}', html), html[:3000]
    assert "<title>Error:" in html
    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.SUBMITTED
    assert not Case.objects.exists()
    if data.get("decision"):  # the chosen answer stays open, with its question
        assert f'value="{data["decision"]}" checked' in html


def test_what_other_answers_hid_is_ignored(police_referrer, coordinator, as_user):
    referral = submitted_referral(police_referrer)
    response = as_user(coordinator).post(
        triage(referral),
        decide(referral, decision="information", information_request="Any children?", decision_reason="x" * 5000),
    )
    assert response.status_code == 302
    saved = Referral.objects.get(pk=referral.pk)
    assert (saved.status, saved.information_request, saved.decision_reason) == ("more-information", "Any children?", "")


def test_a_proposed_case_must_be_chosen_or_another_given(police_referrer, coordinator, as_user):
    case = referral_accept(referral=submitted_referral(police_referrer, subjects=[VICTIM]), by=coordinator)
    second = submitted_referral(ReferrerFactory(agency=police_referrer.agency), subjects=[VICTIM])
    client = as_user(coordinator)
    response = client.post(triage(second), decide(second, decision="existing"))
    assert '<a href="#id_existing_case_0">Select the case it should join</a>' in response.content.decode()
    # A reference typed without choosing "Another open case" is taken as that case.
    response = client.post(triage(second), decide(second, decision="existing", other_reference=case.reference.lower()))
    assert response["Location"] == case.get_absolute_url()
    assert Referral.objects.get(pk=second.pk).case == case


# --- The meeting screen's decision ---------------------------------------------------------------


@pytest.fixture
def item(housing_case, co_chair):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from tests.factories.meetings import MeetingFactory

    # Its day has come: the meeting screen's minutes form is shown from the meeting's day.
    meeting = MeetingFactory(starts_at=datetime(2026, 3, 12, 10, tzinfo=ZoneInfo("Europe/London")))
    return meeting_services.agenda_add_item(meeting=meeting, case=housing_case, item_type="review", by=co_chair)


def minutes(item: AgendaItem, **data: str) -> dict[str, object]:
    return {"risk_level": "high", "revision": AgendaItem.objects.get(pk=item.pk).revision, **data}


def post_minutes(client, item: AgendaItem, **data: str):
    return client.post(reverse("meetings:item-minutes", args=[item.meeting_id, item.pk]), minutes(item, **data))


def test_the_meeting_screen_reveals_the_closing_reason_and_the_panel(item, co_chair, as_user):
    html = as_user(co_chair).get(f"{reverse('meetings:run', args=[item.meeting_id])}?item={item.pk}").content.decode()
    assert 'value="close" data-aria-controls="conditional-id_decision_' in html
    assert 'value="refer-elsewhere" data-aria-controls="conditional-id_decision_' in html
    assert 'value="review-next" data-aria-controls' not in html
    assert html.count("govuk-radios__conditional--hidden") == 2


def test_a_referral_elsewhere_needs_the_panel_and_is_saved_as_the_decision_detail(item, co_chair, as_user):
    client = as_user(co_chair)
    response = post_minutes(client, item, decision="refer-elsewhere", decision_detail="Typed under close, then hidden")
    assert '<a href="#id_referred_to">Enter the panel it is referred to</a>' in response.content.decode()
    assert AgendaItem.objects.get(pk=item.pk).recorded_at is None
    response = post_minutes(client, item, decision="refer-elsewhere", referred_to="The MARAC: domestic abuse")
    assert response.status_code == 302
    saved = AgendaItem.objects.get(pk=item.pk)
    assert (saved.decision, saved.decision_detail) == ("refer-elsewhere", "The MARAC: domestic abuse")
    # Shown again under its own answer.
    form = client.get(f"{reverse('meetings:run', args=[item.meeting_id])}?item={item.pk}").context["form"]
    assert form["referred_to"].value() == "The MARAC: domestic abuse"


def test_closing_needs_its_reason_and_other_decisions_keep_no_reason(item, co_chair, as_user):
    client = as_user(co_chair)
    response = post_minutes(client, item, decision="close", referred_to="Hidden words")
    assert '<a href="#id_decision_detail">Enter why the case is closed</a>' in response.content.decode()
    assert Case.objects.get(pk=item.case_id).is_open
    post_minutes(client, item, decision="review-next", decision_detail="Hidden words")
    assert AgendaItem.objects.get(pk=item.pk).decision_detail == ""
