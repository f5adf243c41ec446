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


def run_bare(*command: str, **env: str) -> subprocess.CompletedProcess[str]:
    """A command in this project with no environment but PATH, VAR_DIR and these variables."""
    base = {"PATH": os.environ["PATH"], "VAR_DIR": os.environ.get("VAR_DIR", str(ROOT / "var"))}
    return subprocess.run(  # noqa: S603
        command, cwd=ROOT, env={**base, **env}, capture_output=True, text=True, check=False, timeout=120
    )


DEVELOPMENT_KEY = {"SECRET_KEY": "development-only-secret-key-do-not-use-in-production"}


@pytest.mark.parametrize("module", ["cmarac.wsgi", "cmarac.asgi"])
@pytest.mark.parametrize("key", [{}, DEVELOPMENT_KEY], ids=["no key", "the development key"])
def test_the_web_app_refuses_to_start_without_a_secret_key(module, key) -> None:
    result = run_bare(sys.executable, "-c", f"import {module}", DEBUG="false", **key)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    assert run_bare(sys.executable, "-c", f"import {module}", DEBUG="true", **key).returncode == 0


@pytest.mark.parametrize("service", ["worker", "beat"])
def test_the_celery_worker_and_beat_refuse_to_start_without_a_secret_key(service, tmp_path) -> None:
    celery = str(Path(sys.executable).parent / "celery")
    extra = ["--pool=solo"] if service == "worker" else [f"--schedule={tmp_path / 'schedule'}"]
    result = run_bare(celery, "-A", "cmarac", service, *extra, DEBUG="false")
    assert result.returncode != 0
    assert "Refusing to start: SECRET_KEY is not set" in result.stdout + result.stderr


def test_commands_that_never_use_the_key_run_without_one_and_the_key_is_refused_on_use() -> None:
    # As Django intends: makemigrations, collectstatic and the like need no key...
    result = run_bare(sys.executable, "manage.py", "makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes detected" in result.stdout
    # ...and anything that signs, hashes sessions or checks CSRF fails on first use.
    sign = "import django; django.setup(); from django.core import signing; signing.dumps(1)"
    result = run_bare(sys.executable, "-c", sign, DJANGO_SETTINGS_MODULE="cmarac.settings", DEBUG="false")
    assert result.returncode != 0
    assert "The SECRET_KEY setting must not be empty" in result.stderr


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
