"""The WSGI entry point (gunicorn's): it loads the views and freezes what it loaded."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_wsgi_application_loads_its_views_and_freezes_them() -> None:
    script = (
        "import gc, sys; import cmarac.wsgi as w; "
        "print(gc.get_freeze_count(), 'cmarac.cases.views' in sys.modules, callable(w.application))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cmarac.settings", "SECRET_KEY": "wsgi-test-" + "x" * 50}
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)  # noqa: S603
    assert done.returncode == 0, done.stderr
    frozen, views_loaded, callable_app = done.stdout.split()
    assert int(frozen) > 10_000  # settings, apps, models and views: tens of thousands of objects
    assert views_loaded == "True"
    assert callable_app == "True"
