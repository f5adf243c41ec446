"""Database sessions that know whose they are, so a person's sessions end in one query.

Django's own database session store keeps the signed-in person only inside the encoded session
data, so ending someone's sessions meant decoding every live session in the database. This store
(the documented way of extending the database session engine) keeps the person's id in an indexed
column beside the data, written whenever the session is saved: at sign-in, and again after a
password change or anything else that cycles the session key.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import models

SESSION_USER_KEY = "_auth_user_id"
# Sessions signed in before people were read with their agency (cmarac/accounts/backends.py) name
# Django's ModelBackend, no longer listed in AUTHENTICATION_BACKENDS: read as naming the backend
# that replaced it, they stay signed in across the upgrade instead of being signed out.
REPLACED_BACKENDS = {"django.contrib.auth.backends.ModelBackend": "cmarac.accounts.backends.AccountBackend"}


class SessionStore(DatabaseSessionStore):
    @classmethod
    def get_model_class(cls) -> type[models.Model]:
        from cmarac.accounts.models import UserSession

        return UserSession

    def load(self) -> dict[str, Any]:
        data = super().load()
        backend = data.get(BACKEND_SESSION_KEY)
        if backend in REPLACED_BACKENDS:
            data[BACKEND_SESSION_KEY] = REPLACED_BACKENDS[backend]
        return data

    def create_model_instance(self, data: dict[str, Any]) -> models.Model:
        instance = super().create_model_instance(data)
        try:
            instance.user_id = int(data.get(SESSION_USER_KEY))  # type: ignore[attr-defined]
        except (TypeError, ValueError):
            instance.user_id = None  # type: ignore[attr-defined]
        return instance


def end_sessions_of(user_id: int) -> int:
    """Delete every session signed in as this person, wherever they are; how many there were."""
    from cmarac.accounts.models import UserSession

    ended, _ = UserSession.objects.filter(user_id=user_id).delete()
    return ended
