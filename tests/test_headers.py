"""Security headers: a strict Content-Security-Policy, Permissions-Policy, cross-origin isolation,
and no caching of any page shown to a signed-in person."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# WeasyPrint lays these out into PDFs; no browser ever loads them.
NOT_SERVED = {"packs"}


def directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    parts = [part.strip().split() for part in policy.split(";") if part.strip()]
    return {part[0]: part[1:] for part in parts}


@pytest.mark.parametrize("signed_in", [False, True])
def test_every_page_has_a_strict_content_security_policy(signed_in, coordinator, as_user) -> None:
    client = as_user(coordinator if signed_in else None)
    response = client.get(reverse("home") if signed_in else reverse("login"))
    assert response.status_code == 200
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert not [source for sources in policy.values() for source in sources if "unsafe" in source]


@pytest.mark.parametrize("signed_in", [False, True])
def test_permissions_and_cross_origin_policies(signed_in, coordinator, as_user) -> None:
    response = as_user(coordinator if signed_in else None).get(reverse("accessibility"))
    features = dict(item.strip().split("=", 1) for item in response.headers["Permissions-Policy"].split(","))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "browsing-topics"):
        assert features[feature] == "()"
    assert not any(feature.startswith("publickey-credentials") for feature in features)  # security keys
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def cache_control(response) -> set[str]:
    return {part.strip() for part in response.headers.get("Cache-Control", "").split(",") if part.strip()}


@pytest.mark.parametrize(
    "address",
    [
        lambda case: reverse("home"),
        lambda case: reverse("cases:list"),
        lambda case: case.get_absolute_url(),
        lambda case: reverse("actions:list"),
        lambda case: reverse("actions:export"),
        lambda case: reverse("audit:trail"),
        lambda case: reverse("accessibility"),
        lambda case: "/no-such-page/",
    ],
)
def test_nothing_shown_to_a_signed_in_person_is_stored_by_the_browser(address, coordinator, housing_case, as_user):
    response = as_user(coordinator).get(address(housing_case))
    assert {"no-store", "private"} <= cache_control(response)


def test_public_pages_and_static_files_may_be_cached(client) -> None:
    assert "no-store" not in cache_control(client.get(reverse("accessibility")))
    static = client.get(settings.STATIC_URL + "js/init.mjs")
    assert static.status_code == 200
    assert "no-store" not in cache_control(static)
    assert "Set-Cookie" not in static.headers


def test_static_files_stay_cacheable_for_a_signed_in_person(coordinator, as_user) -> None:
    static = as_user(coordinator).get(settings.STATIC_URL + "js/init.mjs")
    assert static.status_code == 200
    assert "no-store" not in cache_control(static)


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE), "an inline <script>"),
    (re.compile(r"<style\b", re.IGNORECASE), "a <style> block"),
    (re.compile(r"\sstyle\s*=", re.IGNORECASE), "a style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.IGNORECASE), "an inline event handler"),
    (re.compile(r"javascript:", re.IGNORECASE), "a javascript: address"),
]


def served_templates() -> list[Path]:
    return [
        path for path in sorted(TEMPLATES.rglob("*.html")) if path.relative_to(TEMPLATES).parts[0] not in NOT_SERVED
    ]


@pytest.mark.parametrize("template", served_templates(), ids=lambda path: str(path.relative_to(TEMPLATES)))
def test_no_served_template_needs_unsafe_inline(template) -> None:
    text = re.sub(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", "", template.read_text(), flags=re.DOTALL)
    found = [what for pattern, what in INLINE if pattern.search(text)]
    assert not found, f"{template.name} has {', '.join(found)}: the Content-Security-Policy would block it"
