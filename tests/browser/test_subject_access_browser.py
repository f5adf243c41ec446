"""In a real browser: the demo's auditor finds a demo person, makes an export for a request, and
the PDF holds every record naming them and nothing about the other cases. Axe on each page."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.utils import timezone

from actions.models import Action
from cmarac.accounts.models import Agency
from cmarac.cases.models import Case, CaseSubject, Person
from cmarac.core.dates import long_date
from meetings.models import AgencyInformation, AgendaItem
from referrals.models import Referral
from tests.browser.conftest import axe_violations, describe, sign_in
from tests.factories.accounts import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(settings, tmp_path) -> Person:
    settings.PRIVATE_FILES_DIR = tmp_path / "private"
    settings.DEMO_DATA_ALLOWED = True
    call_command("seed_demo")
    # The demo's victim of suspected cuckooing: on a case with another subject, on the next agenda.
    return Person.objects.get(given_name="Marnie", family_name="Ellwood")


def pdf_pages(path: Path) -> list[str]:
    """Each page's text in the order it was drawn (so the watermark does not break lines up)."""
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext (install poppler-utils)")
    # A fixed program, run on the file this test downloaded.
    text = subprocess.run(  # noqa: S603
        [pdftotext, "-raw", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True, text=True
    )
    return [" ".join(page.split()) for page in text.stdout.split("\f") if page.strip()]


def check_axe(page: Any) -> None:
    violations = axe_violations(page)
    assert violations == [], describe(violations)


def test_an_export_for_a_demo_person_holds_their_records_and_no_others(page: Any, demo: Person) -> None:
    person = demo
    case_ids = set(CaseSubject.objects.filter(person=person).values_list("case_id", flat=True))
    theirs = set(Case.objects.filter(pk__in=case_ids).values_list("reference", flat=True))
    others = set(Case.objects.exclude(pk__in=case_ids).values_list("reference", flat=True))
    referrals = set(Referral.objects.filter(subjects__person=person).values_list("reference", flat=True))
    items = list(AgendaItem.objects.filter(case_id__in=case_ids).select_related("case", "meeting"))
    actions = list(Action.objects.filter(case_id__in=case_ids).select_related("case"))
    information = list(AgencyInformation.objects.filter(item__in=items).select_related("agency"))
    strangers = set(
        Person.objects.exclude(case_roles__case_id__in=case_ids).values_list("family_name", flat=True)
    ) - set(Person.objects.filter(case_roles__case_id__in=case_ids).values_list("family_name", flat=True))
    # The demo gives the test something to check.
    for found in (theirs, others, items, actions, strangers):
        assert found

    sign_in(page, "auditor@demo.cmarac.test", django_settings.DEMO_PASSWORD)
    page.wait_for_url("**/")
    page.get_by_role("link", name="Subject access requests").click()
    page.wait_for_url("**/governance/subject-access/")
    check_axe(page)

    # A search with nothing in it is an error on the page.
    page.get_by_role("button", name="Search").click()
    page.get_by_text("Enter a name, a date of birth or a postcode").first.wait_for()
    check_axe(page)

    page.get_by_label("Name").fill("ellwood")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r".*/governance/subject-access/\?search=[\w-]+$"))
    assert "ellwood" not in page.url.lower()
    page.get_by_text("1 person found").wait_for()
    check_axe(page)

    # Without a request reference the export is refused, with the error summary.
    page.get_by_label("Marnie Ellwood").check()
    page.get_by_role("button", name="Make an export").click()
    page.get_by_text("Enter the reference of the subject access request").first.wait_for()
    check_axe(page)
    page.get_by_label("Marnie Ellwood").check()
    page.get_by_label("Request reference").fill("SAR-DEMO-001")
    page.get_by_role("button", name="Make an export").click()
    page.wait_for_url("**/governance/subject-access/exports/*/")
    link = page.get_by_role("link", name="Download the PDF")
    link.wait_for()
    check_axe(page)

    with page.expect_download() as download:
        link.click()
    pages = pdf_pages(Path(download.value.path()))
    for number, text in enumerate(pages, start=1):
        assert text.count("OFFICIAL-SENSITIVE") >= 2, number
        assert "Prepared for Frankie Oduya" in text, number
        assert f"Page {number} of {len(pages)}" in text, number
    text = " ".join(pages)
    assert "SAR-DEMO-001" in text
    for reference in theirs | referrals:
        assert reference in text, reference
    for item in items:
        assert f"{item.case.reference} at the meeting of {long_date(item.meeting.starts_at)}" in text
    for action in actions:
        assert f"action {action.pk} on {action.case.reference}" in text
        assert " ".join(action.description.split()) in text
    for info in information:
        assert f"{info.agency.name} on" in text
    for reference in others:
        assert reference not in text, reference
    for name in strangers:
        assert name not in text, name

    page.get_by_role("link", name="Back to your exports").click()
    page.get_by_role("link", name="SAR-DEMO-001").wait_for()
    check_axe(page)


def test_the_sharing_agreements_page_and_the_coordinators_warning(page: Any, coordinator: Any, police: Agency) -> None:
    # Made here, not seeded: the demo takes seconds to seed, and this page needs one lapsed agency.
    renew_by = timezone.localdate() - timedelta(days=12)
    police.sharing_agreement_signed_on = police.confidentiality_statement_signed_on = renew_by - timedelta(days=365)
    police.sharing_agreement_renew_by = renew_by
    police.save()
    sign_in(page, coordinator.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.get_by_text(f"Information sharing agreement lapsed: {police.name}.").wait_for()
    check_axe(page)
    page.get_by_role("link", name="See the agreements").click()
    page.wait_for_url("**/governance/sharing/")
    page.get_by_role("row", name=re.compile(f"{police.name}.*Lapsed")).wait_for()
    check_axe(page)
