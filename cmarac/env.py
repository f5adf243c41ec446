"""Reading settings from the environment (12-factor), kept apart so it can be tested."""

from __future__ import annotations

import os
from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})


def env_bool(name: str, default: bool, environ: Mapping[str, str] = os.environ) -> bool:
    raw = environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int, environ: Mapping[str, str] = os.environ) -> int:
    raw = environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None


def env_list(name: str, default: list[str], environ: Mapping[str, str] = os.environ) -> list[str]:
    raw = environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_str(name: str, default: str, environ: Mapping[str, str] = os.environ) -> str:
    raw = environ.get(name)
    return default if raw is None or raw == "" else raw


def refuse_to_start_without_a_secret_key() -> None:
    """Called where the app starts (WSGI, ASGI, Celery worker and beat): with DEBUG off, no
    SECRET_KEY (or the development one, which settings blank) means no start."""
    from django.conf import settings

    try:
        key = settings.SECRET_KEY  # Django refuses an empty key here, on first use
    except ImproperlyConfigured:
        key = ""
    if not key:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY to a long random value, or DEBUG=true for local development only."
        )
