"""A real Chromium driven by Playwright, and axe-core loaded from node_modules."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.services import chromium_path, require

# Playwright's sync API runs an event loop in the test thread; the test's own
# database calls are still synchronous, so Django's async guard is lifted here only.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    path = chromium_path()
    require(path, "Chromium (install Debian's chromium package or set CHROMIUM_PATH)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def csp_violations(page: Any) -> list[str]:
    """Start collecting what the Content-Security-Policy blocks on this page (console messages)."""
    blocked: list[str] = []
    page.on(
        "console",
        lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None,
    )
    return blocked


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    """A page with the Content-Security-Policy enforced; a test fails if the policy blocks anything."""
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    blocked = csp_violations(page)
    yield page
    context.close()
    assert blocked == [], "the Content-Security-Policy blocked something:\n" + "\n".join(blocked)


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core against the page for WCAG 2.0/2.1/2.2 A and AA and axe's best practices
    (landmarks, headings, regions); return the violations."""
    require(AXE.exists(), "axe-core (run npm ci)")
    # Evaluated through the DevTools protocol, not added as an inline <script>, which the page's
    # Content-Security-Policy would (rightly) block: the page is tested as served.
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    result = page.evaluate("async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    return [violation for violation in map(_without_known_issues, result["violations"]) if violation["nodes"]]


def _without_known_issues(violation: dict[str, Any]) -> dict[str, Any]:
    """GOV.UK Frontend's conditional reveals put aria-expanded on the radio that reveals a question:
    invalid by the ARIA spec, kept on purpose because screen readers announce it (a documented
    known issue: https://github.com/alphagov/govuk-frontend/issues/979). Only that is set aside."""
    if violation["id"] != "aria-allowed-attr":
        return violation
    nodes = [
        node
        for node in violation["nodes"]
        if not (
            'class="govuk-radios__input"' in node["html"]
            and "aria-expanded" in node["html"]
            and all("aria-expanded" in check["message"] for check in node["any"] + node["all"] + node["none"])
        )
    ]
    return {**violation, "nodes": nodes}


def overflow_at(page: Any, width: int = 320) -> int:
    """How many CSS pixels the page scrolls sideways at this viewport width (WCAG 1.4.10 reflow:
    0 at 320px, where only a table's own scrolling box may scroll)."""
    size = page.viewport_size
    page.set_viewport_size({"width": width, "height": 640})
    try:
        return page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    finally:
        if size:
            page.set_viewport_size(size)


def describe(violations: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}" for v in violations
    )


def sign_in(page: Any, email: str, password: str) -> None:
    """Sign in as a person does: email and password, then a code from their authenticator app
    (computed from the device's key, as the app would). A wrong password stays on the sign-in page."""
    from cmarac.accounts.models import User
    from tests.factories.second_factor import totp_code
    from tests.second_factor import authenticator_app_for

    user = User.objects.filter(email__iexact=email).first()
    app = authenticator_app_for(user) if user is not None else None
    page.goto("/sign-in/")
    page.get_by_label("Email address", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    if app is None or "/second-factor/" not in page.url:
        return
    page.get_by_label("Code", exact=True).fill(totp_code(app))
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
