"""Public pages and error pages share the GOV.UK shell."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_accessibility_statement_is_public(client: Client) -> None:
    response = client.get(reverse("accessibility"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Accessibility statement" in page
    assert "WCAG" in page


def test_sign_in_page_has_skip_link_and_markings(client: Client) -> None:
    page = client.get(reverse("login")).content.decode()
    assert 'href="#main-content"' in page
    assert 'id="main-content"' in page
    assert page.count("OFFICIAL-SENSITIVE") >= 2
    assert reverse("accessibility") in page


def test_unknown_page_is_a_gov_uk_404(as_user, housing_lead) -> None:
    response = as_user(housing_lead).get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page
    assert "OFFICIAL-SENSITIVE" in page


def test_error_templates_render_without_a_request_context() -> None:
    from django.template.loader import render_to_string

    for name in ("400.html", "403.html", "404.html", "500.html"):
        html = render_to_string(name)
        assert "OFFICIAL-SENSITIVE" in html, name
        assert "govuk-template" in html, name
