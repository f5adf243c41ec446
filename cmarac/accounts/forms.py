from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, SetPasswordForm

from cmarac.accounts.models import normalise_email


class NormalisedEmailMixin:
    """For the admin's user forms: the address is kept as sign-in compares it."""

    cleaned_data: dict[str, object]

    def clean_email(self) -> str:
        return normalise_email(str(self.cleaned_data.get("email") or ""))


class SignInForm(AuthenticationForm):
    """Email and password, with GOV.UK-style error messages."""

    username = forms.EmailField(
        label="Email address",
        max_length=254,
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
        },
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput,
        error_messages={"required": "Enter your password"},
    )

    error_messages = {
        "invalid_login": "Enter a correct email address and password. The password is case-sensitive.",
        "inactive": "This account is inactive. Contact your partnership's coordinator.",
    }

    def clean_username(self) -> str:
        # Normalised before authenticate(), so the lockout counts every spelling of one address together.
        return normalise_email(self.cleaned_data["username"])


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
        },
    )

    def clean_email(self) -> str:
        return normalise_email(self.cleaned_data["email"])


NEW_PASSWORD_MESSAGES = {
    "new_password1": {"required": "Enter a new password"},
    "new_password2": {"required": "Enter the new password again"},
}


class NewPasswordForm(SetPasswordForm):
    """A new password, twice, checked by AUTH_PASSWORD_VALIDATORS (which know the person's name)."""

    error_messages = {"password_mismatch": "The two new passwords do not match"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = "New password"
        self.fields[
            "new_password1"
        ].help_text = (
            "At least 12 characters. Not a common password, not only numbers, and not like your name or email address."
        )
        self.fields["new_password2"].label = "Confirm new password"
        self.fields["new_password2"].help_text = ""
        for name, messages in NEW_PASSWORD_MESSAGES.items():
            self.fields[name].error_messages.update(messages)


class ChangePasswordForm(NewPasswordForm, PasswordChangeForm):
    error_messages = {
        **NewPasswordForm.error_messages,
        "password_incorrect": "Your current password is not correct",
    }
    field_order = ["old_password", "new_password1", "new_password2"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "Current password"
        self.fields["old_password"].error_messages["required"] = "Enter your current password"
