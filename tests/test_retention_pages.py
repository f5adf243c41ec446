"""The retention review queue and hold pages: who may use them, what they show, their forms."""

from __future__ import annotations

from datetime import date

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from cmarac.cases.models import CaseSubject
from cmarac.cases.services import case_close
from cmarac.governance.retention_models import RetentionHold
from cmarac.governance.retention_services import retention_hold_save
from tests.conftest import CAST
from tests.factories.cases import CaseFactory, PersonFactory
from tests.factories.referrals import DraftReferralFactory
from tests.retention_builders import at

pytestmark = pytest.mark.django_db

QUEUE = reverse("governance:retention_queue")
ALLOWED = {"coordinator", "auditor"}


def hold_url(reference: str, kind: str = "case") -> str:
    return reverse("governance:retention_hold", args=[kind, reference])


def release_url(reference: str, kind: str = "case") -> str:
    return reverse("governance:retention_release", args=[kind, reference])


def closed_case(given_name: str = "Wilhelmina", closed: tuple[int, int, int] = (2026, 1, 15)):
    with at(*closed):
        person = PersonFactory(given_name=given_name, family_name="Pockridge", postcode="ZW4 8PX")
        case = CaseFactory(subjects=[(person, CaseSubject.Role.VICTIM)], summary=f"{given_name} is harassed")
        return case_close(case=case, by=None, reason=f"{given_name} rehoused")


def page(response) -> str:
    return response.content.decode()


@pytest.fixture
def due_case():
    """Closed 15 January 2026: due on 15 January 2032."""
    return closed_case()


@pytest.mark.parametrize("person", CAST)
def test_who_may_use_the_retention_pages(person, due_case, request, as_user) -> None:
    with at(2032, 1, 10):  # signed in on the day: a session does not outlive years of clock
        client = as_user(request.getfixturevalue(person))
        expected = 200 if person in ALLOWED else 403
        assert client.get(QUEUE).status_code == expected
        assert client.get(hold_url(due_case.reference)).status_code == expected
        data = {"grounds": "legal-hold", "reason": "Claim", "review_on": "2032-06-01", "revision": "0"}
        assert client.post(hold_url(due_case.reference), data).status_code == (302 if person in ALLOWED else 403)
        assert client.post(release_url(due_case.reference), {"release-revision": "1"}).status_code == (
            302 if person in ALLOWED else 403
        )
    assert RetentionHold.objects.filter(released_at__isnull=False).count() == (1 if person in ALLOWED else 0)


def test_signed_out_visitors_are_sent_to_sign_in(client) -> None:
    assert client.get(QUEUE).status_code == 302


def test_the_queue_shows_references_dates_and_reasons_never_names(due_case, coordinator, as_user) -> None:
    later = closed_case("Ottoline", closed=(2026, 2, 3))  # due in February 2032, not this month
    with at(2032, 1, 10):
        response = as_user(coordinator).get(QUEUE)
    html = page(response)
    assert due_case.reference in html
    assert "15 January 2032" in html
    assert "Closed on 15 January 2026" in html
    assert "Due this month" in html
    assert later.reference not in html
    for personal in ("Wilhelmina", "Pockridge", "ZW4 8PX", "harassed", "rehoused"):
        assert personal not in html
    entry = LogEntry.objects.filter(additional_data__what="Retention review queue").get()
    assert f" {due_case.reference} " in entry.changes_text
    with at(2032, 2, 10):
        html = page(as_user(coordinator).get(QUEUE))
    assert "Overdue" in html
    assert later.reference in html


def test_the_queue_lists_referrals_due_and_holds(coordinator, police_referrer, as_user) -> None:
    with at(2026, 1, 5):
        draft = DraftReferralFactory(referrer=police_referrer, concerns="About Wilhelmina")
    case = closed_case()
    with at(2032, 1, 5):
        retention_hold_save(
            kind="case", reference=case.reference, by=coordinator, grounds="legal-hold",
            reason="Claim by the Pockridge family", review_on=date(2032, 3, 1), revision=0,
        )  # fmt: skip
        html = page(as_user(coordinator).get(QUEUE))
    assert draft.reference in html
    assert "Draft last changed on 5 January 2026" in html
    assert "On hold" in html
    assert "Legal hold" in html
    assert "1 March 2032" in html
    assert "Pockridge" not in html


# session, user (with their agency), OTP device, roles; holds in force; cases due; declined
# referrals due; drafts due; the audit entry; the session saved (savepoint, update, release).
QUEUE_QUERIES = 12


@pytest.mark.parametrize("count", [1, 4])
def test_the_queue_query_count_does_not_grow(count, coordinator, police_referrer, as_user, django_assert_num_queries):
    cases = [closed_case(f"Name{n}") for n in range(count)]
    with at(2026, 1, 5):
        for _ in range(count):
            DraftReferralFactory(referrer=police_referrer)
    with at(2032, 1, 10):
        retention_hold_save(
            kind="case", reference=cases[0].reference, by=coordinator, grounds="legal-hold", reason="Claim",
            review_on=date(2032, 3, 1), revision=0,
        )  # fmt: skip
        client = as_user(coordinator)
        client.get(QUEUE)  # warm the content type cache
        with django_assert_num_queries(QUEUE_QUERIES):
            response = client.get(QUEUE)
    assert len(response.context["rows"]) == 2 * count


def test_placing_changing_and_releasing_a_hold(due_case, coordinator, auditor, as_user) -> None:
    with at(2032, 1, 10):
        client = as_user(coordinator)
        response = client.post(
            hold_url(due_case.reference),
            {"grounds": "legal-hold", "reason": "Civil claim", "review_on": "2032-06-01", "revision": "0"},
        )
        assert response["Location"] == QUEUE
        hold = RetentionHold.objects.active().get(reference=due_case.reference)
        assert (hold.grounds, hold.review_on, hold.placed_by, hold.revision) == (
            "legal-hold", date(2032, 6, 1), coordinator, 1,
        )  # fmt: skip
        form = client.get(hold_url(due_case.reference))
        assert 'name="revision" value="1"' in page(form)
        assert "Release the hold" in page(form)
        client.post(
            hold_url(due_case.reference),
            {"grounds": "ongoing-review", "reason": "Review", "review_on": "2032-07-01", "revision": "1"},
        )
        hold.refresh_from_db()
        assert (hold.grounds, hold.revision) == ("ongoing-review", 2)
        assert client.post(release_url(due_case.reference), {"release-revision": "2"})["Location"] == QUEUE
    hold.refresh_from_db()
    assert (hold.released_by, hold.revision) == (coordinator, 3)
    assert hold.released_at is not None


def test_bad_input_is_shown_in_an_error_summary_and_nothing_is_saved(due_case, coordinator, as_user) -> None:
    with at(2032, 1, 10):
        response = as_user(coordinator).post(
            hold_url(due_case.reference),
            {"grounds": "nonsense", "reason": " ", "review_on": "2032-13-40", "revision": "0"},
        )
        html = page(response)
        assert response.status_code == 200
        assert "govuk-error-summary" in html
        assert "<title>Error: " in html
        for message in ("Select why the record is held", "Enter the reason for the hold", "must be a real date"):
            assert message in html
        response = as_user(coordinator).post(
            hold_url(due_case.reference),
            {"grounds": "legal-hold", "reason": "Claim", "review_on": "2032-01-10", "revision": "0"},
        )
        assert "The date to look again must be in the future" in page(response)
    assert not RetentionHold.objects.exists()


def test_a_stale_hold_form_is_refused_with_a_clear_error(due_case, coordinator, auditor, as_user) -> None:
    with at(2032, 1, 10):
        hold = retention_hold_save(
            kind="case", reference=due_case.reference, by=auditor, grounds="legal-hold", reason="Auditor's",
            review_on=date(2032, 6, 1), revision=0,
        )  # fmt: skip
        client = as_user(coordinator)
        # A form for a new hold, shown before the auditor placed theirs.
        response = client.post(
            hold_url(due_case.reference),
            {"grounds": "other", "reason": "Coordinator's", "review_on": "2032-05-01", "revision": "0"},
        )
        assert "Someone else changed this hold" in page(response)
        assert "govuk-error-summary" in page(response)
        # A release from a page shown before the hold was changed.
        retention_hold_save(
            kind="case", reference=due_case.reference, by=auditor, grounds="legal-hold", reason="Changed",
            review_on=date(2032, 6, 1), revision=hold.revision,
        )  # fmt: skip
        response = client.post(release_url(due_case.reference), {"release-revision": str(hold.revision)})
        assert response.status_code == 200
        assert "Someone else changed this hold" in page(response)
    current = RetentionHold.objects.active().get()
    assert (current.reason, current.revision) == ("Changed", 2)


@pytest.mark.parametrize(
    ("kind", "reference"),
    [("case", "CM-1999-0001"), ("nonsense", "CM-2026-0001"), ("case", "X" * 300), ("referral", "CM-2026-0001")],
)
def test_missing_records_and_malformed_addresses_answer_404(kind, reference, due_case, coordinator, as_user):
    client = as_user(coordinator)  # on today's clock, as every test below
    assert client.get(hold_url(reference, kind)).status_code == 404
    assert client.post(release_url(reference, kind), {"release-revision": "1"}).status_code == 404


def test_malformed_forms_and_query_strings_never_fail(due_case, coordinator, as_user) -> None:
    client = as_user(coordinator)
    assert client.get(QUEUE + "?page=%ff&month=x").status_code == 200
    assert client.post(release_url(due_case.reference), {"release-revision": "x"}).status_code == 404
    assert client.post(hold_url(due_case.reference), {"revision": "-4"}).status_code == 200


def test_an_anonymised_case_cannot_be_held(due_case, coordinator, as_user) -> None:
    from cmarac.governance.retention_services import retention_apply

    with at(2032, 1, 20):
        retention_apply()
    assert as_user(coordinator).get(hold_url(due_case.reference)).status_code == 404


def test_the_queue_is_offered_to_coordinators_and_the_auditor(coordinator, auditor, co_chair, as_user) -> None:
    assert QUEUE in page(as_user(auditor).get(reverse("home")))
    assert QUEUE in page(as_user(coordinator).get(reverse("home")))
    assert QUEUE not in page(as_user(co_chair).get(reverse("home")))
