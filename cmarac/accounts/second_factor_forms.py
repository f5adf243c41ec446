from __future__ import annotations

from django import forms


class CodeForm(forms.Form):
    """A six-digit code from an authenticator app."""

    code = forms.CharField(
        label="Code from your authenticator app",
        help_text="The 6-digit code your app shows for this service, for example 123456",
        max_length=12,
        error_messages={"required": "Enter the code from your authenticator app"},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "spellcheck": "false"}),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not (code.isascii() and code.isdigit()) or len(code) != 6:
            raise forms.ValidationError("Enter the 6-digit code from your authenticator app, like 123456")
        return code


class VerifyForm(forms.Form):
    """A code from the authenticator app, or one of the recovery codes."""

    code = forms.CharField(
        label="Code",
        help_text="The 6-digit code from your authenticator app, or one of your recovery codes",
        max_length=24,
        error_messages={"required": "Enter the code from your authenticator app or a recovery code"},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false"}),
    )


class ConfirmWithCodeForm(VerifyForm):
    """Removing a device needs a current code, so a session left open cannot be used to do it."""


class ResetForm(forms.Form):
    confirm = forms.BooleanField(
        label="I have checked who is asking, and they will set up a new second factor when they next sign in",
        error_messages={"required": "Confirm that you have checked who is asking"},
    )
