"""Forms for the meeting pages. They parse and check input; every write is a service in meetings/services.py."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from cmarac.accounts.models import Agency, User
from cmarac.accounts.roles import Role
from cmarac.cases.models import Case, RiskLevel
from cmarac.core.forms import GovukDateField, limit_text
from cmarac.core.revisions import revision_field
from meetings.models import AgencyInformation, AgendaItem, Attendance, MeetingPack, MinutesCorrection

TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _london() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


class StartsAtForm(forms.Form):
    """A date and a time, two browser inputs, combined in clean() into an aware Europe/London datetime."""

    date = GovukDateField(
        label="Date",
        name="Date of the meeting",
        error_messages={"required": "Enter the date of the meeting"},
    )
    time = forms.TimeField(
        label="Start time",
        widget=TIME_WIDGET,
        help_text="For example, 10:00",
        error_messages={"required": "Enter the time the meeting starts", "invalid": "Enter a real time, like 10:00"},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        day, start = data.get("date"), data.get("time")
        if isinstance(day, date) and isinstance(start, time):
            if day < timezone.localdate():
                self.add_error("date", "The date of the meeting must be today or in the future")
            else:
                data["starts_at"] = datetime.combine(day, start.replace(second=0, microsecond=0), tzinfo=_london())
        return data

    @staticmethod
    def initial_for(starts_at: datetime) -> dict[str, Any]:
        local = starts_at.astimezone(_london())
        return {"date": local.date(), "time": local.time().replace(second=0, microsecond=0)}


class ExtraordinaryMeetingForm(StartsAtForm):
    reason = forms.CharField(
        label="Why is an extraordinary meeting needed?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=500,
        help_text="For example, an urgent case that cannot wait for the next monthly meeting. Do not include names.",
        error_messages={"required": "Enter why an extraordinary meeting is needed"},
    )
    venue = forms.CharField(label="Venue", max_length=300, required=False)
    online_link = forms.URLField(
        assume_scheme="https",
        label="Online meeting link",
        required=False,
        max_length=200,
        error_messages={"invalid": "Enter the online meeting link as a web address, like https://example.com/meet"},
    )


class MeetingMoveForm(StartsAtForm):
    revision = revision_field()
    reason = forms.CharField(
        label="Why is the meeting moving?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=500,
        error_messages={"required": "Enter why the meeting is moving"},
    )


class CoChairField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:  # type: ignore[override]
        return f"{obj.full_name}, {obj.agency.name}" if obj.agency else obj.full_name


class MeetingDetailsForm(forms.Form):
    revision = revision_field()
    venue = forms.CharField(label="Venue", max_length=300, required=False)
    online_link = forms.URLField(
        assume_scheme="https",
        label="Online meeting link",
        required=False,
        max_length=200,
        error_messages={"invalid": "Enter the online meeting link as a web address, like https://example.com/meet"},
    )
    co_chairs = CoChairField(
        label="Co-chairs",
        required=False,
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Select co-chairs from the list"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["co_chairs"].queryset = User.objects.filter(
            is_active=True, groups__name=Role.CO_CHAIR.group_name
        ).select_related("agency")


class MeetingCancelForm(forms.Form):
    revision = revision_field()
    reason = forms.CharField(
        label="Why is the meeting cancelled?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=500,
        help_text="Everyone who can see the meeting will see the reason.",
        error_messages={"required": "Enter why the meeting is cancelled"},
    )


# --- Agenda ----------------------------------------------------------------------


class AgendaAddForm(forms.Form):
    """A case to put on the agenda, by reference (from a proposal's button or typed in)."""

    reference = forms.CharField(
        label="Case reference",
        max_length=20,
        help_text="For example, CM-2026-0012",
        error_messages={"required": "Enter a case reference"},
    )
    item_type = forms.ChoiceField(
        label="Type of item",
        choices=AgendaItem.ItemType.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the type of item"},
    )

    def __init__(self, *args: Any, cases: QuerySet[Case], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cases = cases
        self.case: Case | None = None

    def clean_reference(self) -> str:
        reference = "".join(self.cleaned_data["reference"].split()).upper()
        self.case = self.cases.filter(reference=reference).first()
        if self.case is None:
            raise forms.ValidationError("Enter the reference of an existing case, for example CM-2026-0012")
        return reference


class InviteForm(forms.Form):
    """An agency to invite to one item. Core members are listed first: the panel usually wants them."""

    agency = forms.TypedChoiceField(
        label="Invite an agency",
        coerce=int,
        error_messages={"required": "Select an agency to invite", "invalid_choice": "Select an agency from the list"},
    )

    def __init__(self, *args: Any, agencies: list[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        core = [a for a in agencies if a.membership == Agency.Membership.CORE]
        flexible = [a for a in agencies if a.membership != Agency.Membership.CORE]
        self.fields["agency"].choices = [
            ("", "Select an agency"),
            *[(a.pk, f"{a.name} (core member)") for a in core],
            *[(a.pk, a.name) for a in flexible],
        ]


class AgendaItemForm(forms.Form):
    revision = revision_field()
    item_type = forms.ChoiceField(
        label="Type of item",
        choices=AgendaItem.ItemType.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the type of item"},
    )
    minutes_allotted = forms.IntegerField(
        label="Minutes allotted",
        min_value=1,
        max_value=180,
        help_text="How long the panel should spend on this case",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": "Enter the minutes allotted",
            "invalid": "Enter the minutes allotted as a number, like 15",
            "min_value": "Minutes allotted must be 1 or more",
            "max_value": "Minutes allotted must be 180 or fewer",
        },
    )


# --- Before the meeting ------------------------------------------------------------


class AgencyInformationForm(forms.ModelForm):
    # The revision of the saved information when this form was shown (0: nothing saved yet).
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    class Meta:
        model = AgencyInformation
        fields = ["research_summary", "known_risks", "current_involvement"]
        labels = {
            "research_summary": "What your agency holds",
            "known_risks": "Known risks",
            "current_involvement": "Your agency's current involvement",
        }
        help_texts = {
            "research_summary": "A summary of your agency's research on the people in this case: "
            "contacts, incidents, history. Share only what is relevant and proportionate.",
            "known_risks": "Risks to the people in this case, to others, or to staff visiting",
            "current_involvement": "What your agency is doing now, and who is the contact",
        }
        widgets = {
            "research_summary": forms.Textarea(attrs={"rows": 8}),
            "known_risks": forms.Textarea(attrs={"rows": 4}),
            "current_involvement": forms.Textarea(attrs={"rows": 4}),
        }
        error_messages = {"research_summary": {"required": "Enter what your agency holds"}}

    CONTENT_FIELDS = ("research_summary", "known_risks", "current_involvement")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_text(self, {"research_summary": 10_000, "known_risks": 5_000, "current_involvement": 5_000})


# --- At the meeting ----------------------------------------------------------------


class AttendeeField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:  # type: ignore[override]
        return obj.full_name or obj.email


class AttendanceForm(forms.Form):
    status = forms.ChoiceField(
        label="Attendance",
        required=False,
        choices=Attendance.Status.choices,
        widget=forms.RadioSelect,
    )
    attendee = AttendeeField(
        label="Who attended",
        required=False,
        queryset=User.objects.none(),
        empty_label="Choose a person",
    )
    attendee_name = forms.CharField(label="Or their name, if they are not listed", max_length=200, required=False)
    deputising_for = AttendeeField(
        label="Attending in place of",
        required=False,
        queryset=User.objects.none(),
        empty_label="Nobody",
        help_text="If they came for someone else of the agency, such as the deputy for the lead",
    )
    notes = forms.CharField(label="Notes", max_length=500, required=False)

    def __init__(self, *args: Any, agency: Agency, staff: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.agency = agency
        # The choices come from the staff already loaded for the page; the queryset is only used to
        # check a post, and holds only the agency's own people: nobody deputises across agencies.
        for name, empty in (("attendee", "Choose a person"), ("deputising_for", "Nobody")):
            field = self.fields[name]
            field.queryset = User.objects.filter(agency=agency, is_active=True)
            field.choices = [("", empty), *[(person.pk, field.label_from_instance(person)) for person in staff]]
            field.error_messages["invalid_choice"] = f"Select someone who works for {agency.name}"

    def clean(self) -> dict[str, Any]:
        """An agency left without a status is not recorded; anything else entered for it needs one."""
        data = super().clean()
        status = data.get("status")
        named = data.get("attendee") or (data.get("attendee_name") or "").strip()
        if not status and (named or (data.get("notes") or "").strip()):
            self.add_error("status", f"Select whether {self.agency.name} attended")
        if status == Attendance.Status.ATTENDED and not named:
            self.add_error("attendee", f"Select who attended for {self.agency.name}, or enter their name")
        deputy_for = data.get("deputising_for")
        if deputy_for is not None:
            if status != Attendance.Status.ATTENDED:
                self.add_error(
                    "deputising_for", f"Only someone who attended for {self.agency.name} can attend in place of another"
                )
            elif deputy_for == data.get("attendee"):
                self.add_error("deputising_for", "Someone cannot attend in place of themselves")
        return data


class GuestForm(forms.Form):
    name = forms.CharField(label="Guest's name", max_length=200, error_messages={"required": "Enter the guest's name"})
    organisation = forms.CharField(
        label="Organisation", max_length=200, error_messages={"required": "Enter the guest's organisation"}
    )


class AcknowledgementForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200, error_messages={"required": "Enter the attendee's name"})
    agency_name = forms.CharField(
        label="Agency or organisation",
        max_length=200,
        error_messages={"required": "Enter the attendee's agency or organisation"},
    )


class OfficerField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:  # type: ignore[override]
        return f"{obj.agency.name}: {obj.full_name}" if obj.agency else obj.full_name


class ItemMinutesForm(forms.Form):
    discussion = forms.CharField(
        label="Summary of the discussion",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=20000,
    )
    risk_level = forms.ChoiceField(
        label="Risk level agreed",
        choices=RiskLevel.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the risk level the panel agreed"},
    )
    lead_agency = forms.ModelChoiceField(
        label="Lead agency",
        required=False,
        queryset=Agency.objects.none(),
        empty_label="Not nominated",
    )
    lead_officer = OfficerField(
        label="Lead officer",
        required=False,
        queryset=User.objects.none(),
        empty_label="Not nominated",
        help_text="Someone who works for the lead agency",
    )
    decision = forms.ChoiceField(
        label="Decision",
        choices=AgendaItem.Decision.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select what the panel decided"},
    )
    decision.reveals = (AgendaItem.Decision.CLOSE, AgendaItem.Decision.REFER_ELSEWHERE)  # decision_reveals.html
    # Revealed by the decision it belongs to (GOV.UK conditional radios); saved as the item's decision_detail.
    decision_detail = forms.CharField(
        label="Why is the case closed?",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )
    referred_to = forms.CharField(
        label="Which panel is it referred to, and why?",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )
    next_review_on = GovukDateField(
        label="Next review date",
        required=False,
        help_text="If left empty, the case is reviewed at the next meeting.",
    )
    # The item's revision when this form was shown: a save over someone else's is refused.
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead_agency"].queryset = Agency.objects.filter(is_active=True)
        self.fields["lead_officer"].queryset = (
            User.objects.filter(is_active=True, agency__is_active=True)
            .select_related("agency")
            .order_by("agency__name", "full_name")
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        agency, officer = data.get("lead_agency"), data.get("lead_officer")
        if officer is not None and agency is None:
            self.add_error("lead_agency", "Select the lead agency the lead officer works for")
        elif officer is not None and agency is not None and officer.agency_id != agency.pk:
            self.add_error("lead_officer", f"Select a lead officer who works for {agency.name}")
        # Only the chosen decision's revealed question counts; the hidden one is ignored.
        decision = data.get("decision")
        revealed = {AgendaItem.Decision.CLOSE: "decision_detail", AgendaItem.Decision.REFER_ELSEWHERE: "referred_to"}
        for other in set(revealed.values()) - {revealed.get(decision)}:
            self._errors.pop(other, None)  # type: ignore[union-attr]
        name = revealed.get(decision)
        data["decision_detail"] = (data.get(name) or "") if name else ""
        data.pop("referred_to", None)
        if name and name not in self.errors and not data["decision_detail"].strip():
            message = (
                "Enter why the case is closed" if name == "decision_detail" else "Enter the panel it is referred to"
            )
            self.add_error(name, message)
        return data

    @staticmethod
    def initial_for(item: AgendaItem) -> dict[str, Any]:
        """What the panel recorded, or, before that, the case as it stands."""
        case = item.case
        if item.recorded_at is not None:
            return {
                "discussion": item.discussion,
                "risk_level": item.risk_level_agreed,
                "lead_agency": item.lead_agency_id,
                "lead_officer": item.lead_officer_id,
                "decision": item.decision,
                **(
                    {"referred_to": item.decision_detail}
                    if item.decision == AgendaItem.Decision.REFER_ELSEWHERE
                    else {"decision_detail": item.decision_detail}
                ),
                "next_review_on": item.next_review_on,
                "revision": item.revision,
            }
        return {
            "risk_level": case.risk_level,
            "lead_agency": case.lead_agency_id,
            "lead_officer": case.lead_officer_id,
            "revision": item.revision,
        }


class GeneralMinutesForm(forms.Form):
    general_minutes = forms.CharField(
        label="General minutes",
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        max_length=50000,
        help_text="Apologies, matters arising, and anything not about one case. "
        "Each case's discussion is recorded on the meeting screen.",
    )
    # The minutes' revision when this form was shown.
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class ItemRemoveForm(forms.Form):
    """Confirming an item's removal: the item as it was shown (its revision and who was invited)."""

    revision = revision_field()
    invited = forms.CharField(widget=forms.HiddenInput, required=False, max_length=2000)

    def clean_invited(self) -> set[int]:
        try:
            return {int(part) for part in self.cleaned_data["invited"].split(",") if part}
        except ValueError:
            raise forms.ValidationError("Reload the page and try again") from None


class InvitationRemoveForm(forms.Form):
    """Confirming an invitation's removal: the invitation as it was shown."""

    invitation = revision_field()


class MinutesCorrectionForm(forms.Form):
    """A co-chair's correction of one text of approved minutes."""

    text = forms.CharField(
        label="Corrected text",
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=50000,
        error_messages={"required": "Enter the corrected text"},
        help_text="The whole text as it should read. The approved text stays on record, shown as superseded.",
    )
    reason = forms.CharField(
        label="Why the minutes need correcting",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        error_messages={"required": "Enter why the minutes need correcting"},
        help_text="Shown with the correction on the minutes, to everyone who reads them.",
    )
    # The minutes' revision when this form was shown: two corrections made at once are not both taken.
    revision = revision_field()


CORRECTED_PARTS = {
    MinutesCorrection.Field.GENERAL_MINUTES: "the general minutes",
    MinutesCorrection.Field.DISCUSSION: "the discussion",
    MinutesCorrection.Field.DECISION_DETAIL: "the reason for the decision, or the panel referred to",
}


# --- Packs -----------------------------------------------------------------------


class PackForSomeoneForm(forms.Form):
    """The coordinator makes a pack or minutes for a co-chair or an invited agency's lead or deputy."""

    recipient = forms.TypedChoiceField(
        label="Who is it for?",
        coerce=int,
        widget=forms.RadioSelect,
        help_text="The pack holds what they may see, not what you may see, and every page names them.",
        error_messages={"required": "Select who the pack is for", "invalid_choice": "Select who the pack is for"},
    )
    kind = forms.ChoiceField(
        label="What to make",
        widget=forms.RadioSelect,
        error_messages={"required": "Select what to make", "invalid_choice": "Select what to make"},
    )

    def __init__(self, *args: Any, recipients: list[Any], minutes: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recipient"].choices = [
            (person.pk, f"{person.full_name}, {_pack_role(person)}") for person in recipients
        ]
        kinds = MeetingPack.Kind.choices if minutes else [(MeetingPack.Kind.PACK, MeetingPack.Kind.PACK.label)]
        self.fields["kind"].choices = kinds
        if not minutes:
            self.fields["kind"].initial = MeetingPack.Kind.PACK


def _pack_role(person: Any) -> str:
    if person.is_co_chair:  # annotated by pack_recipients
        return "co-chair"
    agency = person.agency.name if person.agency else "no agency"
    return f"lead, {agency}" if person.is_agency_lead else f"deputy, {agency}"
