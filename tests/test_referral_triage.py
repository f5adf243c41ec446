"""Triage pages: coordinators and co-chairs decide; nobody else sees submitted referrals."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from cmarac.cases.models import Case
from cmarac.core import pagination
from referrals.models import Referral
from referrals.services import referral_accept, referral_decline, referral_request_information
from tests.factories.accounts import ReferrerFactory
from tests.factories.referrals import DraftReferralFactory
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


# session, user (with their agency, for the header), their second-factor device, role groups, the
# page's ids (which give the count), the page's referrals (with their agency), their subjects, the
# audit entry, the waiting and information counts (one aggregate), the decided count (bounded; on
# the decided tab the page's own count), session save (savepoint, update, release)
LIST_QUERIES = {"waiting": 13, "information": 13, "decided": 12}


@pytest.mark.parametrize("tab", LIST_QUERIES)
@pytest.mark.parametrize("count", [2, 20])
def test_triage_list_query_count_does_not_grow(
    count, tab, police_referrer, coordinator, as_user, django_assert_num_queries
):
    for _ in range(count):
        referral = submitted_referral(police_referrer)
        if tab == "information":
            referral_request_information(referral=referral, by=coordinator, question="Any children?")
        elif tab == "decided":
            referral_decline(referral=referral, by=coordinator, reason="Below the threshold.")
    client = as_user(coordinator)
    client.get(LIST, {"tab": tab})
    with django_assert_num_queries(LIST_QUERIES[tab]):
        response = client.get(LIST, {"tab": tab})
    assert len(response.context["referrals"]) == count


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


# --- The tabs: their orders, their counts, what each person sees -------------------------------

EXPORT = reverse("referrals:export")


def decided(referrer, by, *, days_ago: int, accept: bool = False) -> Referral:
    """A referral accepted or declined `days_ago` days ago."""
    referral = submitted_referral(referrer)
    if accept:
        referral_accept(referral=referral, by=by)
    else:
        referral_decline(referral=referral, by=by, reason="Below the threshold.")
    Referral.objects.filter(pk=referral.pk).update(decided_at=timezone.now() - timedelta(days=days_ago))
    return Referral.objects.get(pk=referral.pk)


def heard_in(referral: Referral, days: int) -> Referral:
    Referral.objects.filter(pk=referral.pk).update(meeting_date=timezone.now() + timedelta(days=days))
    return referral


def shown(client, **params: str) -> list[str]:
    response = client.get(LIST, params)
    assert response.status_code == 200
    return [referral.reference for referral in response.context["referrals"]]


def downloaded(client, **params: str) -> list[str]:
    response = client.get(EXPORT, params)
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    return [row["reference"] for row in csv.DictReader(io.StringIO(text))]


@pytest.fixture
def every_status(police_referrer, coordinator) -> dict[str, list[Referral]]:
    """Referrals in each tab, in the order each tab shows them, and a draft no tab shows."""
    waiting = [heard_in(submitted_referral(police_referrer), days) for days in (30, 2, 9)]
    asked = [heard_in(submitted_referral(police_referrer), days) for days in (5, 1)]
    for referral in asked:
        referral_request_information(referral=referral, by=coordinator, question="Any children?")
    old = decided(police_referrer, coordinator, days_ago=40, accept=True)
    recent = decided(police_referrer, coordinator, days_ago=1)
    middle = decided(police_referrer, coordinator, days_ago=10)
    # Decided at the same moment: the later one (higher id) first.
    same = [decided(police_referrer, coordinator, days_ago=20) for _ in range(2)]
    Referral.objects.filter(pk__in=[r.pk for r in same]).update(decided_at=same[0].decided_at)
    draft = DraftReferralFactory(referrer=ReferrerFactory(agency=police_referrer.agency))
    return {
        "waiting": [waiting[1], waiting[2], waiting[0]],  # the oldest meeting (the soonest heard) first
        "information": [asked[1], asked[0]],
        "decided": [recent, middle, same[1], same[0], old],  # the most recently decided first
        "draft": [draft],
    }


@pytest.mark.parametrize("person", ["coordinator", "co_chair"])
def test_each_tab_shows_its_referrals_in_its_order(person, every_status, request, as_user) -> None:
    """Waiting and more information: the oldest meeting first. Decided: the most recently decided
    first, what a co-chair looking back expects. Each person of the panel sees every referral sent,
    never a draft."""
    client = as_user(request.getfixturevalue(person))
    for tab in ("waiting", "information", "decided"):
        assert shown(client, tab=tab) == [referral.reference for referral in every_status[tab]], tab
    page = client.get(LIST, {"tab": "decided"}).content.decode()
    assert "Waiting for triage (3)" in page
    assert "More information requested (2)" in page
    assert "Decided (5)" in page
    assert "5 referrals" in page
    assert "More than" not in page
    assert every_status["draft"][0].reference not in page


def test_the_triage_page_reads_the_referrals_people_once(police_referrer, coordinator, as_user) -> None:
    """The proposed matches are worked out from the referral's people, and the page lists them:
    one reading of them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    referral = submitted_referral(police_referrer)
    client = as_user(coordinator)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("referrals:triage", args=[referral.reference]))
    assert response.status_code == 200
    read = [q["sql"] for q in queries.captured_queries if 'FROM "referrals_referralsubject"' in q["sql"]]
    assert len(read) == 1, read
    for subject in referral.subjects.all():
        assert subject.full_name in response.content.decode()


def test_the_decided_tab_says_each_decision_and_when(every_status, coordinator, as_user) -> None:
    from cmarac.core.dates import long_date

    client = as_user(coordinator)
    page = client.get(LIST, {"tab": "decided"}).content.decode()
    assert ">Decision</th>" in page
    for referral in every_status["decided"]:
        referral.refresh_from_db()
        assert f"{referral.get_status_display()}, {long_date(referral.decided_at, 'short')}" in page
    assert "Accepted, " in page
    assert "Declined, " in page
    assert ">Decision</th>" not in client.get(LIST, {"tab": "waiting"}).content.decode()


def test_each_tabs_download_holds_the_pages_rows_in_the_pages_order(every_status, coordinator, as_user) -> None:
    client = as_user(coordinator)
    late = every_status["waiting"][1]
    Referral.objects.filter(pk__in=[r.pk for r in every_status["waiting"]]).update(is_late=True)
    Referral.objects.filter(pk=late.pk).update(accepted_as_urgent=True)
    for params in ({"tab": "waiting"}, {"tab": "waiting", "late": "1"}, {"tab": "information"}, {"tab": "decided"}):
        page = shown(client, **params)
        assert page, params
        assert downloaded(client, **params) == page, params
    assert late.reference not in shown(client, tab="waiting", late="1")


def test_the_triage_list_is_not_for_a_referrer_nor_an_agency(every_status, police_referrer, housing_lead, as_user):
    for person in (police_referrer, housing_lead):
        client = as_user(person)
        for tab in ("waiting", "information", "decided"):
            assert client.get(LIST, {"tab": tab}).status_code == 403
            assert client.get(EXPORT, {"tab": tab}).status_code == 403


def test_the_decided_count_is_bounded_as_the_other_lists(police_referrer, coordinator, as_user, monkeypatch) -> None:
    """Past the cap, the decided tab and its caption say "more than" and the pagination leads on;
    the waiting and information counts stay exact."""
    monkeypatch.setattr(pagination, "COUNT_CAP", 1)
    monkeypatch.setattr(pagination, "PAGES_AHEAD", 0)
    every = [decided(police_referrer, coordinator, days_ago=days) for days in range(1, 27)]
    waiting = submitted_referral(police_referrer)
    client = as_user(coordinator)
    page = client.get(LIST, {"tab": "decided"}).content.decode()
    assert "More than 25 referrals" in page
    assert "Decided (more than 25)" in page
    assert "page=2" in page
    assert every[0].reference in page
    assert every[-1].reference not in page
    page = client.get(LIST, {"tab": "decided", "page": 2}).content.decode()
    assert "26 referrals" in page
    assert "Decided (26)" in page
    assert "More than" not in page
    assert every[-1].reference in page
    page = client.get(LIST).content.decode()  # the waiting tab counts the decided ones bounded too
    assert "Waiting for triage (1)" in page
    assert "Decided (more than 25)" in page
    assert "1 referral<" in page
    assert waiting.reference in page
    assert len(downloaded(client, tab="decided")) == 26  # a download holds every row, not a page
