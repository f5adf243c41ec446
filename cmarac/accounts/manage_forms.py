"""Forms of the people and agency pages (Manage agencies and users)."""

from __future__ import annotations

from typing import Any

from django import forms

from cmarac.accounts.models import Agency, User
from cmarac.accounts.roles import ROLES_NEEDING_APPROVAL, Role
from cmarac.core.forms import GovukDateField


def _agencies() -> Any:
    return Agency.objects.only("pk", "name")


class PeopleFilterForm(forms.Form):
    """The people list's filters. They live in the URL: they hold no personal data."""

    agency = forms.ModelChoiceField(
        label="Agency", required=False, queryset=Agency.objects.none(), empty_label="Any agency"
    )
    role = forms.ChoiceField(label="Role", required=False, choices=[("", "Any role"), *Role.choices])
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("active", "Active"), ("inactive", "Deactivated"), ("all", "All")],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = _agencies()


class RevisionForm(forms.Form):
    """A confirmation that carries the revision the person was shown (ADR 7)."""

    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class PersonForm(forms.Form):
    full_name = forms.CharField(
        label="Full name", max_length=200, error_messages={"required": "Enter the person's full name"}
    )
    job_title = forms.CharField(label="Job title", max_length=200, required=False)
    phone = forms.CharField(label="Phone number", max_length=40, required=False)
    agency = forms.ModelChoiceField(
        label="Agency",
        required=False,
        queryset=Agency.objects.none(),
        empty_label="No agency",
        help_text="The person sees the cases this agency attends, at once. Co-chairs see every change of agency.",
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = _agencies().filter(is_active=True)


class InviteForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        help_text="We will email a link to set a password. The email says nothing else.",
        error_messages={
            "required": "Enter the person's email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
        },
    )
    full_name = forms.CharField(
        label="Full name", max_length=200, error_messages={"required": "Enter the person's full name"}
    )
    job_title = forms.CharField(label="Job title", max_length=200, required=False)
    agency = forms.ModelChoiceField(
        label="Agency", required=False, queryset=Agency.objects.none(), empty_label="No agency"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = _agencies().filter(is_active=True)


class RoleProposeForm(forms.Form):
    role = forms.ChoiceField(label="Role", widget=forms.RadioSelect, error_messages={"required": "Select a role"})
    reason = forms.CharField(
        label="Why does this person need the role?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        required=False,
        help_text="Seen by whoever approves it.",
    )

    def __init__(self, *args: Any, held: frozenset[Role], direct_allowed: bool, **kwargs: Any) -> None:
        """`held`: the person's roles, not offered again. `direct_allowed`: whether the roles a
        coordinator gives alone (agency member, referrer) are offered."""
        super().__init__(*args, **kwargs)
        second = " (needs approval by a second co-chair or coordinator)"
        self.fields["role"].choices = [
            (role.value, role.label + (second if role in ROLES_NEEDING_APPROVAL else ""))
            for role in Role
            if role not in held and (direct_allowed or role in ROLES_NEEDING_APPROVAL)
        ]


class RoleDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Your decision",
        widget=forms.RadioSelect,
        choices=[("approve", "Approve: give the role now"), ("reject", "Reject")],
        error_messages={"required": "Select approve or reject"},
    )
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        required=False,
        help_text="Needed if you reject the request.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("decision") == "reject" and not data.get("reason", "").strip():
            self.add_error("reason", "Enter why the role is not being given")
        return data


class AgencyForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200, error_messages={"required": "Enter the agency's name"})
    short_name = forms.SlugField(
        label="Short name",
        max_length=40,
        help_text="Lower case letters, numbers and hyphens, like council-housing",
        error_messages={
            "required": "Enter a short name",
            "invalid": "Use only lower case letters, numbers and hyphens",
        },
    )
    kind = forms.ChoiceField(label="Kind of agency", choices=Agency.Kind.choices)
    membership = forms.ChoiceField(label="Membership", choices=Agency.Membership.choices, widget=forms.RadioSelect)
    contact_email = forms.EmailField(
        label="Contact email address", required=False, help_text="A shared team mailbox, not a person's."
    )
    members_see_cases = forms.BooleanField(
        label="All staff see the agency's cases",
        required=False,
        help_text="If not, only the lead and deputy see the cases the agency attends.",
    )
    is_active = forms.BooleanField(label="Active member of the partnership", required=False)
    sharing_agreement_signed_on = GovukDateField(
        label="Information sharing agreement signed on", required=False, when="today_or_past", example_offset=-30
    )
    confidentiality_statement_signed_on = GovukDateField(
        label="Confidentiality statement signed on", required=False, when="today_or_past", example_offset=-30
    )
    sharing_agreement_renew_by = GovukDateField(
        label="Sign the agreement again by",
        required=False,
        example_offset=365,
        help_text="Information sharing agreements shows the agency as lapsed after this date.",
    )
    lead = forms.ModelChoiceField(label="Lead", required=False, queryset=User.objects.none(), empty_label="Nobody")
    deputy = forms.ModelChoiceField(label="Deputy", required=False, queryset=User.objects.none(), empty_label="Nobody")
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)

    def __init__(self, *args: Any, agency: Agency | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if agency is None:
            del self.fields["lead"], self.fields["deputy"]
        else:
            staff = User.objects.filter(agency=agency, is_active=True).only("pk", "full_name", "email")
            self.fields["lead"].queryset = self.fields["deputy"].queryset = staff
            self.fields["revision"].required = True

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("lead") is not None and data.get("lead") == data.get("deputy"):
            self.add_error("deputy", "The deputy must be a different person from the lead")
        return data
