"""The partnership report's page, CSV and PDF: who may open them, what they show and record."""

from __future__ import annotations

import io

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from cmarac.reports.figures import SMALL
from tests.conftest import CAST
from tests.factories.accounts import AgencyStaffFactory
from tests.factories.referrals import SubmittedReferralFactory
from tests.report_builders import at, two_quarters

pytestmark = pytest.mark.django_db

REPORT = reverse("reports:report")
PDF = reverse("reports:pdf")
ALLOWED = {"coordinator", "co_chair", "auditor"}
Q1 = {"period": "quarter", "quarter": "2026-01"}
Q1_DATES = {"period": "dates", "from_day": "1", "from_month": "1", "from_year": "2026",
            "to_day": "31", "to_month": "3", "to_year": "2026"}  # fmt: skip


def csv_url(key: str) -> str:
    return reverse("reports:csv", args=[key])


@pytest.fixture
def history(coordinator, co_chair, police, housing, fire, police_referrer, housing_lead):
    return two_quarters(
        coordinator=coordinator, co_chair=co_chair, police=police, housing=housing, fire=fire,
        police_referrer=police_referrer, housing_lead=housing_lead,
    )  # fmt: skip


def csv_lines(response) -> list[str]:
    return b"".join(response.streaming_content).decode().splitlines()


def pdf_text(response) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


@pytest.fixture
def housing_member(housing):
    return AgencyStaffFactory(email="member@housing.example", full_name="Morgan Member", agency=housing)


@pytest.fixture
def fire_member(fire):
    return AgencyStaffFactory(email="member@fire.example", full_name="Flynn Member", agency=fire)


EVERYONE = [*CAST, "housing_deputy", "housing_member", "fire_member"]


@pytest.mark.parametrize("person", EVERYONE)
def test_who_may_open_the_report(person, housing_case, request, as_user) -> None:
    """Agency staff of an involved agency (housing) and of an uninvolved one (fire) alike: 403."""
    with at(7, 15):
        client = as_user(request.getfixturevalue(person))
        expected = 200 if person in ALLOWED else 403
        assert client.get(REPORT).status_code == expected
        assert client.get(REPORT, Q1).status_code == expected
        assert client.get(csv_url("referrals-by-agency"), Q1).status_code == expected
        assert client.get(PDF, Q1).status_code == expected


def test_signed_out_visitors_are_sent_to_sign_in(client) -> None:
    assert client.get(REPORT).status_code == 302
    assert client.get(PDF).status_code == 302


def test_the_page_shows_every_table_with_its_chart_and_no_personal_data(history, co_chair, as_user) -> None:
    with at(7, 15):
        response = as_user(co_chair).get(REPORT, Q1)
    html = response.content.decode()
    assert "<title>Partnership report: January to March 2026" in html
    for key in ("referrals-by-agency", "time-to-first-hearing", "cases-by-risk", "risk-at-closure", "risk-reduction",
                "cases-by-issue", "asb-case-review", "repeat-rate", "actions-by-agency", "attendance",
                "information-shared"):  # fmt: skip
        assert f'id="{key}"' in html, key
        assert f"{csv_url(key)}?" in html, key
    # Charts: an image named by its title and described, beside its table.
    assert 'role="img" aria-labelledby="chart-referrals-by-agency-title chart-referrals-by-agency-desc"' in html
    assert '<title id="chart-referrals-by-agency-title">' in html
    # The page shows the counts as they are, small ones included.
    assert f">{SMALL}<" not in html
    for personal in (
        "Ottilie",
        "Marchbank",
        "Quentin",
        "ZR1",
        "Joint visit",
        "Discussed",
        history.cases["C1"].reference,
    ):
        assert personal not in html


def test_the_default_period_is_the_last_full_quarter(co_chair, as_user) -> None:
    with at(7, 15):
        html = as_user(co_chair).get(REPORT).content.decode()
    assert "April to June 2026" in html


@pytest.mark.parametrize(
    ("data", "message", "link"),
    [
        ({"period": "dates"}, "Enter the start date", "id_from_day"),
        ({**Q1_DATES, "from_day": "31", "from_month": "2"}, "The start date must be a real date", "id_from_day"),
        ({**Q1_DATES, "from_month": ""}, "The start date must include a month", "id_from_month"),
        ({**Q1_DATES, "to_year": "26"}, "Year must include 4 numbers", "id_to_year"),
        ({**Q1_DATES, "to_month": "x"}, "The end date must be a real date", "id_to_month"),
        ({**Q1_DATES, "from_year": "2027"}, "The end date must be the same as or after the start date", "id_to_day"),
        ({**Q1_DATES, "to_year": "2027"}, "The end date must be today or in the past", "id_to_day"),
        ({"period": "month", "month": "1999-01"}, "Select a valid choice", "id_month"),
    ],
)
def test_bad_dates_get_an_error_summary_and_no_figures(data, message, link, coordinator, as_user) -> None:
    with at(7, 15):
        response = as_user(coordinator).get(REPORT, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in html
    assert html.count(message) >= 2  # in the summary and by the field
    assert f'href="#{link}"' in html
    assert "<title>Error: Partnership report" in html
    assert 'id="referrals-by-agency"' not in html
    with at(7, 15):
        assert as_user(coordinator).get(csv_url("referrals-by-agency"), data).status_code == 404


def test_a_valid_date_range_is_reported(history, coordinator, as_user) -> None:
    with at(7, 15):
        html = as_user(coordinator).get(REPORT, Q1_DATES).content.decode()
    assert "1 January 2026 to 31 March 2026" in html
    assert 'id="referrals-by-agency"' in html


def test_the_csv_is_for_sharing_and_marked(history, coordinator, as_user) -> None:
    with at(7, 15):
        response = as_user(coordinator).get(csv_url("referrals-by-agency"), Q1)
    assert response["Content-Disposition"] == 'attachment; filename="referrals-by-agency-2026-01-01-to-2026-03-31.csv"'
    lines = csv_lines(response)
    assert lines[0] == "OFFICIAL-SENSITIVE"
    assert lines[3].startswith("Referring agency,Received,Accepted")
    assert "Partnership Policing Team,fewer than 5,fewer than 5,fewer than 5,fewer than 5,0,0,0" in lines
    assert "Total,5,fewer than 5,fewer than 5,fewer than 5,0,fewer than 5,fewer than 5" in lines


def test_only_a_co_chair_can_take_the_small_numbers_out(history, coordinator, co_chair, auditor, as_user) -> None:
    url = csv_url("referrals-by-agency")
    for person in (coordinator, auditor):
        with at(7, 15):
            lines = csv_lines(as_user(person).get(url, {**Q1, "small_numbers": "show"}))
        assert "Total,5,fewer than 5,fewer than 5,fewer than 5,0,fewer than 5,fewer than 5" in lines
        with at(7, 15):
            assert "Show small numbers" not in as_user(person).get(REPORT, Q1).content.decode()
    with at(7, 15):
        response = as_user(co_chair).get(url, {**Q1, "small_numbers": "show"})
        assert "Show small numbers" in as_user(co_chair).get(REPORT, Q1).content.decode()
    lines = csv_lines(response)
    assert "not-for-sharing" in response["Content-Disposition"]
    assert "Small numbers shown: not for sharing" in lines
    assert "Total,5,3,1,1,0,1,1" in lines


def test_an_unknown_table_is_not_found(coordinator, as_user) -> None:
    with at(7, 15):
        assert as_user(coordinator).get(csv_url("people"), Q1).status_code == 404


def test_the_pdf_is_marked_numbered_and_for_sharing(history, auditor, as_user) -> None:
    with at(7, 15):
        response = as_user(auditor).get(PDF, {**Q1, "small_numbers": "show"})
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="partnership-report-2026-01-01-to-2026-03-31.pdf"'
    text = pdf_text(response)
    assert text.count("OFFICIAL-SENSITIVE") >= 2
    assert "Page 1 of" in text
    assert "For sharing" in text
    assert "fewer than 5" in text
    assert "Referrals received, by referring agency" in text
    assert "Information shared before meetings" in text
    for personal in ("Ottilie", "Marchbank", "Ari Auditor", history.cases["C1"].reference):
        assert personal not in text


def test_a_co_chair_may_make_the_pdf_with_small_numbers(history, co_chair, as_user) -> None:
    with at(7, 15):
        response = as_user(co_chair).get(PDF, {**Q1, "small_numbers": "show"})
    text = pdf_text(response)
    assert "Not for sharing" in text
    assert "fewer than 5" not in text
    assert "not-for-sharing" in response["Content-Disposition"]


def test_every_output_is_in_the_audit_trail_without_content(history, co_chair, as_user) -> None:
    before = LogEntry.objects.count()
    with at(7, 15):
        client = as_user(co_chair)
        client.get(REPORT, Q1)
        client.get(csv_url("actions-by-agency"), {**Q1, "small_numbers": "show"})
        client.get(PDF, Q1)
    entries = list(LogEntry.objects.order_by("pk")[before:])
    reads = [
        entry for entry in entries if (entry.additional_data or {}).get("what", "").startswith("Partnership report")
    ]
    assert [entry.additional_data["what"] for entry in reads] == [
        "Partnership report (page)",
        "Partnership report (CSV actions-by-agency)",
        "Partnership report (PDF)",
    ]
    assert all(entry.actor == co_chair and entry.changes["shown"] == [] for entry in reads)
    assert reads[0].changes["criteria"] == {"from": "2026-01-01", "to": "2026-03-31", "output": "page",
                                            "small_numbers": "shown"}  # fmt: skip
    assert reads[1].changes["criteria"]["small_numbers"] == "shown"
    assert reads[2].changes["criteria"]["small_numbers"] == "suppressed"


# The page: the session, the person with their agency (for the header), their second factor and
# their roles (4); the figures (7); the audit entry (1); the session saved again (3). The CSV has no header.
PAGE_QUERIES = 15


@pytest.mark.parametrize("many", [False, True])
def test_the_page_costs_the_same_queries_however_many_rows(
    many, coordinator, co_chair, police, housing, fire, police_referrer, housing_lead, as_user,
    django_assert_num_queries,
) -> None:  # fmt: skip
    if many:
        two_quarters(coordinator=coordinator, co_chair=co_chair, police=police, housing=housing, fire=fire,
                     police_referrer=police_referrer, housing_lead=housing_lead)  # fmt: skip
        with at(2, 2):
            for _ in range(3):
                SubmittedReferralFactory(referrer=police_referrer)
    else:
        with at(2, 2):
            SubmittedReferralFactory(referrer=police_referrer)
    with at(7, 15):
        client = as_user(co_chair)
        with django_assert_num_queries(PAGE_QUERIES):
            response = client.get(REPORT, Q1)
    assert response.status_code == 200
    with at(7, 15), django_assert_num_queries(PAGE_QUERIES):
        assert client.get(csv_url("referrals-by-agency"), Q1).status_code == 200


def test_the_navigation_links_the_report_for_the_three_roles(request, as_user) -> None:
    from cmarac.web.navigation import nav_items_for

    for person in EVERYONE:
        user = request.getfixturevalue(person)
        with at(7, 15):
            response = as_user(user).get(reverse("accessibility"))
        labels = [item["label"] for item in nav_items_for(response.wsgi_request)]
        assert ("Report" in labels) == (person in ALLOWED), person
