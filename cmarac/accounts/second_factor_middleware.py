"""Nothing but public pages and the second-factor pages until the session is verified (ADR 0013).

Runs after django-otp's OTPMiddleware, which sets `request.user.is_verified()` from the session.
Like LoginRequiredMiddleware it decides in process_view, from attributes on the view:
- views marked `login_not_required` (sign-in, the accessibility statement, `/healthz`) are public,
  so a person part-way through signing in may see them too;
- views marked `second_factor_not_required` (the second-factor pages themselves, sign-out) are
  for people who have a password but no verified second factor yet.
Every other page, the admin included, redirects to setting up a second factor (nobody has one
yet) or to entering a code, and comes back afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.functional import LazyObject, empty
from django.utils.http import urlencode

ViewFunc = TypeVar("ViewFunc", bound=Callable[..., Any])


def second_factor_not_required(view: ViewFunc) -> ViewFunc:
    """Mark a view as reachable after the password, before the second factor."""
    view.second_factor_required = False  # type: ignore[attr-defined]
    return view


def second_factor_step_url(user: Any) -> str:
    from cmarac.accounts.second_factor_services import has_second_factor

    return reverse("second_factor:verify" if has_second_factor(user) else "second_factor:set_up")


def after_password_url(request: HttpRequest, next_url: str) -> str:
    """Where the sign-in page sends someone whose password was right: the second-factor step,
    which then goes on to `next_url` (at once, if this session is already verified)."""
    # login() has just put the bare user on the request, without OTPMiddleware's is_verified().
    if getattr(request.user, "is_verified", lambda: False)():
        return next_url
    return f"{second_factor_step_url(request.user)}?{urlencode({'next': next_url})}"


def resolved(user: Any) -> Any:
    """The person behind the lazy `request.user` (django-otp wraps auth's lazy user in another).
    Pages read the user hundreds of times; through two proxies each read costs two failed
    attribute lookups, so the view gets the instance itself (ADR 0039)."""
    while isinstance(user, LazyObject):
        if user._wrapped is empty:
            user._setup()
        user = user._wrapped
    return user


class SecondFactorRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        user = request.user = resolved(request.user)
        if not user.is_authenticated:
            return None  # LoginRequiredMiddleware has already dealt with it
        if not getattr(view_func, "login_required", True):
            return None
        if not getattr(view_func, "second_factor_required", True):
            return None
        if user.is_verified():  # type: ignore[union-attr]
            return None
        return redirect_to_login(request.get_full_path(), second_factor_step_url(user))
