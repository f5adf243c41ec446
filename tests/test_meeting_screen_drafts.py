"""The meeting screen keeps typed minutes: "Set an action" (and, with JavaScript, the side navigation
and previous/next links) keeps them as a draft, not recorded and not applied to the case, and the
screen shows them again; recording the minutes clears the draft; a stale draft is refused on saving."""
# ruff: noqa: F811 (the fixtures imported from test_meeting_pages are arguments of the tests)

from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from cmarac.cases.models import Case
from meetings import services
from meetings.models import AgendaItem
from tests.factories.cases import CaseFactory
from tests.factories.meetings import MeetingFactory
from tests.test_meeting_pages import item, minutes_data, page, url  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting():
    """Its day has come: the meeting screen's minutes form is shown only from the meeting's day."""
    return MeetingFactory(starts_at=datetime(2026, 3, 12, 10, tzinfo=ZoneInfo("Europe/London")))


def test_set_an_action_keeps_the_typed_minutes_and_comes_back_to_them(meeting, item, co_chair, as_user) -> None:
    client = as_user(co_chair)
    data = {
        **minutes_data(item, discussion="Typed, not yet saved", risk_level="very-high", decision="close"),
        "next_review_on_day": "3",
        "next_review_on_month": "",
        "next_review_on_year": "2030",
        "then": "action",
    }
    response = client.post(url("item-minutes", meeting, item), data)
    target = urlsplit(response["Location"])
    assert target.path == reverse("actions:new", args=[item.case.reference])
    query = parse_qs(target.query)
    screen = f"{url('run', meeting)}?item={item.pk}"
    assert query == {"item": [str(item.pk)], "next": [screen]}

    saved = AgendaItem.objects.get(pk=item.pk)
    assert saved.recorded_at is None  # a draft: not recorded...
    assert saved.discussion == ""
    assert Case.objects.get(pk=item.case_id).is_open  # ...and not applied to the case
    assert saved.minutes_draft["values"]["discussion"] == "Typed, not yet saved"
    assert saved.minutes_draft["revision"] == item.revision

    back = client.get(screen)
    form = back.context["form"]
    assert form["discussion"].value() == "Typed, not yet saved"
    assert form["risk_level"].value() == "very-high"
    assert form["next_review_on"].value() == ["3", "", "2030"]  # half a date comes back as typed
    html = page(back)
    assert "Typed, not yet saved" in html
    assert "were kept and are in the form below" in html


def test_recording_the_minutes_clears_the_draft(meeting, item, co_chair, as_user) -> None:
    client = as_user(co_chair)
    client.post(url("item-minutes", meeting, item), {**minutes_data(item, discussion="First go"), "then": "action"})
    response = client.post(url("item-minutes", meeting, item), minutes_data(item, discussion="Recorded"))
    assert response.status_code == 302
    saved = AgendaItem.objects.get(pk=item.pk)
    assert (saved.discussion, saved.minutes_draft) == ("Recorded", {})
    assert "were kept" not in page(client.get(f"{url('run', meeting)}?item={item.pk}"))


def test_a_link_followed_with_minutes_typed_keeps_them_and_opens_the_link(meeting, item, co_chair, as_user) -> None:
    second = services.agenda_add_item(meeting=meeting, case=CaseFactory(), item_type="new", by=co_chair)
    there = f"{url('run', meeting)}?item={second.pk}"
    response = as_user(co_chair).post(
        url("item-minutes", meeting, item), {**minutes_data(item, discussion="Half a thought"), "then": there}
    )
    assert response["Location"] == there
    assert AgendaItem.objects.get(pk=item.pk).minutes_draft["values"]["discussion"] == "Half a thought"


@pytest.mark.parametrize("then", ["https://elsewhere.example/", "//elsewhere.example/", "javascript:alert(1)", "x"])
def test_a_draft_never_sends_anyone_off_the_service(meeting, item, co_chair, as_user, then) -> None:
    response = as_user(co_chair).post(url("item-minutes", meeting, item), {**minutes_data(item), "then": then})
    assert response.status_code == 400
    assert AgendaItem.objects.get(pk=item.pk).minutes_draft == {}


def test_a_draft_too_long_to_keep_is_refused_with_the_form_errors(meeting, item, co_chair, as_user) -> None:
    data = {**minutes_data(item, discussion="x" * 20_001), "then": "action"}
    response = as_user(co_chair).post(url("item-minutes", meeting, item), data)
    assert response.status_code == 200
    assert "govuk-error-summary" in page(response)
    assert AgendaItem.objects.get(pk=item.pk).minutes_draft == {}


@pytest.mark.parametrize("who", ["housing_lead", "fire_lead", "police_referrer", "auditor", "administrator"])
def test_only_the_chairs_keep_drafts(meeting, item, as_user, request, who) -> None:
    response = as_user(request.getfixturevalue(who)).post(
        url("item-minutes", meeting, item), {**minutes_data(item), "then": "action"}
    )
    assert response.status_code in (403, 404)
    assert AgendaItem.objects.get(pk=item.pk).minutes_draft == {}


def test_a_draft_typed_before_someone_else_recorded_is_refused_on_saving(
    meeting, item, coordinator, co_chair, as_user
) -> None:
    client = as_user(co_chair)
    client.post(url("item-minutes", meeting, item), {**minutes_data(item, discussion="Mine"), "then": "action"})
    services.item_minutes_record(
        item=item,
        by=coordinator,
        revision=item.revision,
        discussion="The coordinator's",
        risk_level="medium",
        lead_agency=None,
        lead_officer=None,
        decision="",
    )
    # The co-chair's draft stays, typed against the earlier revision...
    screen = client.get(f"{url('run', meeting)}?item={item.pk}")
    form = screen.context["form"]
    assert form["discussion"].value() == "Mine"
    assert form["revision"].value() == item.revision
    # ...so saving it shows both versions instead of silently replacing the coordinator's.
    data = minutes_data(item, discussion="Mine", revision=item.revision)
    response = client.post(url("item-minutes", meeting, item), data)
    assert "Someone else saved changes here" in page(response)
    assert AgendaItem.objects.get(pk=item.pk).discussion == "The coordinator's"


def test_the_action_table_comes_before_the_save_button(meeting, item, co_chair, as_user) -> None:
    html = page(as_user(co_chair).get(f"{url('run', meeting)}?item={item.pk}"))
    assert (
        html.index('<h3 class="govuk-heading-m">Actions</h3>')
        < html.index("Save minutes")
        < html.index('value="action"')
    )
    assert 'data-keep-draft="minutes-form"' in html
