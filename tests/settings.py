"""Settings for the test suite: the application's settings, with a test secret and fast hashing."""

import os

os.environ.setdefault("SECRET_KEY", "test-suite-secret-key-not-for-any-real-deployment")

from cmarac.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,  # noqa: F405 (the private files' storage as configured: the database by default)
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SECURE_SSL_REDIRECT = False
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DEMO_DATA_ALLOWED = True
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Tasks run inline in the suite, with or without a broker, so each test sees its side effects.
# The tests marked "broker" start a real worker on Redis with an app of their own.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
# Packs are laid out by two forked processes whatever this machine's number of cores.
PACK_RENDER_PROCESSES = 2

# `make test` runs the suite in several processes (pytest-xdist): each has its own test database,
# and with Redis as the cache, its own keys, so that one process's sign-in throttles and cached
# values never reach another's tests.
CACHES["default"]["KEY_PREFIX"] = os.environ.get("PYTEST_XDIST_WORKER", "")  # noqa: F405
