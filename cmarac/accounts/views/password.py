"""Changing your own password, and resetting a forgotten one by email."""

from __future__ import annotations

from axes.helpers import get_lockout_response
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN, PasswordChangeView, PasswordResetConfirmView
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_http_methods

from cmarac.accounts.forms import ChangePasswordForm, NewPasswordForm, PasswordResetRequestForm
from cmarac.accounts.lockout import sign_in_throttle_count
from cmarac.accounts.models import User
from cmarac.accounts.services import password_reset_request, user_password_set


class PasswordChange(PasswordChangeView):
    form_class = ChangePasswordForm
    template_name = "registration/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form: ChangePasswordForm) -> HttpResponse:
        user_password_set(
            user=form.user, password=form.cleaned_data["new_password1"], request=self.request, reset=False
        )
        # This session stays signed in; the person's other sessions end.
        update_session_auth_hash(self.request, form.user)
        messages.success(self.request, "Your password has been changed.")
        return HttpResponseRedirect(self.get_success_url())


@login_not_required
@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    """Ask for a reset link. The answer is the same whether or not the address has an account, and
    every request counts against the IP's sign-in limit, so the page can neither tell which
    addresses have accounts nor send email after email."""
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST":
        if not sign_in_throttle_count(request):
            return get_lockout_response(request, None, {})
        if form.is_valid():
            password_reset_request(email=form.cleaned_data["email"], request=request)
            return redirect("password-reset-done")
    return render(request, "registration/password_reset.html", {"form": form})


@login_not_required
def password_reset_done(request: HttpRequest) -> HttpResponse:
    return render(
        request, "registration/password_reset_done.html", {"reset_minutes": settings.PASSWORD_RESET_TIMEOUT // 60}
    )


class PasswordResetConfirm(PasswordResetConfirmView):
    """The link from the email: Django moves the token into the session and out of the address
    before the form is shown, so it never reaches a Referer header or the browser history."""

    form_class = NewPasswordForm
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("login")

    def get_user(self, uidb64: str) -> User | None:
        # A link sent before the account was deactivated no longer works.
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None

    def form_valid(self, form: NewPasswordForm) -> HttpResponse:
        user_password_set(user=form.user, password=form.cleaned_data["new_password1"], request=self.request, reset=True)
        del self.request.session[INTERNAL_RESET_SESSION_TOKEN]
        messages.success(self.request, "Your password has been reset. Sign in with your new password.")
        return HttpResponseRedirect(self.get_success_url())
