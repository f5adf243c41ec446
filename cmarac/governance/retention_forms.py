from __future__ import annotations

from django import forms

from cmarac.core.forms import GovukDateField
from cmarac.governance.retention_models import RetentionHold


class RetentionHoldForm(forms.Form):
    grounds = forms.ChoiceField(
        label="Why is the record held?",
        choices=RetentionHold.Grounds.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select why the record is held", "invalid_choice": "Select why the record is held"},
    )
    reason = forms.CharField(
        label="Reason for the hold",
        help_text="For example the proceedings or review it is kept for. Do not write anyone's name.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={"required": "Enter the reason for the hold"},
    )
    review_on = GovukDateField(
        label="Date to look again",
        help_text="The hold stays in force after this date until it is released; the queue shows it as due for review.",
        example_offset=365,
    )
    # The hold's revision when the form was shown (0: no hold yet): a newer one means someone else saved it.
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class RetentionReleaseForm(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
