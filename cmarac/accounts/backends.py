"""Signing in with an email address and password, as Django's ModelBackend does, and the signed-in
person read with their agency: the header names it on every page, so it came as a query of its
own on every page (docs/performance.md)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from cmarac.accounts.models import User


class AccountBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        try:
            user = User._default_manager.select_related("agency").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
