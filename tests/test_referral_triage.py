"""Triage pages: coordinators and co-chairs decide; nobody else sees submitted referrals."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from cmarac.cases.models import Case
from referrals.models import Referral
from tests.factories.accounts import ReferrerFactory
from tests.referral_builders import VICTIM, submitted_referral

pytestmark = pytest.mark.django_db
LIST = reverse("referrals:list")


def posted(referral: Referral, data: dict[str, object]) -> dict[str, object]:
    """The decision as the page sends it: with the revision of the referral it showed."""
    revision = Referral.objects.get(pk=referral.pk).revision
    return {"revision" if data["action"] == "decide" else f"{data['action']}-revision": revision, **data}


def triage(referral: Referral) -> str:
    return reverse("referrals:triage", args=[referral.reference])


@pytest.mark.parametrize(
    ("person", "list_status", "detail_status"),
    [
        ("coordinator", 200, 200),
        ("co_chair", 200, 200),
        ("housing_lead", 403, 403),
        ("fire_lead", 403, 403),
        ("police_referrer", 403, 403),  # even the referrer: their view is the referral page
        ("auditor", 403, 403),
        ("administrator", 403, 403),
        (None, 302, 302),
    ],
)
def test_triage_access_by_role(person, list_status, detail_status, police_referrer, request, as_user) -> None:
    referral = submitted_referral(police_referrer)
    client = as_user(request.getfixturevalue(person) if person else None)
    assert client.get(LIST).status_code == list_status
    assert client.get(triage(referral)).status_code == detail_status


def test_a_draft_is_not_reachable_for_triage(police_referrer, coordinator, as_user) -> None:
    from referrals.services import referral_start

    draft = referral_start(referrer=police_referrer)
    assert as_user(coordinator).get(triage(draft)).status_code == 404
    assert as_user(coordinator).get(reverse("referrals:triage", args=["RF-1999-0001"])).status_code == 404


def test_the_list_shows_score_level_and_meeting(police_referrer, coordinator, as_user) -> None:
    referral = submitted_referral(police_referrer, now=datetime(2026, 3, 30, 10, 1, tzinfo=ZoneInfo("Europe/London")))
    page = as_user(coordinator).get(LIST).content.decode()
    assert referral.reference in page
    assert "High" in page
    assert str(referral.score) in page
    assert "14 May 2026" in page
    assert "Late" in page


@pytest.mark.parametrize("count", [2, 20])
def test_triage_list_query_count_does_not_grow(count, police_referrer, coordinator, as_user, django_assert_num_queries):
    for _ in range(count):
        submitted_referral(police_referrer)
    client = as_user(coordinator)
    client.get(LIST)
    # session, user (with their agency, for the header), their second-factor device, role groups,
    # count, page of referrals (with agency, referrer, case), their subjects, audit entry, the tab
    # counts (one aggregate), session save (savepoint, update, release)
    with django_assert_num_queries(12):
        client.get(LIST)


def test_accept_into_a_new_case(police_referrer, coordinator, as_user) -> None:
    referral = submitted_referral(police_referrer)
    response = as_user(coordinator).post(triage(referral), posted(referral, {"action": "decide", "decision": "new"}))
    case = Case.objects.get()
    assert response["Location"] == case.get_absolute_url()
    referral.refresh_from_db()
    assert referral.case == case


def test_accept_into_a_proposed_case(police_referrer, coordinator, as_user) -> None:
    from referrals.services import referral_accept

    case = referral_accept(referral=submitted_referral(police_referrer, subjects=[VICTIM]), by=coordinator)
    second = submitted_referral(ReferrerFactory(agency=police_referrer.agency), subjects=[VICTIM])
    page = as_user(coordinator).get(triage(second)).content.decode()
    assert f'name="existing_case" type="radio" value="{case.reference}"' in page
    assert "Likely the same" in page
    as_user(coordinator).post(
        triage(second), posted(second, {"action": "decide", "decision": "existing", "existing_case": case.reference})
    )
    second.refresh_from_db()
    assert second.case == case


def test_accept_into_an_unknown_case_is_a_clear_error(police_referrer, coordinator, as_user) -> None:
    referral = submitted_referral(police_referrer)
    response = as_user(coordinator).post(
        triage(referral),
        posted(referral, {"action": "decide", "decision": "existing", "other_reference": "CM-1999-0001"}),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert "Enter the reference of an open case" in page
    assert "<title>Error:" in page
    assert Referral.objects.get(pk=referral.pk).status == "submitted"
    assert not Case.objects.exists()


def test_decline_and_request_information(police_referrer, coordinator, as_user) -> None:
    first, second = submitted_referral(police_referrer), submitted_referral(police_referrer)
    client = as_user(coordinator)
    response = client.post(triage(first), posted(first, {"action": "decide", "decision": "decline"}))
    assert "Enter why the referral is declined" in response.content.decode()
    client.post(
        triage(first),
        posted(first, {"action": "decide", "decision": "decline", "decision_reason": "Refer to the MARAC instead"}),
    )
    client.post(
        triage(second),
        posted(second, {"action": "decide", "decision": "information", "information_request": "Any children?"}),
    )
    assert Referral.objects.get(pk=first.pk).status == "declined"
    assert Referral.objects.get(pk=second.pk).status == "more-information"
    # A decided referral cannot be decided again.
    client.post(triage(first), posted(first, {"action": "decide", "decision": "new"}))
    assert not Case.objects.exists()


def test_only_co_chairs_accept_late_referrals_as_urgent(police_referrer, coordinator, co_chair, as_user) -> None:
    late = submitted_referral(police_referrer, now=datetime(2026, 3, 30, 10, 1, tzinfo=ZoneInfo("Europe/London")))
    assert as_user(coordinator).post(triage(late), posted(late, {"action": "urgent"})).status_code == 403
    as_user(co_chair).post(triage(late), posted(late, {"action": "urgent"}))
    late.refresh_from_db()
    assert (late.accepted_as_urgent, late.is_late) == (True, False)


def test_viewing_a_referral_for_triage_is_audited(police_referrer, coordinator, as_user) -> None:
    from auditlog.models import LogEntry

    referral = submitted_referral(police_referrer)
    as_user(coordinator).get(triage(referral))
    entry = LogEntry.objects.filter(actor=coordinator, action=LogEntry.Action.ACCESS).latest("pk")
    assert entry.additional_data["referral"] == referral.reference


def test_the_triage_page_says_what_a_repeat_repeats(police_referrer, coordinator, as_user) -> None:
    first = submitted_referral(police_referrer, subjects=[VICTIM])
    again = submitted_referral(police_referrer, subjects=[VICTIM])
    page = as_user(coordinator).get(triage(again)).content.decode()
    assert "Repeat of" in page
    assert f'href="{triage(first)}"' in page
    assert "Repeat of" not in as_user(coordinator).get(triage(first)).content.decode()
