from __future__ import annotations

from typing import Any

from django import forms

from cmarac.cases.models import Case
from cmarac.core.revisions import RevisionForm, revision_field


class TriageForm(forms.Form):
    """The triage decision, one question: accept into a new case or an existing one, ask the
    referrer for more information (with the question), or decline (with the reason). Each answer
    reveals what it needs (GOV.UK conditional radios); only the chosen answer's fields are checked,
    the others (hidden) are ignored."""

    NEW, EXISTING, INFORMATION, DECLINE = "new", "existing", "information", "decline"
    OTHER_CASE = "other"
    FIELDS = {
        NEW: (),
        EXISTING: ("existing_case", "other_reference"),
        INFORMATION: ("information_request",),
        DECLINE: ("decision_reason",),
    }

    WORDS = {
        INFORMATION: ("information_request", "Enter what information you need"),
        DECLINE: ("decision_reason", "Enter why the referral is declined"),
    }

    revision = revision_field()
    decision = forms.ChoiceField(
        label="What is your decision?",
        choices=[
            (NEW, "Accept it into a new case"),
            (EXISTING, "Accept it into an existing case"),
            (INFORMATION, "Ask the referrer for more information"),
            (DECLINE, "Decline it"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select your decision", "invalid_choice": "Select your decision"},
    )
    decision.reveals = (EXISTING, INFORMATION, DECLINE)  # each reveals its own questions (triage_reveals.html)
    existing_case = forms.ChoiceField(
        label="Which case should it join?",
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Select the case it should join"},
    )
    other_reference = forms.CharField(
        label="Reference of the open case",
        required=False,
        max_length=20,
        help_text="For example, CM-2026-0042",
    )
    information_request = forms.CharField(
        label="What information do you need?",
        required=False,
        help_text="The referral goes back to the referrer with this question.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
    )
    decision_reason = forms.CharField(
        label="Why is the referral declined?",
        required=False,
        help_text="The referrer will see this.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
    )

    def __init__(self, *args: Any, proposals: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(match.case.reference, match.case.reference) for match in proposals]
        self.fields["existing_case"].choices = [*choices, (self.OTHER_CASE, "Another open case")]
        self.offers_cases = bool(choices)
        if self.offers_cases:
            self.fields["other_reference"].label = "Reference of the other open case"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        decision = data.get("decision")
        for other, names in self.FIELDS.items():
            if other != decision:
                for name in names:
                    self._errors.pop(name, None)  # type: ignore[union-attr]
                    data.pop(name, None)
        data["case"] = None
        if decision == self.EXISTING:
            self._clean_existing(data)
        elif decision in self.WORDS:
            name, message = self.WORDS[decision]
            if name not in self.errors and not (data.get(name) or "").strip():
                self.add_error(name, message)
        return data

    def _clean_existing(self, data: dict[str, Any]) -> None:
        if any(name in self.errors for name in ("existing_case", "other_reference")):
            return
        typed = bool((data.get("other_reference") or "").strip())
        choice = data.get("existing_case") or (self.OTHER_CASE if typed or not self.offers_cases else "")
        if not choice:
            self.add_error("existing_case", "Select the case it should join")
        elif choice == self.OTHER_CASE:
            reference = (data.get("other_reference") or "").strip().upper()
            data["case"] = (
                Case.objects.filter(reference=reference, status=Case.Status.OPEN).first() if reference else None
            )
            if data["case"] is None:
                self.add_error("other_reference", "Enter the reference of an open case, like CM-2026-0042")
        else:
            data["case"] = Case.objects.filter(reference=choice, status=Case.Status.OPEN).first()
            if data["case"] is None:
                self.add_error("existing_case", "That case is no longer open: choose again")


class UrgentForm(RevisionForm):
    """Hear a late referral at the earlier meeting: only the revision of the referral shown."""
