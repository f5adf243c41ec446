from __future__ import annotations

from typing import Any

from auditlog.models import LogEntry
from django import forms

from cmarac.accounts.models import Agency, User
from cmarac.core.forms import GovukDateField


class AuditFilterForm(forms.Form):
    person = forms.ModelChoiceField(label="Person", required=False, queryset=User.objects.none(), empty_label="Anyone")
    agency = forms.ModelChoiceField(
        label="Agency", required=False, queryset=Agency.objects.none(), empty_label="Any agency"
    )
    case = forms.CharField(label="Case reference", required=False, max_length=20, help_text="For example, CM-2026-0042")
    action = forms.ChoiceField(
        label="What happened",
        required=False,
        choices=[
            ("", "Anything"),
            *[(str(value), str(label).capitalize()) for value, label in LogEntry.Action.choices],
        ],
    )
    date_from = GovukDateField(label="From", name="Start date", required=False, example_offset=-30)
    date_to = GovukDateField(label="To", name="End date", required=False, example_offset=-1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = User.objects.only("pk", "full_name", "email").order_by("full_name")
        self.fields["agency"].queryset = Agency.objects.only("pk", "name").order_by("name")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date must be the same as or after the start date")
        return data
