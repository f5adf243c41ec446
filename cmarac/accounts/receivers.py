"""Sign-in events in the audit trail: signed in, signed out, failed sign-in, locked out.

Receivers of Django's and django-axes' signals, connected in AccountsConfig.ready. A failed
sign-in names the account when the (normalised) address has one, and otherwise records only that
an attempt was made: never the address typed, never the password.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from cmarac.accounts.models import User, normalise_email
from cmarac.core.audit import audit_event


def _account(typed: object) -> User | None:
    address = normalise_email(str(typed or ""))
    return User.objects.filter(email=address).first() if address else None


def signed_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    audit_event(request=request, what="Signed in", target=user, actor=user)


def signed_out(sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        audit_event(request=request, what="Signed out", target=user, actor=user)


def sign_in_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any) -> None:
    account = _account(credentials.get("username"))
    what = "Failed sign-in" if account else "Failed sign-in with an address that has no account"
    audit_event(request=request, what=what, target=account or User)


def locked_out(sender: Any, request: HttpRequest | None, username: str | None = None, **kwargs: Any) -> None:
    account = _account(username)
    audit_event(request=request, what="Locked out after too many failed attempts", target=account or User)
