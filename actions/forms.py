"""Forms of the action pages: the list's filters, setting an action, reporting progress, review."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.forms.models import ModelChoiceIterator
from django.http import QueryDict
from django.utils import timezone

from actions.models import Action
from cmarac.accounts.models import Agency, User
from cmarac.accounts.roles import Role
from cmarac.core.forms import GovukDateField, NamedChoiceField
from cmarac.core.params import parse_id
from cmarac.core.revisions import revision_field
from meetings.models import Meeting

# The update form's words for each status (the model's short labels are for tags and tables).
UPDATE_STATUS_CHOICES = [
    (Action.Status.NOT_STARTED, "Not started"),
    (Action.Status.IN_PROGRESS, "In progress"),
    (Action.Status.COMPLETED, "Completed"),
    (Action.Status.NOT_POSSIBLE, "Not possible because circumstances changed"),
    (Action.Status.NOT_DONE, "Not done"),
]
CLOSE_STATUS_CHOICES = UPDATE_STATUS_CHOICES[2:]


def _long_date(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def active_agencies() -> QuerySet[Agency]:
    return Agency.objects.filter(is_active=True).only("pk", "name")


def agency_staff() -> QuerySet[User]:
    return (
        User.objects.filter(is_active=True, agency__is_active=True, groups__name=Role.AGENCY_MEMBER.group_name)
        .select_related("agency")
        .order_by("agency__name", "full_name")
    )


class _OfferedOfficers(ModelChoiceIterator):
    def __init__(self, field: OfficerChoiceField) -> None:
        super().__init__(field)
        self.queryset = field.offered


class OfficerChoiceField(forms.ModelChoiceField):
    """Accepts any active member of staff of an active agency (the form then checks they work for
    the owning agency, and says so), but offers only the staff of one agency: the owning agency
    chosen so far (`offer_staff_of`). A select of every member of staff grows with the partnership."""

    iterator = _OfferedOfficers
    offered: QuerySet[User] = User.objects.none()

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("empty_label", "No named officer")
        super().__init__(queryset=agency_staff(), required=False, **kwargs)

    def offer_staff_of(self, agency_id: int | None) -> None:
        self.offered = agency_staff().filter(agency_id=agency_id) if agency_id else User.objects.none()
        self.widget.choices = self.choices

    def label_from_instance(self, obj: User) -> str:  # type: ignore[override]
        return f"{obj.full_name}, {obj.agency.name}"  # type: ignore[union-attr]


def _chosen_agency(form: forms.Form, default: int | None = None) -> int | None:
    """The owning agency chosen so far: posted, or given as the form's initial value."""
    raw = form.data.get("owner") if form.is_bound else form.initial.get("owner")
    chosen = parse_id(str(raw)) if raw not in (None, "") else None
    return chosen if chosen is not None else default


class _OfferedMeetings(ModelChoiceIterator):
    def __init__(self, field: MeetingChoiceField) -> None:
        super().__init__(field)
        self.queryset = field.offered

    def __iter__(self) -> Any:
        # At most MEETINGS_OFFERED + 1 rows, read in one plain query of the two columns a label
        # needs (no meeting is made): ModelChoiceIterator's iterator() opens a server-side cursor
        # on PostgreSQL (three round trips) for them.
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for pk, kind, starts_at in list(self.queryset.values_list("pk", "kind", "starts_at")):
            yield (pk, Meeting.describe(kind, starts_at))


# How many meetings the action list's filter offers (two years of monthly meetings).
MEETINGS_OFFERED = 24


class MeetingChoiceField(forms.ModelChoiceField):
    """Accepts any meeting the person may see (a link from any meeting page works), but offers only
    the most recent MEETINGS_OFFERED at which actions were set, and the one chosen."""

    iterator = _OfferedMeetings
    offered: QuerySet[Meeting] = Meeting.objects.none()


class ActionFilterForm(forms.Form):
    """The action list's filters. They live in the URL (and the CSV link carries them), so a filtered
    list can be bookmarked and the escalation email can link to `?overdue=escalated`.

    Always bound: missing filters take the page's defaults (the list shows open actions, and agency
    staff their own agency's; the CSV export, a log, takes everything the person may see)."""

    MINE, ALL = "mine", "all"
    OPEN = "open"
    DUE_ANY, DUE_OVERDUE, DUE_SOON, DUE_ESCALATED = "any", "overdue", "soon", "escalated"

    show = forms.ChoiceField(label="Show", required=False, widget=forms.RadioSelect)
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[(OPEN, "Open"), ("all", "All"), *Action.Status.choices],
        error_messages={"invalid_choice": "Select a status from the list"},
    )
    due = forms.ChoiceField(
        label="Due",
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Select when the actions are due"},
    )
    case = forms.CharField(label="Case reference", required=False, max_length=20, help_text="For example, CM-2026-0001")
    meeting = MeetingChoiceField(
        label="Set at the meeting",
        required=False,
        queryset=Meeting.objects.none(),
        empty_label="Any meeting",
        error_messages={"invalid_choice": "Select a meeting from the list"},
    )

    def __init__(self, data: QueryDict | None, *, user: User, for_export: bool = False) -> None:
        self.user = user
        self.has_agency = user.agency_id is not None
        manager = user.has_role(Role.CO_CHAIR, Role.COORDINATOR)
        data = data.copy() if data is not None else QueryDict(mutable=True)
        if data.get("overdue") == self.DUE_ESCALATED:
            data.setdefault("due", self.DUE_ESCALATED)
        data.setdefault("status", "all" if for_export else self.OPEN)
        data.setdefault("due", self.DUE_ANY)
        data.setdefault("show", self.ALL if (for_export or manager or not self.has_agency) else self.MINE)
        super().__init__(data)
        self.fields["show"].choices = (
            [(self.ALL, "All actions"), (self.MINE, "My agency's actions")]
            if manager
            else [(self.MINE, "My agency's actions"), (self.ALL, "All actions on my agency's cases")]
        )
        if not self.has_agency:
            del self.fields["show"]
        self.fields["due"].choices = [
            (self.DUE_ANY, "Any time"),
            (self.DUE_OVERDUE, "Overdue"),
            (self.DUE_SOON, f"Due within {settings.ACTION_DUE_SOON_DAYS} days"),
            (self.DUE_ESCALATED, f"Overdue for more than {settings.ACTION_ESCALATION_DAYS} days"),
        ]
        # Meetings hold no case data (Meeting.visible_to: every signed-in person).
        meetings = Meeting.objects.visible_to(user).without_minutes()
        chosen = parse_id(data.get("meeting", ""))
        field = self.fields["meeting"]
        # The most recent meetings at which actions were set, newest first, found by walking the
        # meetings by date and stopping at the limit: not every agenda item joined to every action.
        recent = meetings.filter(Exists(Action.objects.filter(agenda_item__meeting=OuterRef("pk")))).order_by(
            "-starts_at"
        )
        # With none chosen, the recent ones themselves: "the recent ones or the chosen one" with
        # none chosen asked "or id is null", which made PostgreSQL test every meeting ever held
        # (1.5 ms at 4,000 meetings), and the query around them cost 0.3 ms more.
        if chosen is None:
            field.offered = recent[:MEETINGS_OFFERED]
        else:
            wanted = Q(pk__in=recent.values("pk")[:MEETINGS_OFFERED]) | Q(pk=chosen)
            field.offered = meetings.filter(wanted).order_by("-starts_at")
        field.queryset = meetings  # after `offered`: setting the queryset builds the widget's choices

    @property
    def own_only(self) -> bool:
        """Whether the list keeps only the person's agency's actions (few, of a large agency's many
        cases: Action.objects.visible_to(row_by_row=True))."""
        return self.is_valid() and self.cleaned_data.get("show") == self.MINE

    def clean_case(self) -> str:
        return self.cleaned_data["case"].strip().upper()

    def filter(self, actions: QuerySet[Action], *, today: date) -> QuerySet[Action]:
        """Narrow `actions` (already visible_to the person) by these filters; an invalid filter
        matches nothing, so a mistyped CSV link never exports more than was asked for."""
        if not self.is_valid():
            return actions.none()
        data = self.cleaned_data
        if data.get("show", self.ALL) == self.MINE:
            actions = actions.filter(owner_id=self.user.agency_id)
        status = data["status"] or self.OPEN
        if status == self.OPEN:
            actions = actions.open()
        elif status != "all":
            actions = actions.filter(status=status)
        due = data["due"] or self.DUE_ANY
        if due == self.DUE_OVERDUE:
            actions = actions.open().filter(due_on__lt=today)
        elif due == self.DUE_SOON:
            actions = actions.open().filter(
                due_on__gte=today, due_on__lte=today + timedelta(days=settings.ACTION_DUE_SOON_DAYS)
            )
        elif due == self.DUE_ESCALATED:
            actions = actions.open().filter(due_on__lt=today - timedelta(days=settings.ACTION_ESCALATION_DAYS))
        if data["case"]:
            actions = actions.filter(case__reference=data["case"])
        if data["meeting"]:
            actions = actions.filter(agenda_item__meeting=data["meeting"])
        return actions

    def as_query(self) -> dict[str, str]:
        """The filters in effect, defaults included, as URL parameters (for the CSV link)."""
        if not self.is_bound or not self.is_valid():
            return {}
        query = {name: str(value) for name, value in self.cleaned_data.items() if value and name != "meeting"}
        if self.cleaned_data.get("meeting"):
            query["meeting"] = str(self.cleaned_data["meeting"].pk)
        return query

    def criteria(self) -> dict[str, str]:
        """What the audit trail records of the filters."""
        return self.as_query() if self.is_valid() else {"invalid": "true"}


class ActionSetForm(forms.Form):
    description = forms.CharField(
        label="What should the agency do?",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={"required": "Enter what the agency should do"},
    )
    owner = NamedChoiceField(
        label="Owning agency",
        queryset=Agency.objects.none(),
        empty_label="Select an agency",
        help_text="The agency responsible for the action. It will see this case.",
        error_messages={"required": "Select the owning agency", "invalid_choice": "Select the owning agency"},
    )
    officer = OfficerChoiceField(
        label="Officer",
        help_text="Someone who works for the owning agency",
        error_messages={"invalid_choice": "Select an officer from the list"},
    )
    due_on = GovukDateField(label="Due date", required=False)
    priority = forms.ChoiceField(
        label="Priority",
        choices=Action.Priority.choices,
        widget=forms.RadioSelect,
        initial=Action.Priority.NORMAL,
        error_messages={"required": "Select a priority"},
    )

    def __init__(self, *args: Any, default_due: date | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = active_agencies()
        owner = _chosen_agency(self)
        self.fields["officer"].offer_staff_of(owner)  # type: ignore[attr-defined]
        if owner is None:
            self.fields["officer"].help_text = "Select the owning agency first, then show its officers"
        self.fields["due_on"].help_text = (
            f"Leave blank for the day before the next meeting: {_long_date(default_due)}"
            if default_due
            else "There is no next meeting in the schedule, so enter a due date"
        )
        self.default_due = default_due

    def clean_due_on(self) -> date | None:
        due_on: date | None = self.cleaned_data["due_on"]
        if due_on is None and self.default_due is None:
            raise forms.ValidationError("Enter a due date")
        if due_on is not None and due_on < timezone.localdate():
            raise forms.ValidationError("Due date must be today or in the future")
        return due_on

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        owner, officer = data.get("owner"), data.get("officer")
        if owner and officer and officer.agency_id != owner.pk:
            self.add_error("officer", f"Select an officer who works for {owner.name}, or no named officer")
        return data


class ActionUpdateForm(forms.Form):
    status = forms.ChoiceField(
        label="Status",
        choices=UPDATE_STATUS_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the action's status"},
    )
    text = forms.CharField(
        label="What has happened? If you are completing the action, give the outcome",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        error_messages={"required": "Enter what has happened"},
    )
    # The action's revision when the form was shown: a newer one means someone else updated it.
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("status") == Action.Status.COMPLETED and "text" in self._errors:  # type: ignore[operator]
            self._errors["text"] = self.error_class(["Enter the outcome of the action"])  # type: ignore[index]
        return data


class ActionReviewForm(forms.Form):
    """At the meeting: carry an open action forward, reassign it, or close it. Only the chosen
    decision's fields are checked; the others (hidden by the radios) are ignored."""

    CARRY_FORWARD, REASSIGN, CLOSE = "carry-forward", "reassign", "close"
    FIELDS = {
        CARRY_FORWARD: ("due_on", "note"),
        REASSIGN: ("owner", "officer", "reason"),
        CLOSE: ("close_status", "close_reason"),
    }

    revision = revision_field()

    decision = forms.ChoiceField(
        label="What should happen to this action?",
        choices=[
            (CARRY_FORWARD, "Carry it forward with a new due date"),
            (REASSIGN, "Reassign it to another agency or officer"),
            (CLOSE, "Close it"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select what should happen to this action"},
    )
    due_on = GovukDateField(label="New due date", required=False)
    note = forms.CharField(
        label="Why is it carried forward?",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    owner = NamedChoiceField(
        label="Agency",
        queryset=Agency.objects.none(),
        empty_label="Select an agency",
        required=False,
        error_messages={"invalid_choice": "Select the agency to own the action"},
    )
    officer = OfficerChoiceField(
        label="Officer",
        help_text="Someone who works for that agency",
        error_messages={"invalid_choice": "Select an officer from the list"},
    )
    reason = forms.CharField(
        label="Why is it being reassigned?",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    close_status = forms.ChoiceField(
        label="Why is it being closed?",
        choices=CLOSE_STATUS_CHOICES,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Select why the action is being closed"},
    )
    close_reason = forms.CharField(
        label="Outcome or reason",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What was achieved, what changed, or why the agency did not do it",
    )

    def __init__(self, *args: Any, action: Action, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.action = action
        self.fields["owner"].queryset = active_agencies()
        self.fields["officer"].offer_staff_of(_chosen_agency(self, default=action.owner_id))  # type: ignore[attr-defined]
        self.fields["due_on"].help_text = f"It is due on {_long_date(action.due_on)}. The new date must be later."

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        decision = data.get("decision")
        # Errors on the fields of decisions not taken are not the person's concern.
        for other, names in self.FIELDS.items():
            if other != decision:
                for name in names:
                    self._errors.pop(name, None)  # type: ignore[union-attr]
                    data.pop(name, None)
        if decision == self.CARRY_FORWARD and "due_on" not in self.errors:
            due_on = data.get("due_on")
            if due_on is None:
                self.add_error("due_on", "Enter the new due date")
            elif due_on <= self.action.due_on:
                self.add_error("due_on", f"New due date must be after {_long_date(self.action.due_on)}")
        elif decision == self.REASSIGN:
            owner, officer = data.get("owner"), data.get("officer")
            if owner is None and "owner" not in self.errors:
                self.add_error("owner", "Select the agency to own the action")
            if owner and officer and officer.agency_id != owner.pk:
                self.add_error("officer", f"Select an officer who works for {owner.name}, or no named officer")
            if owner and owner.pk == self.action.owner_id and officer == self.action.officer:
                self.add_error("owner", "Select a different agency or officer")
            if not data.get("reason"):
                self.add_error("reason", "Enter why the action is being reassigned")
        elif decision == self.CLOSE:
            if not data.get("close_status") and "close_status" not in self.errors:
                self.add_error("close_status", "Select why the action is being closed")
            if not data.get("close_reason"):
                self.add_error("close_reason", "Enter the outcome or the reason")
        return data
