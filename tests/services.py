"""Tests that need a service (a browser, a broker) skip on a laptop without it, and fail in CI."""

from __future__ import annotations

import os
import shutil

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(available: object, what: str) -> None:
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is not available, and CI must not skip it")
    pytest.skip(f"{what} is not available on this machine")


def chromium_path() -> str | None:
    explicit = os.environ.get("CHROMIUM_PATH")
    if explicit:
        return explicit
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def test_redis_url() -> str | None:
    """The Redis to use for broker tests: TEST_REDIS_URL, else the app's own REDIS_URL."""
    from django.conf import settings

    return os.environ.get("TEST_REDIS_URL") or settings.REDIS_URL or None


test_redis_url.__test__ = False  # type: ignore[attr-defined]
