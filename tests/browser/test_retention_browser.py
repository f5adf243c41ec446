"""In a real browser: the data protection officer finds a case due in the retention review queue,
holds it (after an error), and axe finds nothing on the queue or the hold form."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from cmarac.cases.models import Case
from cmarac.cases.services import case_close
from cmarac.governance.retention_models import RetentionHold
from tests.browser.conftest import axe_violations, describe, sign_in
from tests.factories.accounts import TEST_PASSWORD
from tests.factories.cases import CaseFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_auditor_holds_a_case_due_for_anonymisation(page: Any, auditor) -> None:
    case = case_close(case=CaseFactory(), by=None, reason="Resolved")
    long_ago = timezone.localdate() - timedelta(days=6 * 366 + 3)
    Case.objects.filter(pk=case.pk).update(closed_on=long_ago)

    sign_in(page, auditor.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.get_by_role("link", name="Manage", exact=True).click()
    page.get_by_role("link", name="Retention review").click()
    row = page.locator("tr", has_text=case.reference)
    assert "Overdue" in row.inner_text()
    violations = axe_violations(page)
    assert violations == [], describe(violations)

    row.get_by_role("link", name=f"Hold {case.reference}").click()
    page.get_by_role("button", name="Hold this record").click()
    page.locator(".govuk-error-summary").wait_for()
    violations = axe_violations(page)
    assert violations == [], describe(violations)

    page.get_by_label("Legal hold").check()
    page.get_by_label("Reason for the hold").fill("Civil proceedings are under way")
    look_again = timezone.localdate() + timedelta(days=90)
    group = page.get_by_role("group", name="Date to look again")
    for part, value in (("Day", look_again.day), ("Month", look_again.month), ("Year", look_again.year)):
        group.get_by_label(part).fill(str(value))
    page.get_by_role("button", name="Hold this record").click()
    page.wait_for_url("**/governance/retention/")
    assert "On hold" in page.locator("tr", has_text=case.reference).first.inner_text()
    assert RetentionHold.objects.active().filter(reference=case.reference, placed_by=auditor).exists()
