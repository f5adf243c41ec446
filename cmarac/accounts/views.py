from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from cmarac.accounts.forms import SignInForm


class SignInView(LoginView):
    form_class = SignInForm
    redirect_authenticated_user = True


@require_POST
def sign_out(request: HttpRequest) -> HttpResponseRedirect:
    logout(request)
    messages.success(request, "You have signed out.")
    return redirect("login")
