"""Meetings: the monthly schedule, agendas built by the co-chairs, attendance and minutes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models import Q

from cmarac.cases.models import Case, CaseRecord, RiskLevel

if TYPE_CHECKING:
    from cmarac.accounts.models import User


def _meeting_named(meeting: Meeting) -> str:
    """A meeting as the audit trail and page titles name it: by its date, never by a database id."""
    from django.utils import timezone

    return f"the meeting of {timezone.localtime(meeting.starts_at):%-d %B %Y}"


class MeetingQuerySet(models.QuerySet["Meeting"]):
    def visible_to(self, user: User) -> MeetingQuerySet:
        """Meetings themselves hold no case data (date, place, status): every signed-in person
        of the partnership may see them. Their agenda items are restricted (AgendaItem.visible_to)."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        return self.all()

    def without_minutes(self) -> MeetingQuerySet:
        """Without the minutes' text and record (Meeting.MINUTES_COLUMNS): for lists and joins,
        which show when and where a meeting is, not what was said."""
        return self.defer(*Meeting.MINUTES_COLUMNS)


class Meeting(models.Model):
    class Kind(models.TextChoices):
        SCHEDULED = "scheduled", "Monthly meeting"
        EXTRAORDINARY = "extraordinary", "Extraordinary meeting"

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        AGENDA_PUBLISHED = "agenda-published", "Agenda published"
        HELD = "held", "Held"
        MINUTES_APPROVED = "minutes-approved", "Minutes approved"
        CANCELLED = "cancelled", "Cancelled"

    class MinutesStatus(models.TextChoices):
        DRAFT = "draft", "Draft"
        CIRCULATED = "circulated", "Circulated to attendees"
        APPROVED = "approved", "Approved"

    kind = models.CharField(max_length=15, choices=Kind.choices, default=Kind.SCHEDULED)
    # The slot the schedule made it for; a moved meeting keeps it, so the schedule never makes a twin.
    scheduled_for = models.DateTimeField(null=True, blank=True)
    starts_at = models.DateTimeField(db_index=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SCHEDULED)
    venue = models.CharField(max_length=300, blank=True)
    online_link = models.URLField(blank=True)
    co_chairs = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="meetings_chaired")
    change_reason = models.CharField("reason for the change", max_length=500, blank=True)
    confidentiality_confirmed_at = models.DateTimeField(null=True, blank=True)
    confidentiality_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    general_minutes = models.TextField(blank=True)
    minutes_status = models.CharField(max_length=12, choices=MinutesStatus.choices, default=MinutesStatus.DRAFT)
    minutes_approved_at = models.DateTimeField(null=True, blank=True)
    minutes_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # What was agreed as at approval: each item's actions with the owner, due date and status they
    # had then (ADR 0019). Approved minutes show this, never the actions' later progress.
    minutes_snapshot = models.JSONField(null=True, blank=True, editable=False)
    # Bumped on every save of minutes: two editors never silently overwrite each other.
    minutes_revision = models.PositiveIntegerField(default=0)
    # Bumped on every change of the details, date or status, and of the attendance (ADR 0007).
    revision = models.PositiveIntegerField(default=0)
    attendance_revision = models.PositiveIntegerField(default=0)
    agenda_published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MeetingQuerySet.as_manager()

    # Read only by the minutes, their corrections and the packs: the general business and, once
    # approved, the record of every action agreed at the meeting (tens of kilobytes for 25 cases).
    MINUTES_COLUMNS = ("general_minutes", "minutes_snapshot")

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheduled_for"], condition=Q(kind="scheduled"), name="meeting_one_per_scheduled_slot"
            ),
        ]
        indexes = [
            # The home page counts minutes waiting on every visit: a few meetings among years of
            # approved ones (meetings.work.minutes_lines).
            models.Index(
                fields=["minutes_status"],
                condition=Q(minutes_status__in=["draft", "circulated"]),
                name="meeting_minutes_waiting",
            ),
        ]

    def __str__(self) -> str:
        return self.describe(self.kind, self.starts_at)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("meetings:detail", args=[self.pk])

    @classmethod
    def describe(cls, kind: str, starts_at: datetime) -> str:
        """How a meeting is named: "Monthly meeting, Thursday 10 December 2026" (from two columns,
        for selects that offer meetings without making them)."""
        from django.utils import timezone

        return f"{dict(cls.Kind.choices).get(kind, kind)}, {timezone.localtime(starts_at):%A %-d %B %Y}"

    @property
    def status_tag_class(self) -> str:
        """The GOV.UK tag colour of the status (meetings/includes/status_tag.html and the list's rows)."""
        return MEETING_STATUS_TAG_CLASSES.get(self.status, "govuk-tag--grey")

    @property
    def minutes_locked(self) -> bool:
        return self.minutes_status == self.MinutesStatus.APPROVED

    @property
    def held_from(self) -> date:
        """The meeting's day in the service's time zone: it can be recorded as held from then, not before."""
        return self.starts_at.astimezone(ZoneInfo(settings.TIME_ZONE)).date()

    def may_be_held(self, today: date | None = None) -> bool:
        return (today or today_here()) >= self.held_from


def today_here() -> date:
    """Today in the service's time zone (Europe/London), whatever the request's time zone."""
    from django.utils import timezone

    return timezone.now().astimezone(ZoneInfo(settings.TIME_ZONE)).date()


MEETING_STATUS_TAG_CLASSES = {
    Meeting.Status.CANCELLED: "govuk-tag--red",
    Meeting.Status.AGENDA_PUBLISHED: "govuk-tag--blue",
    Meeting.Status.HELD: "govuk-tag--turquoise",
    Meeting.Status.MINUTES_APPROVED: "govuk-tag--green",
}


class AgendaItemQuerySet(models.QuerySet["AgendaItem"]):
    def visible_to(self, user: User) -> AgendaItemQuerySet:
        """Co-chairs and coordinators see every item; an agency sees only the items it is invited to."""
        from cmarac.cases.access import agency_sees_cases

        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.sees_all_cases:
            return self.all()
        if not agency_sees_cases(user):
            return self.none()
        return self.invited(user.agency_id)

    def invited(self, agency_id: int | None) -> AgendaItemQuerySet:
        """The items this agency is invited to."""
        return self.filter(pk__in=AgendaInvitation.objects.filter(agency_id=agency_id).values("item_id"))

    def without_minutes(self) -> AgendaItemQuerySet:
        """Without what was said at the item (AgendaItem.MINUTES_COLUMNS)."""
        return self.defer(*AgendaItem.MINUTES_COLUMNS)


class AgendaItem(CaseRecord):
    class ItemType(models.TextChoices):
        NEW = "new", "New case"
        REVIEW = "review", "Review"
        CLOSURE = "closure", "Proposed for closure"
        URGENT = "urgent", "Urgent"

    class Decision(models.TextChoices):
        REVIEW_NEXT = "review-next", "Review at the next meeting"
        KEEP_UNDER_REVIEW = "keep-under-review", "Keep under review"
        CLOSE = "close", "Close the case"
        REFER_ELSEWHERE = "refer-elsewhere", "Refer to another panel"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="agenda_items")
    item_type = models.CharField(max_length=10, choices=ItemType.choices, default=ItemType.NEW)
    position = models.PositiveIntegerField(default=0)
    minutes_allotted = models.PositiveSmallIntegerField(default=15)

    discussion = models.TextField(blank=True)
    risk_level_agreed = models.CharField(max_length=10, choices=RiskLevel.choices, blank=True)
    lead_agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lead_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision = models.CharField(max_length=20, choices=Decision.choices, blank=True)
    decision_detail = models.TextField("reason or panel referred to", blank=True)
    next_review_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)
    revision = models.PositiveIntegerField(default=0)
    # Minutes typed on the meeting screen but not yet recorded, kept while the chair sets an action
    # or opens another item: {"values": the form's raw values, "revision": the item's revision they
    # were typed against, "saved_at": ISO time, "by": user id}. Cleared when the minutes are recorded.
    minutes_draft = models.JSONField(default=dict, blank=True, editable=False)

    objects = AgendaItemQuerySet.as_manager()

    # What was said at the item: read by the meeting screen, the minutes and the packs only.
    MINUTES_COLUMNS = ("discussion", "decision_detail", "minutes_draft")

    class Meta:
        ordering = ["position", "pk"]
        constraints = [models.UniqueConstraint(fields=["meeting", "case"], name="agenda_item_case_once")]

    def __str__(self) -> str:
        return f"{self.case.reference} ({self.get_item_type_display().lower()})"

    @property
    def involvement_source(self) -> str:
        return f"agenda-item:{self.pk}"


class AgendaInvitation(models.Model):
    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="invitations")
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="agenda_invitations")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    invited_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["agency__name"]
        constraints = [models.UniqueConstraint(fields=["item", "agency"], name="agenda_invitation_once")]

    def __str__(self) -> str:
        return f"{self.agency} to {self.item}"

    def get_additional_data(self) -> dict[str, str]:
        return {"case": self.item.case.reference}


class AgencyInformation(models.Model):
    """What an invited agency holds about an item's subjects, shared before the meeting."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="agency_information")
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    research_summary = models.TextField("what your agency holds")
    known_risks = models.TextField(blank=True)
    current_involvement = models.TextField("your agency's current involvement", blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    revision = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "agency"], name="agency_information_once")]

    def __str__(self) -> str:
        return f"{self.agency} on {self.item}"

    def get_additional_data(self) -> dict[str, str]:
        return {"case": self.item.case.reference}


class Attendance(models.Model):
    class Status(models.TextChoices):
        ATTENDED = "attended", "Attended"
        APOLOGIES = "apologies", "Sent apologies"
        INFORMATION_SENT = "information-sent", "Sent apologies and information"
        ABSENT = "absent", "Did not attend"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices)
    attendee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    attendee_name = models.CharField("attended by (if not a user)", max_length=200, blank=True)
    # Who the attendee came in place of: the agency's lead, say, when its deputy attends. Same agency.
    deputising_for = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    notes = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["agency__name"]
        constraints = [models.UniqueConstraint(fields=["meeting", "agency"], name="attendance_once_per_agency")]

    def __str__(self) -> str:
        return f"{self.agency}: {self.get_status_display()}"


class MinutesCorrection(models.Model):
    """A co-chair's correction of approved minutes (ADR 0020). The approved text stays as it was;
    the minutes show the latest correction of each text, marked as such, with the earlier text
    as superseded."""

    class Field(models.TextChoices):
        GENERAL_MINUTES = "general-minutes", "General minutes"
        DISCUSSION = "discussion", "Discussion"
        DECISION_DETAIL = "decision-detail", "Reason or panel"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="corrections")
    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, null=True, blank=True, related_name="corrections")
    field = models.CharField(max_length=20, choices=Field.choices)
    text = models.TextField("corrected text", max_length=50000)
    reason = models.CharField("reason for the correction", max_length=1000)
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    made_at = models.DateTimeField()

    class Meta:
        ordering = ["made_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(field="general-minutes", item__isnull=True)
                | (~Q(field="general-minutes") & Q(item__isnull=False)),
                name="minutes_correction_item_matches_field",
            ),
        ]

    def __str__(self) -> str:
        return f"correction {self.pk} of the minutes of {_meeting_named(self.meeting)}"

    def get_additional_data(self) -> dict[str, str]:
        return {"meeting": str(self.meeting_id), **({"item": str(self.item_id)} if self.item_id else {})}


class Guest(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="guests")
    name = models.CharField(max_length=200)
    organisation = models.CharField(max_length=200)

    def __str__(self) -> str:
        return f"guest {self.pk} at {_meeting_named(self.meeting)}"


class ConfidentialityAcknowledgement(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="acknowledgements")
    name = models.CharField(max_length=200)
    agency_name = models.CharField(max_length=200)
    acknowledged_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["acknowledged_at", "pk"]

    def __str__(self) -> str:
        return f"acknowledgement {self.pk} at {_meeting_named(self.meeting)}"


class CalendarFeed(models.Model):
    """A person's secret address for the meetings calendar (titles and times only)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Calendar feed {self.pk}"


class PackQuerySet(models.QuerySet["MeetingPack"]):
    def visible_to(self, user: User) -> PackQuerySet:
        """A pack is built for one person: that person sees it, and so does the coordinator who made
        it for them (who may download it only while they may see every item in it: ADR 0024)."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        return self.filter(models.Q(recipient=user) | models.Q(made_by=user))


class MeetingPack(models.Model):
    """A PDF made for one person: the meeting pack, or the minutes, limited to what they may see."""

    class Kind(models.TextChoices):
        PACK = "pack", "Meeting pack"
        MINUTES = "minutes", "Minutes"

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting"
        BUILDING = "building", "Being made"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class WithdrawnReason(models.TextChoices):
        # Labels finish "since it was made, ..." on the pack page.
        ACCESS_ENDED = "access-ended", "the agency's access to a case in it has ended"
        INVITATION_REMOVED = "invitation-removed", "the agency is no longer invited to an item in it"
        ACCESS_CHANGED = "access-changed", "its recipient no longer has access to a case in it"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="packs")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="packs")
    # The coordinator who asked for it for the recipient; empty when the recipient asked themselves.
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="packs_made"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    file_name = models.CharField(max_length=100, blank=True)  # packs/<name> in the private storage, no URL
    pages = models.PositiveIntegerField(null=True, blank=True)
    items = models.PositiveIntegerField(null=True, blank=True)
    # The agenda items laid out in it: the download re-checks the recipient may still see each one.
    item_ids = models.JSONField(default=list, blank=True, editable=False)
    requested_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.CharField(max_length=20, choices=WithdrawnReason.choices, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    objects = PackQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {_meeting_named(self.meeting)}"

    def get_additional_data(self) -> dict[str, str]:
        data = {"meeting": str(self.meeting_id), "pack": str(self.pk), "recipient": str(self.recipient_id)}
        if self.made_by_id is not None:
            data["made_by"] = str(self.made_by_id)  # made by a coordinator for the recipient
        return data
