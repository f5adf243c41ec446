"""Settings come from the environment, and production refuses unsafe defaults."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from cmarac.env import env_bool, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True),
        ("true", True),
        ("TRUE", True),
        ("yes", True),
        ("on", True),
        ("0", False),
        ("false", False),
        ("off", False),
        ("", False),
        (" no ", False),
    ],
)
def test_env_bool_reads_common_words(raw: str, expected: bool) -> None:
    assert env_bool("X", default=not expected, environ={"X": raw}) is expected


def test_env_bool_uses_default_when_unset() -> None:
    assert env_bool("X", default=True, environ={}) is True


def test_env_bool_rejects_nonsense() -> None:
    with pytest.raises(ImproperlyConfigured, match="X must be true or false"):
        env_bool("X", default=False, environ={"X": "maybe"})


def test_env_int_and_list_and_str() -> None:
    assert env_int("N", 3, environ={"N": "42"}) == 42
    assert env_int("N", 3, environ={}) == 3
    with pytest.raises(ImproperlyConfigured):
        env_int("N", 3, environ={"N": "four"})
    assert env_list("L", ["a"], environ={"L": "x.example, y.example,,"}) == ["x.example", "y.example"]
    assert env_list("L", ["a"], environ={}) == ["a"]
    assert env_str("S", "d", environ={"S": ""}) == "d"


def load_settings(**env: str) -> subprocess.CompletedProcess[str]:
    """Import cmarac.settings in a fresh interpreter with exactly this environment."""
    script = (
        "import json, cmarac.settings as s; print(json.dumps({"
        "'debug': s.DEBUG, 'engine': s.DATABASES['default']['ENGINE'], 'db_name': str(s.DATABASES['default']['NAME']),"
        "'db_host': s.DATABASES['default'].get('HOST', ''), 'eager': s.CELERY_TASK_ALWAYS_EAGER,"
        "'broker': s.CELERY_BROKER_URL, 'hosts': s.ALLOWED_HOSTS, 'tz': s.TIME_ZONE, 'use_tz': s.USE_TZ,"
        "'email': s.EMAIL_BACKEND, 'ssl_redirect': getattr(s, 'SECURE_SSL_REDIRECT', False)}))"
    )
    base = {"PATH": os.environ["PATH"], "VAR_DIR": os.environ.get("VAR_DIR", str(ROOT / "var"))}
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", script], cwd=ROOT, env={**base, **env}, capture_output=True, text=True, check=False
    )


def test_production_refuses_the_default_secret_key() -> None:
    result = load_settings(DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_defaults_are_sqlite_inline_tasks_and_london_time() -> None:
    result = load_settings(DEBUG="true")
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert loaded["engine"] == "django.db.backends.sqlite3"
    assert loaded["db_name"].endswith("cmarac.sqlite3")
    assert loaded["eager"] is True
    assert loaded["tz"] == "Europe/London"
    assert loaded["use_tz"] is True
    assert loaded["email"] == "django.core.mail.backends.console.EmailBackend"


def test_production_settings_from_the_environment() -> None:
    result = load_settings(
        SECRET_KEY="a-long-random-production-key-for-this-test-only",
        DATABASE_URL="postgres://cmarac:pw@db.internal:5432/cmarac",
        REDIS_URL="redis://cache.internal:6379/0",
        ALLOWED_HOSTS="cmarac.example.org,www.cmarac.example.org",
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert loaded["debug"] is False
    assert loaded["engine"] == "django.db.backends.postgresql"
    assert (loaded["db_name"], loaded["db_host"]) == ("cmarac", "db.internal")
    assert loaded["eager"] is False
    assert loaded["broker"] == "redis://cache.internal:6379/0"
    assert loaded["hosts"] == ["cmarac.example.org", "www.cmarac.example.org"]
    assert loaded["ssl_redirect"] is True


def test_check_deploy_is_clean_under_production_settings() -> None:
    env = {
        "PATH": os.environ["PATH"],
        "SECRET_KEY": "k" * 20 + "a-long-random-production-key-for-this-test-only-9f8e7d",
        "ALLOWED_HOSTS": "cmarac.example.org",
        "VAR_DIR": os.environ.get("VAR_DIR", str(ROOT / "var")),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
