"""Edit forms on actions, cases and triage carry a revision (ADR 0007): two people load, both save,
the second is refused with a clear error and the shared banner, and nothing of theirs is saved."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from actions.models import Action
from cmarac.cases.models import Case
from referrals.models import Referral
from tests.factories.accounts import CoordinatorFactory
from tests.factories.actions import ActionFactory
from tests.referral_builders import submitted_referral
from tests.second_factor import signed_in

pytestmark = pytest.mark.django_db
BANNER = "Your changes have not been saved yet"


def refused(response, words: str) -> str:
    assert response.status_code == 200
    text = response.content.decode()
    assert words in text
    assert "govuk-error-summary" in text
    assert BANNER in text
    return text


@pytest.fixture
def second_coordinator(coordinator):
    return CoordinatorFactory(email="second@cs.example", full_name="Sasha Second", agency=coordinator.agency)


# --- Actions: review (carry forward, reassign, close) -----------------------------------------


@pytest.fixture
def action(housing_case, housing, co_chair) -> Action:
    return ActionFactory(case=housing_case, owner=housing, by=co_chair, description="Visit the victim at home")


def review_data(shown: int, decision: str, **data: object) -> dict[str, object]:
    return {"revision": shown, "decision": decision, "shown": decision, **data}


def shown_review_revision(client: Client, action: Action) -> int:
    return int(client.get(reverse("actions:review", args=[action.pk])).context["form"]["revision"].value())


def test_reviewing_an_action_someone_just_carried_forward(action, co_chair, coordinator) -> None:
    first, second = signed_in(co_chair), signed_in(coordinator)
    one, two = shown_review_revision(first, action), shown_review_revision(second, action)
    path = reverse("actions:review", args=[action.pk])
    new_due = action.due_on + timedelta(days=14)
    assert first.post(path, review_data(one, "carry-forward", due_on=new_due.isoformat())).status_code == 302
    later_due = action.due_on + timedelta(days=28)
    text = refused(
        second.post(path, review_data(two, "carry-forward", due_on=later_due.isoformat())),
        "Someone else updated this action",
    )
    assert f"{new_due:%-d %B %Y}" in text  # saved now
    action.refresh_from_db()
    assert action.due_on == new_due


def test_reassigning_an_action_someone_just_closed(action, co_chair, coordinator, police) -> None:
    first, second = signed_in(co_chair), signed_in(coordinator)
    one, two = shown_review_revision(first, action), shown_review_revision(second, action)
    path = reverse("actions:review", args=[action.pk])
    closing = review_data(one, "close", close_status="not-possible", close_reason="Tenant moved away")
    assert first.post(path, closing).status_code == 302
    response = second.post(path, review_data(two, "reassign", owner=police.pk, reason="Police lead now"))
    # Closed meanwhile: the review page is no longer offered, and nothing is reassigned.
    assert response.status_code == 403
    action.refresh_from_db()
    assert (action.status, action.owner_id) == ("not-possible", action.owner.pk)


def test_closing_an_action_someone_just_reassigned(action, co_chair, coordinator, police) -> None:
    first, second = signed_in(co_chair), signed_in(coordinator)
    one, two = shown_review_revision(first, action), shown_review_revision(second, action)
    path = reverse("actions:review", args=[action.pk])
    assert first.post(path, review_data(one, "reassign", owner=police.pk, reason="Police lead now")).status_code == 302
    closing = review_data(two, "close", close_status="not-done", close_reason="No capacity")
    refused(second.post(path, closing), "Someone else updated this action")
    action.refresh_from_db()
    assert action.is_open
    assert action.owner == police


# --- Cases: close and reopen ----------------------------------------------------------------


def shown_last_seen(client: Client, name: str, case: Case) -> str:
    return client.get(reverse(name, args=[case.reference])).context["form"]["last_seen"].value()


def test_closing_a_case_someone_just_closed_and_reopened(housing_case, coordinator, co_chair) -> None:
    first, second = signed_in(coordinator), signed_in(co_chair)
    seen_first = shown_last_seen(first, "cases:close", housing_case)
    seen_second = shown_last_seen(second, "cases:close", housing_case)
    close = reverse("cases:close", args=[housing_case.reference])
    assert first.post(close, {"reason": "Risk has reduced", "last_seen": seen_first}).status_code == 302
    reopen = reverse("cases:reopen", args=[housing_case.reference])
    seen_again = shown_last_seen(first, "cases:reopen", housing_case)
    assert first.post(reopen, {"reason": "New incidents", "last_seen": seen_again}).status_code == 302
    refused(
        second.post(close, {"reason": "Perpetrator evicted", "last_seen": seen_second}),
        "Someone else changed this case",
    )
    case = Case.objects.get(pk=housing_case.pk)
    assert case.is_open
    assert case.closure_reason == ""


def test_closing_a_case_someone_just_closed(housing_case, coordinator, co_chair) -> None:
    first, second = signed_in(coordinator), signed_in(co_chair)
    seen_first = shown_last_seen(first, "cases:close", housing_case)
    seen_second = shown_last_seen(second, "cases:close", housing_case)
    close = reverse("cases:close", args=[housing_case.reference])
    assert first.post(close, {"reason": "Risk has reduced", "last_seen": seen_first}).status_code == 302
    text = refused(
        second.post(close, {"reason": "Perpetrator evicted", "last_seen": seen_second}),
        "Someone else changed this case",
    )
    assert "Closed" in text
    assert Case.objects.get(pk=housing_case.pk).closure_reason == "Risk has reduced"


# --- Referral triage --------------------------------------------------------------------------


def shown_triage_revision(client: Client, referral: Referral, form: str) -> int:
    response = client.get(reverse("referrals:triage", args=[referral.reference]))
    return int(response.context["forms"][form]["revision"].value())


def test_deciding_on_a_referral_that_changed_since_the_page_was_shown(
    police_referrer, coordinator, second_coordinator
) -> None:
    from referrals import services

    referral = submitted_referral(police_referrer)
    first = signed_in(coordinator)
    shown = shown_triage_revision(first, referral, "decide")
    # Meanwhile a colleague asks for information and the referrer sends it back, changed.
    services.referral_request_information(referral=referral, by=second_coordinator, question="Any children?")
    referral.refresh_from_db()
    referral = services.referral_update(
        referral=referral, by=police_referrer, revision=referral.revision, fields={"chronology": "A fourth report."}
    )
    referral = services.referral_submit(referral=referral, by=police_referrer, revision=referral.revision)
    path = reverse("referrals:triage", args=[referral.reference])
    text = refused(
        first.post(path, {"action": "decide", "revision": shown, "decision": "decline", "decision_reason": "Not ASB"}),
        "Version of the referral",
    )
    assert "Not ASB" in text  # the entry is kept
    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.SUBMITTED


def test_two_coordinators_deciding_at_once(police_referrer, coordinator, second_coordinator) -> None:
    referral = submitted_referral(police_referrer)
    first, second = signed_in(coordinator), signed_in(second_coordinator)
    one = shown_triage_revision(first, referral, "decide")
    two = shown_triage_revision(second, referral, "decide")
    path = reverse("referrals:triage", args=[referral.reference])
    decline = {"action": "decide", "revision": one, "decision": "decline", "decision_reason": "Not ASB"}
    response = first.post(path, decline)
    assert response.status_code == 302
    response = second.post(path, {"action": "decide", "revision": two, "decision": "new"}, follow=True)
    assert "already been dealt with" in response.content.decode()
    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.DECLINED
    assert not Case.objects.exists()


def test_the_services_refuse_a_stale_revision_under_a_row_lock(housing_case, co_chair, action) -> None:
    from actions.services import StaleAction, action_carry_forward

    stale = action.revision
    action_carry_forward(action=action, by=co_chair, due_on=action.due_on + timedelta(days=7), revision=stale)
    with pytest.raises(StaleAction):
        action_carry_forward(
            action=action, by=co_chair, due_on=timezone.localdate() + timedelta(days=90), revision=stale
        )
