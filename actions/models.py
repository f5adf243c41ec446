"""Actions: what the panel asked an agency to do, its progress, and the reminders sent."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q

from cmarac.cases.models import Case, CaseRecord

if TYPE_CHECKING:
    from cmarac.accounts.models import User


class ActionQuerySet(models.QuerySet["Action"]):
    def visible_to(self, user: User, *, row_by_row: bool = False) -> ActionQuerySet:
        """Actions are case data: visible exactly when their case is (co-chairs and coordinators:
        all; an agency: every action on the cases it is involved in, its own and others').
        `row_by_row` when the caller keeps only the agency's own actions (restrict_to_visible_cases)."""
        from cmarac.cases.access import restrict_to_visible_cases

        return restrict_to_visible_cases(self, user, row_by_row=row_by_row)  # type: ignore[return-value]

    def open(self) -> ActionQuerySet:
        return self.filter(status__in=Action.OPEN_STATUSES)


class Action(CaseRecord):
    class Status(models.TextChoices):
        NOT_STARTED = "not-started", "Not started"
        IN_PROGRESS = "in-progress", "In progress"
        COMPLETED = "completed", "Completed"
        NOT_POSSIBLE = "not-possible", "Not possible: circumstances changed"
        NOT_DONE = "not-done", "Not done"

    class Priority(models.TextChoices):
        HIGH = "high", "High"
        NORMAL = "normal", "Normal"
        LOW = "low", "Low"

    OPEN_STATUSES = (Status.NOT_STARTED, Status.IN_PROGRESS)

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="actions")
    agenda_item = models.ForeignKey(
        "meetings.AgendaItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="actions"
    )
    description = models.TextField()
    owner = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="actions")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="actions"
    )
    due_on = models.DateField()
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(max_length=15, choices=Status.choices, default=Status.NOT_STARTED, db_index=True)
    outcome = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    carried_forward_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="carried_forward_to"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    revision = models.PositiveIntegerField(default=0)

    objects = ActionQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "pk"]
        # The action list's default (open actions by due date, all or one agency's) and the daily
        # reminders read open actions only: partial indexes keep them flat in closed history.
        indexes = [
            models.Index(
                fields=["due_on", "id"],
                condition=Q(status__in=["not-started", "in-progress"]),
                name="action_open_by_due",
            ),
            models.Index(
                fields=["owner", "due_on", "id"],
                condition=Q(status__in=["not-started", "in-progress"]),
                name="action_open_by_owner_due",
            ),
            # An agency's own open actions in case order, with what they are counted by: merged with
            # its grants (in case order) by index alone, for the home page's overdue and due-soon
            # counts and the action list's count (ADR 0026).
            models.Index(
                fields=["owner", "case", "due_on", "id"],
                condition=Q(status__in=["not-started", "in-progress"]),
                name="action_open_by_owner_case",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["not-started", "in-progress"]) | Q(closed_at__isnull=False),
                name="action_closed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"action {self.pk} on {self.case.reference}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("actions:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def is_overdue(self, today: object) -> bool:
        return self.is_open and self.due_on < today  # type: ignore[operator]

    @property
    def status_tag_class(self) -> str:
        """The GOV.UK tag colour of the status, as actions/includes/status_tag.html chooses it."""
        return status_tag_class(self.status)


STATUS_TAG_CLASSES = {
    Action.Status.NOT_STARTED: "govuk-tag--grey",
    Action.Status.IN_PROGRESS: "govuk-tag--light-blue",
    Action.Status.COMPLETED: "govuk-tag--green",
    Action.Status.NOT_POSSIBLE: "govuk-tag--yellow",
}


def status_tag_class(status: str) -> str:
    """The GOV.UK tag colour of an action's status (the action list's rows have no instance)."""
    return STATUS_TAG_CLASSES.get(status, "govuk-tag--orange")


class ActionUpdateQuerySet(models.QuerySet["ActionUpdate"]):
    def visible_to(self, user: User) -> ActionUpdateQuerySet:
        return self.filter(action__in=Action.objects.visible_to(user).values("pk"))


class ActionUpdate(models.Model):
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(max_length=15, choices=Action.Status.choices)
    text = models.TextField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    objects = ActionUpdateQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"update {self.pk} to {self.action}"  # "update 3 to action 1 on CM-2026-0001"

    def get_additional_data(self) -> dict[str, str]:
        return {"case": self.action.case.reference}


class DigestSent(models.Model):
    """One row per digest sent, so the daily job never sends the same digest twice in a day."""

    class Kind(models.TextChoices):
        AGENCY = "agency", "Agency digest"
        ESCALATION = "escalation", "Escalation to co-chairs and coordinators"
        COORDINATOR = "coordinator", "Coordinator's digest: agencies nobody can tell"

    kind = models.CharField(max_length=12, choices=Kind.choices)
    agency = models.ForeignKey("accounts.Agency", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    sent_on = models.DateField()
    due_soon = models.PositiveIntegerField(default=0)
    overdue = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "agency", "sent_on"], condition=Q(kind="agency"), name="digest_once_per_agency_per_day"
            ),
            models.UniqueConstraint(
                fields=["kind", "recipient", "sent_on"],
                condition=Q(kind="escalation"),
                name="escalation_once_per_chair_per_day",
            ),
            models.UniqueConstraint(
                fields=["kind", "recipient", "sent_on"],
                condition=Q(kind="coordinator"),
                name="coordinator_digest_once_per_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.sent_on}"
