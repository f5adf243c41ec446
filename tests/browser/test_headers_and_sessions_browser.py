"""In a real browser: the Content-Security-Policy blocks nothing the service needs (and does block
what it should), and the session timeout warning with what a person typed kept across signing in."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from actions.models import Action, ActionUpdate
from tests.browser.conftest import axe_violations, csp_violations, describe, sign_in
from tests.factories.accounts import TEST_PASSWORD
from tests.factories.actions import ActionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STORED = "() => Object.keys(sessionStorage).filter((key) => key.startsWith('cmarac-unsaved:'))"


@pytest.fixture
def action(housing_case, housing, co_chair) -> Action:
    return ActionFactory(case=housing_case, owner=housing, by=co_chair, description="Visit the victim at home")


def test_the_policy_blocks_inline_script_and_style(browser: Any, live_server: Any) -> None:
    """The listener the `page` fixture relies on does hear the policy at work."""
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    blocked = csp_violations(page)
    page.goto("/sign-in/")
    page.evaluate(
        """() => {
            const script = document.createElement('script')
            script.textContent = 'window.injected = true'
            document.body.append(script)
            document.body.insertAdjacentHTML('beforeend', '<p style="color: red">styled</p>')
        }"""
    )
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.injected") is None
    context.close()
    assert any("script-src" in message for message in blocked), blocked
    assert any("style-src" in message for message in blocked), blocked


@pytest.mark.parametrize("person", ["coordinator", "housing_lead"])
def test_the_main_pages_run_under_the_policy(page: Any, person, action, housing_case, request) -> None:
    """No violation on the pages with the most scripts and components (the fixture fails on any)."""
    user = request.getfixturevalue(person)
    sign_in(page, user.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    assert page.evaluate("() => document.body.classList.contains('govuk-frontend-supported')")
    for address in ["/", "/cases/", housing_case.get_absolute_url(), "/actions/", action.get_absolute_url()]:
        page.goto(address)
        page.wait_for_load_state("networkidle")


def open_warning(page: Any) -> None:
    page.clock.fast_forward("58:01")  # of the default 60 minutes
    dialog = page.get_by_role("dialog", name="You\u2019re about to be signed out")
    dialog.wait_for()
    assert page.evaluate("() => document.activeElement.id") == "session-timeout"
    assert "2 minutes" in dialog.inner_text()


def test_the_timeout_warning_stay_signed_in_and_sign_out_in_time(page: Any, housing_lead, action) -> None:
    page.clock.install()
    sign_in(page, housing_lead.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto(action.get_absolute_url())
    text = page.get_by_label("What has happened?")
    text.fill("Visited on Monday; no answer at the door")
    text.focus()

    open_warning(page)
    violations = axe_violations(page)
    assert violations == [], describe(violations)
    assert page.locator("[data-session-kept]").is_visible()
    assert page.evaluate(STORED)  # kept from the moment the warning opened

    page.get_by_role("button", name="Stay signed in").click()
    page.get_by_role("dialog").wait_for(state="hidden")
    assert page.evaluate("() => document.activeElement.name") == "text"  # focus back where it was
    assert page.evaluate(STORED) == []
    assert text.input_value() == "Visited on Monday; no answer at the door"

    # Ignored this time: signed out when it runs out, and back to the same page after signing in.
    open_warning(page)
    page.clock.fast_forward("02:00")
    page.wait_for_url(lambda url: "/sign-in/?next=" in url)
    assert "had not used the service for 60 minutes" in page.locator(".govuk-notification-banner").inner_text()
    assert len(page.evaluate(STORED)) == 1
    assert page.locator("[data-session-timeout]").count() == 0

    page.get_by_label("Email address", exact=True).fill(housing_lead.email)
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{action.get_absolute_url()}")
    notice = page.locator("[data-session-restored]")
    assert "What you had typed has been put back" in notice.inner_text()
    assert page.evaluate("() => document.activeElement.hasAttribute('data-session-restored')")
    assert page.get_by_label("What has happened?").input_value() == "Visited on Monday; no answer at the door"
    assert page.evaluate(STORED) == []  # put back once only

    page.get_by_label("In progress", exact=True).check()
    page.get_by_role("button", name="Save update").click()
    page.locator(".govuk-notification-banner--success").wait_for()
    assert ActionUpdate.objects.get().text == "Visited on Monday; no answer at the door"
    assert page.evaluate(STORED) == []


def test_signing_out_forgets_what_was_kept(page: Any, housing_lead, action) -> None:
    page.clock.install()
    sign_in(page, housing_lead.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto(action.get_absolute_url())
    page.get_by_label("What has happened?").fill("Words about someone")
    open_warning(page)
    assert page.evaluate(STORED)
    page.get_by_role("dialog").get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in/")
    assert page.evaluate(STORED) == []


def test_pages_without_forms_do_not_promise_to_keep_anything(page: Any, housing_lead) -> None:
    page.clock.install()
    sign_in(page, housing_lead.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto(reverse("accessibility"))
    open_warning(page)
    assert not page.locator("[data-session-kept]").is_visible()
    assert page.evaluate(STORED) == []


def test_a_session_renewed_in_another_tab_is_not_warned_about(page: Any, housing_lead) -> None:
    page.clock.install()
    sign_in(page, housing_lead.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto(reverse("cases:list"))
    page.clock.fast_forward("30:00")
    other = page.context.new_page()
    other.goto(reverse("home"))  # renews the session for another 60 minutes
    page.clock.fast_forward("28:01")  # 58 minutes after the first tab's page loaded
    page.clock.run_for(2000)
    assert not page.get_by_role("dialog").is_visible()
    page.clock.fast_forward("30:00")  # 58 minutes after the other tab's request
    page.get_by_role("dialog", name="You\u2019re about to be signed out").wait_for()
