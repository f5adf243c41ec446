from __future__ import annotations

from typing import Any

from django import forms

from cmarac.core.forms import GovukDateField
from cmarac.governance.subject_access import Criteria, Match


class SubjectAccessSearchForm(forms.Form):
    name = forms.CharField(
        label="Name", required=False, max_length=100, help_text="First name, last name or an alias, or part of one"
    )
    date_of_birth = GovukDateField(label="Date of birth", required=False, example_offset=None)
    postcode = forms.CharField(label="Postcode", required=False, max_length=10, help_text="Or part of one")

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if name and len(name) < 2:
            raise forms.ValidationError("Enter at least 2 letters of the name")
        return name

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors and not any(data.get(key) for key in ("name", "date_of_birth", "postcode")):
            raise forms.ValidationError("Enter a name, a date of birth or a postcode")
        return data

    def criteria(self) -> Criteria:
        data = self.cleaned_data
        return Criteria(name=data["name"], date_of_birth=data["date_of_birth"], postcode=data["postcode"].strip())


class SubjectAccessExportForm(forms.Form):
    people = forms.MultipleChoiceField(
        label="Who is the request about?",
        help_text="Select every record that is this person (the same person may have been recorded more than once).",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select the person the request is about"},
    )
    request_reference = forms.CharField(
        label="Request reference",
        max_length=60,
        help_text="The reference your organisation gave the subject access request. It is kept in the audit trail.",
        error_messages={"required": "Enter the reference of the subject access request"},
    )
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example, how the requester's identity was checked. Do not write the person's name.",
    )

    def __init__(self, *args: Any, matches: list[Match], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["people"].choices = [(m.key, m.name) for m in matches]
