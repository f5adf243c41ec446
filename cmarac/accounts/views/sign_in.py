from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from cmarac.accounts.forms import SignInForm
from cmarac.accounts.second_factor_middleware import after_password_url


class SignInView(LoginView):
    form_class = SignInForm
    redirect_authenticated_user = True

    def get_success_url(self) -> str:
        # The password is the first step; the second factor is next (ADR 0013).
        return after_password_url(self.request, super().get_success_url())


@require_POST
def sign_out(request: HttpRequest) -> HttpResponseRedirect:
    logout(request)
    messages.success(request, "You have signed out.")
    return redirect("login")
