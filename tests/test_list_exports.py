"""CSV downloads of the case list, the triage list and "my referrals": what the person may see, with
the list's filters, safe to open in a spreadsheet, audited, in a fixed number of queries. And the
list filters the home page links to."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cmarac.cases.models import CaseSubject
from meetings.models import Meeting
from referrals import services as referral_services
from referrals.models import Referral
from tests.conftest import CAST
from tests.factories.cases import CaseFactory, ClosedCaseFactory, PersonFactory
from tests.factories.referrals import SubmittedReferralFactory, victim

pytestmark = pytest.mark.django_db

CASES = reverse("cases:export")
TRIAGE = reverse("referrals:export")
MINE = reverse("referrals:mine-export")


def rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "no-store" in response["Cache-Control"]
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


# --- Who may download which -------------------------------------------------------------------

# person:            cases  triage  mine
ACCESS = {
    "coordinator": (200, 200, 200),
    "co_chair": (200, 200, 200),
    "housing_lead": (200, 403, 200),
    "fire_lead": (200, 403, 200),
    "police_referrer": (200, 403, 200),
    "auditor": (200, 403, 200),
    "administrator": (200, 403, 200),
}


@pytest.mark.parametrize("person", CAST)
def test_who_may_download_which_list(person, request, as_user, housing_case, fire_case, police_referrer) -> None:
    SubmittedReferralFactory(referrer=police_referrer)
    client = as_user(request.getfixturevalue(person))
    codes = tuple(client.get(url).status_code for url in (CASES, TRIAGE, MINE))
    assert codes == ACCESS[person]


def test_the_downloads_need_signing_in(client) -> None:
    for url in (CASES, TRIAGE, MINE):
        assert client.get(url)["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("person", "expected"),
    [
        ("coordinator", {"housing", "fire"}),
        ("co_chair", {"housing", "fire"}),
        ("housing_lead", {"housing"}),
        ("fire_lead", {"fire"}),
        ("police_referrer", set()),
        ("auditor", set()),
        ("administrator", set()),
    ],
)
def test_the_case_download_holds_only_the_cases_the_person_may_see(
    person, expected, request, as_user, housing_case, fire_case
) -> None:
    names = {housing_case.reference: "housing", fire_case.reference: "fire"}
    got = rows(as_user(request.getfixturevalue(person)).get(CASES))
    assert {names[row["reference"]] for row in got} == expected


def test_my_referrals_download_holds_only_my_own(police_referrer, housing_lead, as_user) -> None:
    mine = SubmittedReferralFactory(referrer=police_referrer)
    SubmittedReferralFactory(referrer=housing_lead)
    assert [row["reference"] for row in rows(as_user(police_referrer).get(MINE))] == [mine.reference]


# --- The filters apply ------------------------------------------------------------------------


def test_the_case_download_takes_the_lists_filters(coordinator, as_user, housing_case) -> None:
    closed = ClosedCaseFactory()
    client = as_user(coordinator)
    assert [row["reference"] for row in rows(client.get(CASES))] == [housing_case.reference]  # open by default
    assert [row["reference"] for row in rows(client.get(CASES, {"status": "closed"}))] == [closed.reference]
    assert {row["reference"] for row in rows(client.get(CASES, {"status": "all"}))} == {
        housing_case.reference,
        closed.reference,
    }
    assert rows(client.get(CASES, {"risk_level": "high"})) == []
    assert rows(client.get(CASES, {"risk_level": "extreme"})) == []  # invalid: nothing, not everything


def test_the_case_download_takes_the_search_kept_in_the_session(coordinator, as_user, housing_case) -> None:
    CaseFactory()
    client = as_user(coordinator)
    response = client.post(reverse("cases:list"), {"q": "Quillfeather"})
    listed = client.get(response["Location"])
    href = re.search(r'href="(/cases/export\.csv\?[^"]*)"', listed.content.decode()).group(1).replace("&amp;", "&")
    assert "Quillfeather" not in href  # the token travels, not the name
    got = rows(client.get(href))
    assert [row["reference"] for row in got] == [housing_case.reference]
    entry = LogEntry.objects.filter(actor=coordinator, additional_data__what="Case list CSV export").latest("pk")
    assert entry.changes["criteria"]["q"] != "Quillfeather"


def test_the_triage_download_takes_the_tab_and_the_late_filter(coordinator, police_referrer, as_user) -> None:
    in_time = SubmittedReferralFactory(referrer=police_referrer)
    late = SubmittedReferralFactory(referrer=police_referrer)
    Referral.objects.filter(pk=in_time.pk).update(is_late=False)
    Referral.objects.filter(pk=late.pk).update(is_late=True)
    asked = SubmittedReferralFactory(referrer=police_referrer)
    referral_services.referral_request_information(referral=asked, by=coordinator, question="Who?", revision=None)
    client = as_user(coordinator)
    assert {row["reference"] for row in rows(client.get(TRIAGE))} == {in_time.reference, late.reference}
    assert [row["reference"] for row in rows(client.get(TRIAGE, {"tab": "waiting", "late": "1"}))] == [late.reference]
    assert [row["reference"] for row in rows(client.get(TRIAGE, {"tab": "information"}))] == [asked.reference]
    assert rows(client.get(TRIAGE, {"tab": "everything"})) == []  # invalid: nothing, not everything


def test_my_referrals_download_takes_the_status(police_referrer, coordinator, as_user) -> None:
    sent = SubmittedReferralFactory(referrer=police_referrer)
    asked = SubmittedReferralFactory(referrer=police_referrer)
    referral_services.referral_request_information(referral=asked, by=coordinator, question="Who?", revision=None)
    client = as_user(police_referrer)
    assert [row["reference"] for row in rows(client.get(MINE, {"status": "submitted"}))] == [sent.reference]
    assert [row["reference"] for row in rows(client.get(MINE, {"status": "more-information"}))] == [asked.reference]
    # An unknown filter: the page shows every referral, a download none (never more than asked).
    assert rows(client.get(MINE, {"status": "nonsense"})) == []
    assert len(client.get(reverse("referrals:mine"), {"status": "nonsense"}).context["referrals"]) == 2


# --- Columns, spreadsheet safety, audit ---------------------------------------------------------


def test_the_case_download_is_formula_safe_and_audited(coordinator, as_user) -> None:
    person = PersonFactory(given_name='=HYPERLINK("http://x","y")', family_name="Smith")
    case = CaseFactory(subjects=[(person, CaseSubject.Role.VICTIM)])
    got = rows(as_user(coordinator).get(CASES))
    assert list(got[0]) == [
        "reference", "status", "risk level", "lead agency", "opened", "closed", "repeat case",
        "ASB Case Review threshold reached", "subjects",
    ]  # fmt: skip
    assert got[0]["subjects"].startswith("'=HYPERLINK")
    entry = LogEntry.objects.filter(actor=coordinator).latest("pk")
    assert entry.additional_data["what"] == "Case list CSV export"
    assert entry.changes["shown"] == [case.reference]


def test_the_referral_downloads_are_formula_safe_and_audited(coordinator, police_referrer, as_user) -> None:
    referral = SubmittedReferralFactory(referrer=police_referrer, subjects=[victim("+SUM(A1)", "Jones")])
    got = rows(as_user(coordinator).get(TRIAGE))
    assert got[0]["subjects"].startswith("'+SUM(A1)")
    assert got[0]["referring agency"] == "Partnership Policing Team"
    entry = LogEntry.objects.filter(actor=coordinator).latest("pk")
    assert (entry.additional_data["what"], entry.changes["shown"]) == ("Referral list CSV export", [referral.reference])
    mine = rows(as_user(police_referrer).get(MINE))
    assert mine[0]["people"].startswith("'+SUM(A1)")
    entry = LogEntry.objects.filter(actor=police_referrer).latest("pk")
    assert (entry.additional_data["what"], entry.changes["shown"]) == ("My referrals CSV export", [referral.reference])


# --- Queries do not grow with rows --------------------------------------------------------------


def _download_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        b"".join(response.streaming_content)
    return len(queries)


# session, user, second-factor device, roles, the references shown, the audit entry, saving the
# session (savepoint, update, release), then while streaming: the rows and their subjects (one
# query each per 500 rows).
DOWNLOAD_QUERIES = {CASES: 11, TRIAGE: 11, MINE: 11}


@pytest.mark.parametrize("url", [CASES, TRIAGE, MINE])
def test_the_downloads_cost_the_same_queries_with_one_row_and_with_many(
    url, coordinator, police_referrer, as_user
) -> None:
    person = police_referrer if url == MINE else coordinator
    CaseFactory()
    SubmittedReferralFactory(referrer=police_referrer)
    client = as_user(person)
    with_one = _download_queries(client, url)
    for _ in range(4):
        CaseFactory()
        SubmittedReferralFactory(referrer=police_referrer)
    assert (with_one, _download_queries(client, url)) == (DOWNLOAD_QUERIES[url], DOWNLOAD_QUERIES[url])


# --- The links on the list pages ----------------------------------------------------------------


def test_the_list_pages_link_their_download_with_their_filters(coordinator, police_referrer, as_user) -> None:
    referral = SubmittedReferralFactory(referrer=police_referrer)
    Referral.objects.filter(pk=referral.pk).update(is_late=False)
    CaseFactory()
    client = as_user(coordinator)
    page = client.get(reverse("referrals:list"), {"tab": "waiting", "late": "1"}).content.decode()
    assert "Download as CSV" not in page  # nothing late: nothing to download
    page = client.get(reverse("referrals:list"), {"tab": "waiting"}).content.decode()
    assert f'href="{TRIAGE}?tab=waiting"' in page
    page = client.get(reverse("cases:list"), {"status": "all"}).content.decode()
    assert f'href="{CASES}?status=all"' in page
    mine = as_user(police_referrer).get(reverse("referrals:mine"), {"status": "submitted"}).content.decode()
    assert f'href="{MINE}?status=submitted"' in mine


# --- The filters the home page links to -------------------------------------------------------


def test_the_triage_lists_late_filter(coordinator, police_referrer, as_user) -> None:
    in_time = SubmittedReferralFactory(referrer=police_referrer)
    late = SubmittedReferralFactory(referrer=police_referrer)
    Referral.objects.filter(pk=in_time.pk).update(is_late=False)
    Referral.objects.filter(pk=late.pk).update(is_late=True, accepted_as_urgent=False)
    response = as_user(coordinator).get(reverse("referrals:list"), {"tab": "waiting", "late": "1"})
    assert [r.reference for r in response.context["referrals"]] == [late.reference]
    assert "Showing only late referrals" in response.content.decode()


def test_my_referrals_status_filter(police_referrer, as_user) -> None:
    sent = SubmittedReferralFactory(referrer=police_referrer)
    response = as_user(police_referrer).get(reverse("referrals:mine"), {"status": "draft"})
    assert list(response.context["referrals"]) == []
    assert "You have no referrals with this status" in response.content.decode()
    response = as_user(police_referrer).get(reverse("referrals:mine"), {"status": "submitted"})
    assert [r.reference for r in response.context["referrals"]] == [sent.reference]


def test_the_meeting_lists_minutes_filters(coordinator, as_user) -> None:
    def past(days: int, **fields) -> Meeting:
        starts = timezone.now() - timedelta(days=days)
        return Meeting.objects.create(starts_at=starts, scheduled_for=starts, **fields)

    draft = past(40, status=Meeting.Status.HELD)
    circulated = past(70, status=Meeting.Status.HELD, minutes_status=Meeting.MinutesStatus.CIRCULATED)
    past(100, status=Meeting.Status.MINUTES_APPROVED, minutes_status=Meeting.MinutesStatus.APPROVED)
    client = as_user(coordinator)
    response = client.get(reverse("meetings:list"), {"minutes": "to-circulate"})
    assert list(response.context["past"].object_list) == [draft]
    assert response.context["upcoming"] == []
    response = client.get(reverse("meetings:list"), {"minutes": "to-approve"})
    assert list(response.context["past"].object_list) == [circulated]
    response = client.get(reverse("meetings:list"), {"minutes": "nonsense"})
    assert len(response.context["past"].object_list) == 3
