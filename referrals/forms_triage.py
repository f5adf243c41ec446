from __future__ import annotations

from typing import Any

from django import forms

from cmarac.cases.models import Case
from cmarac.core.revisions import RevisionForm, revision_field

NEW_CASE = "new"


class AcceptForm(forms.Form):
    revision = revision_field()
    target = forms.ChoiceField(
        label="Which case should this referral go to?",
        widget=forms.RadioSelect,
        error_messages={"required": "Select a new case or one of the open cases"},
    )
    other_reference = forms.CharField(
        label="Or another open case's reference",
        required=False,
        max_length=20,
        help_text="For example, CM-2026-0042",
    )

    def __init__(self, *args: Any, proposals: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(NEW_CASE, "Create a new case")]
        choices += [(match.case.reference, f"Add to {match.case.reference}") for match in proposals]
        choices += [("other", "Add to another open case")]
        self.fields["target"].choices = choices

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("target") == "other":
            reference = (data.get("other_reference") or "").strip().upper()
            case = Case.objects.filter(reference=reference, status=Case.Status.OPEN).first()
            if case is None:
                self.add_error("other_reference", "Enter the reference of an open case, like CM-2026-0042")
            data["case"] = case
        elif data.get("target") and data["target"] != NEW_CASE:
            data["case"] = Case.objects.filter(reference=data["target"], status=Case.Status.OPEN).first()
            if data["case"] is None:
                self.add_error("target", "That case is no longer open: choose again")
        else:
            data["case"] = None
        return data


class DeclineForm(forms.Form):
    revision = revision_field()
    decision_reason = forms.CharField(
        label="Why is the referral declined?",
        help_text="The referrer will see this.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={"required": "Enter why the referral is declined"},
    )


class InformationForm(forms.Form):
    revision = revision_field()
    information_request = forms.CharField(
        label="What information do you need?",
        help_text="The referral goes back to the referrer with this question.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={"required": "Enter what information you need"},
    )


class UrgentForm(RevisionForm):
    """Hear a late referral at the earlier meeting: only the revision of the referral shown."""
