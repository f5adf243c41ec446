"""In a real browser: one page of every kind the demo's people reach by following links (the
crawl of tests/test_crawl.py) has no accessibility problem axe-core finds, fits a 320-pixel-wide
screen, and runs under the page's Content-Security-Policy with nothing blocked.

The pages a test names are checked where they are made; this finds the page nobody named."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from cmarac.accounts.models import User
from cmarac.web.demo import PEOPLE
from tests.browser.conftest import axe_violations, describe, overflow_at
from tests.second_factor import signed_in
from tests.test_crawl import crawl, kind_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The Django admin is Django's own (configuration only, ADR 14), not the service's pages.
NOT_CHECKED = ("/admin/",)


def test_one_page_of_every_kind_each_person_reaches_passes_axe_and_reflows(page: Any, live_server: Any) -> None:
    call_command("seed_demo", stdout=io.StringIO())
    checked: set[str] = set()
    problems: dict[str, str] = {}
    # Every person of the demo. A kind of page checked for one is not checked again for the next,
    # but for their home page, which differs most from person to person.
    for person in PEOPLE:
        name = person.email.split("@")[0]
        user = User.objects.get(email=person.email)
        client = signed_in(user)
        reached, _ = crawl(client, reverse("home"), per_kind=1)
        page.context.clear_cookies()
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
        for url, (status, content_type, _) in reached.items():
            if status != 200 or "text/html" not in content_type or url.startswith(NOT_CHECKED):
                continue
            if kind_of(url) in checked and url != reverse("home"):
                continue
            page.goto(url)
            assert "/sign-in/" not in page.url, f"{name} was signed out at {url}"
            violations = axe_violations(page)
            if violations:
                problems[f"{name} {url}"] = describe(violations)
            sideways = overflow_at(page)
            if sideways > 0:
                problems[f"{name} {url} at 320px"] = f"scrolls sideways by {sideways}px"
            checked.add(kind_of(url))
    assert len(checked) > 60, f"only {len(checked)} kinds of page were checked"
    assert not problems, "\n".join(f"{where}: {what}" for where, what in problems.items())
