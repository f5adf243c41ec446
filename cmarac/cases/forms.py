from __future__ import annotations

import re
from typing import Any

from django import forms

from cmarac.accounts.models import Agency
from cmarac.cases.models import CaseSubject, Person, RiskLevel
from cmarac.core.forms import GovukDateField, NamedChoiceField, limit_text

# A person's text fields that the model leaves unbounded (shared with the referral form's people).
PERSON_TEXT_LIMITS = {"address": 500, "vulnerabilities": 2000}

POSTCODE_WITHOUT_SPACE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$")


def normalise_postcode(value: str) -> str:
    """Upper case with one space before the inward code: "n78qt" and " N7  8QT" are both "N7 8QT"."""
    compact = "".join(value.upper().split())
    if POSTCODE_WITHOUT_SPACE.match(compact):
        return f"{compact[:-3]} {compact[-3:]}"
    return " ".join(value.upper().split())


class CaseFilterForm(forms.Form):
    """The case list's filters. They live in the URL, so a filtered list can be shared or bookmarked."""

    SORTS = {
        "newest": ("Newest first", ["-opened_on", "-pk"]),
        "oldest": ("Oldest first", ["opened_on", "pk"]),
        "reference": ("Reference", ["reference"]),
        "risk": ("Highest risk first", ["-risk_rank", "-opened_on", "-pk"]),
    }

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=100,
        help_text="Reference, subject name or postcode",
    )
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("open", "Open"), ("closed", "Closed"), ("all", "All")],
        initial="open",
    )
    risk_level = forms.MultipleChoiceField(
        label="Risk level", required=False, choices=RiskLevel.choices, widget=forms.CheckboxSelectMultiple
    )
    lead_agency = NamedChoiceField(
        label="Lead agency", required=False, queryset=Agency.objects.none(), empty_label="Any agency"
    )
    led_by_my_agency = forms.BooleanField(label="Only cases my agency leads", required=False)
    asb_case_review = forms.MultipleChoiceField(
        label="ASB Case Review",
        required=False,
        choices=[("potential", "Potential, raised by the referrer"), ("reached", "Threshold reached")],
        widget=forms.CheckboxSelectMultiple,
    )
    # From the home page: the cases shared with the person's agency since their last visit.
    shared_since = forms.DateTimeField(required=False, widget=forms.HiddenInput)
    sort = forms.ChoiceField(
        label="Sort by", required=False, choices=[(key, label) for key, (label, _) in SORTS.items()]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead_agency"].queryset = Agency.objects.filter(is_active=True).only("pk", "name")


class CaseCreateForm(forms.Form):
    summary = forms.CharField(
        label="Summary of the situation",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        error_messages={"required": "Enter a summary of the situation"},
    )
    risk_level = forms.ChoiceField(
        label="Risk level",
        choices=RiskLevel.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select a risk level"},
    )
    referring_agency = forms.ModelChoiceField(
        label="Referring agency",
        required=False,
        queryset=Agency.objects.filter(is_active=True),
        empty_label="Not known",
        help_text="The agency gets access to the case.",
    )
    lead_agency = forms.ModelChoiceField(
        label="Lead agency",
        required=False,
        queryset=Agency.objects.filter(is_active=True),
        empty_label="Not nominated yet",
        help_text="Usually nominated at the meeting. The lead agency gets access to the case.",
    )


class PersonForm(forms.ModelForm):
    role = forms.ChoiceField(
        label="Role in this case",
        choices=CaseSubject.Role.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the person's role in this case"},
    )
    # The time the person's details were last saved when this form was shown.
    last_seen = forms.CharField(widget=forms.HiddenInput, required=False, max_length=40)

    class Meta:
        model = Person
        fields = [
            "given_name",
            "family_name",
            "aliases",
            "date_of_birth",
            "approximate_age",
            "gender",
            "address",
            "postcode",
            "phone",
            "email",
            "safe_to_contact",
            "contact_notes",
            "vulnerabilities",
            "first_language",
            "interpreter_needed",
        ]
        widgets = {
            "address": forms.Textarea(attrs={"rows": 3}),
            "vulnerabilities": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "approximate_age": "If the date of birth is not known",
            "postcode": "For example, N7 8QT",
        }
        error_messages = {"given_name": {"required": "Enter the person's first name"}}

    date_of_birth = GovukDateField(label="Date of birth", required=False, when="past", example_offset=None)

    field_order = ["role"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_text(self, PERSON_TEXT_LIMITS)

    def clean_postcode(self) -> str:
        return normalise_postcode(self.cleaned_data["postcode"])


class ReasonForm(forms.Form):
    reason = forms.CharField(label="Reason", widget=forms.Textarea(attrs={"rows": 4}), max_length=2000)
    # When the case was last saved, as the form was shown (ADR 0007).
    last_seen = forms.CharField(
        widget=forms.HiddenInput, error_messages={"required": "Reload the page and try again"}, max_length=40
    )

    def __init__(self, *args: Any, closing: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        verb = "closed" if closing else "reopened"
        self.fields["reason"].error_messages["required"] = f"Enter why the case is being {verb}"


class AsbThresholdForm(forms.Form):
    """Setting or clearing the ASB Case Review threshold flag, with the reason."""

    reason = forms.CharField(label="Reason", widget=forms.Textarea(attrs={"rows": 4}), max_length=2000)
    # When the case was last saved, as the form was shown (ADR 0007).
    last_seen = forms.CharField(
        widget=forms.HiddenInput, error_messages={"required": "Reload the page and try again"}, max_length=40
    )

    def __init__(self, *args: Any, reaching: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].error_messages["required"] = (
            "Enter why the threshold is reached" if reaching else "Enter why the flag is cleared"
        )
