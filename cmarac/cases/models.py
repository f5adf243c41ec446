"""The case: the continuing record of one situation, its subjects, and who is involved.

Every model here holds case data, so every one has `objects.visible_to(user)`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

if TYPE_CHECKING:
    from cmarac.accounts.models import User


class RiskLevel(models.TextChoices):
    STANDARD = "standard", "Standard"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class CaseQuerySet(models.QuerySet["Case"]):
    def visible_to(self, user: User) -> CaseQuerySet:
        """The one way to read cases: co-chairs and coordinators see all; agency staff see
        the cases their agency is involved in; everyone else sees none. One query."""
        from cmarac.cases.access import visible_case_ids

        ids = visible_case_ids(user)
        if ids is ALL:
            return self.all()
        if ids is None:
            return self.none()
        return self.filter(pk__in=ids)

    def with_names(self) -> CaseQuerySet:
        """With the names the case page shows of its lead agency, lead officer and opener
        (`lead_agency_name`, `lead_officer_name`, `created_by_name`), not their whole rows: three
        joined models' columns cost 0.3 ms more to build the query from and the rows (ADR 0039)."""
        return self.annotate(
            lead_agency_name=models.F("lead_agency__name"),
            lead_officer_name=models.F("lead_officer__full_name"),
            created_by_name=models.F("created_by__full_name"),
        )

    def with_list_data(self) -> CaseQuerySet:
        return self.select_related("lead_agency", "lead_officer").prefetch_related(
            models.Prefetch("subjects", queryset=CaseSubject.objects.select_related("person").order_by("pk"))
        )


ALL: Any = object()  # sentinel: no restriction


class Case(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    reference = models.CharField(max_length=20, unique=True, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    risk_level = models.CharField(max_length=10, choices=RiskLevel.choices, default=RiskLevel.STANDARD)
    summary = models.TextField(blank=True, help_text="A short description of the situation.")
    lead_agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="cases_led"
    )
    lead_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="cases_led"
    )
    opened_on = models.DateField(default=timezone.localdate)
    closed_on = models.DateField(null=True, blank=True)
    closure_reason = models.TextField(blank=True)
    is_repeat = models.BooleanField("repeat case", default=False)
    # A referrer answered "Potential ASB Case Review" on a referral accepted into this case.
    asb_case_review_potential = models.BooleanField("potential ASB Case Review (from a referral)", default=False)
    # Set and cleared by a co-chair, with a reason kept in the case timeline (CaseEvent).
    asb_case_review_threshold_reached = models.BooleanField("ASB Case Review threshold reached", default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Set once, when the retention policy removed the case's personal data and free text.
    anonymised_at = models.DateTimeField(null=True, blank=True, editable=False)
    # What the case search matches, in capitals: the reference and each subject's names, other
    # names and postcode, one to a line. Kept by cmarac.cases.search whenever a subject or a person
    # changes; never shown, and left out of the audit trail (ADR 0026).
    search_text = models.TextField(blank=True, default="", editable=False)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_on", "-pk"]
        # The case list's default order (newest first, open cases), and its "all statuses" form; the
        # ids of one status in id order, which an agency's grants are merged with to count its list
        # (without it, PostgreSQL walks every closed case to reach the open ones: ADR 0026).
        indexes = [
            models.Index(fields=["status", "-opened_on", "-id"], name="case_list_by_status"),
            models.Index(fields=["-opened_on", "-id"], name="case_list_newest"),
            models.Index(fields=["status", "id"], name="case_status_id"),
            # The closed cases not yet anonymised, by closing date: the retention job's nightly
            # question ("any due?") and its batches start here, not from every closed case.
            models.Index(
                fields=["closed_on", "id"],
                name="case_retention_due",
                condition=Q(status="closed", anonymised_at__isnull=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", closed_on__isnull=True) | Q(status="closed", closed_on__isnull=False),
                name="case_closed_on_matches_status",
            ),
        ]
        permissions = []  # view_case (a default permission) is the object permission granted to agencies

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("cases:detail", args=[self.reference])

    def get_additional_data(self) -> dict[str, str]:
        return {"case": self.reference}

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class CaseReferenceCounter(models.Model):
    """The last number issued per year, so references are never reused even after deletion."""

    year = models.PositiveIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class CaseUserObjectPermission(UserObjectPermissionBase):
    """Unused by design (access is granted to agency groups), kept so guardian finds a direct model."""

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        pass


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="group_permissions")

    class Meta(GroupObjectPermissionBase.Meta):
        pass


class CaseRecord(models.Model):
    """A record that belongs to one case: its audit entries carry the case reference."""

    case: Any

    class Meta:
        abstract = True

    def get_additional_data(self) -> dict[str, str]:
        return {"case": self.case.reference}


class SubjectDataQuerySet(models.QuerySet[Any]):
    """Shared by the models that hang off a case: visible when their case is."""

    case_path = "case"

    def visible_to(self, user: User) -> SubjectDataQuerySet:
        from cmarac.cases.access import restrict_to_visible_cases

        return restrict_to_visible_cases(self, user, self.case_path)  # type: ignore[return-value]


class PersonQuerySet(SubjectDataQuerySet):
    case_path = "case_roles__case"

    def visible_to(self, user: User) -> PersonQuerySet:
        return super().visible_to(user).distinct()


class Person(models.Model):
    """Someone a case is about. One person may be a subject of several cases."""

    class Gender(models.TextChoices):
        FEMALE = "female", "Female"
        MALE = "male", "Male"
        NON_BINARY = "non-binary", "Non-binary"
        OTHER = "other", "Other"
        NOT_KNOWN = "not-known", "Not known"

    given_name = models.CharField("first name", max_length=100)
    family_name = models.CharField("last name", max_length=100, blank=True)
    aliases = models.CharField("other names or aliases", max_length=300, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    approximate_age = models.PositiveSmallIntegerField(null=True, blank=True)
    # What is left of the date of birth once a case is anonymised, e.g. "1980-1989", for reporting.
    birth_year_band = models.CharField(max_length=9, blank=True, editable=False)
    gender = models.CharField(max_length=12, choices=Gender.choices, default=Gender.NOT_KNOWN)
    address = models.TextField(blank=True)
    postcode = models.CharField(max_length=10, blank=True, db_index=True)
    phone = models.CharField("phone number", max_length=40, blank=True)
    email = models.EmailField("email address", blank=True)
    safe_to_contact = models.BooleanField(default=False)
    contact_notes = models.CharField("how to contact safely", max_length=300, blank=True)
    vulnerabilities = models.TextField(blank=True)
    first_language = models.CharField(max_length=60, blank=True)
    interpreter_needed = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "given_name"]
        verbose_name_plural = "people"

    def __str__(self) -> str:
        # Never the name: str() is what the audit trail and logs show.
        return f"person {self.pk}"

    @property
    def full_name(self) -> str:
        return self.name_from(self.given_name, self.family_name)

    @staticmethod
    def name_from(given_name: str, family_name: str) -> str:
        return " ".join(part for part in (given_name, family_name) if part)


class CaseSubject(CaseRecord):
    class Role(models.TextChoices):
        VICTIM = "victim", "Victim"
        WITNESS = "witness", "Witness"
        ALLEGED_PERPETRATOR = "alleged-perpetrator", "Alleged perpetrator"
        HOUSEHOLD_MEMBER = "household-member", "Other household member"
        CHILD_IN_HOUSEHOLD = "child", "Child in household"
        OTHER = "other", "Other"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="subjects")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="case_roles")
    role = models.CharField(max_length=24, choices=Role.choices)

    objects = SubjectDataQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "person", "role"], name="case_subject_unique_role"),
        ]

    def __str__(self) -> str:
        return f"subject {self.pk} of {self.case.reference}"


class CaseInvolvement(CaseRecord):
    """Why an agency may see a case. The agency's access lasts while any reason remains."""

    class Reason(models.TextChoices):
        REFERRED = "referred", "Referred the case"
        LEAD = "lead", "Lead agency"
        INVITED = "invited", "Invited to an agenda item"
        ACTION_OWNER = "action-owner", "Owns an action"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="involvements")
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="involvements")
    reason = models.CharField(max_length=16, choices=Reason.choices)
    # What gave rise to it (e.g. "referral:12", "agenda-item:40"), so each source is revoked on its own.
    source = models.CharField(max_length=60, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SubjectDataQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "agency", "reason", "source"], name="case_involvement_unique"),
        ]
        # "Newly shared with your agency since your last visit" (home page, case list filter): the
        # agency's recent involvements only, however many cases it has ever been involved in.
        indexes = [models.Index(fields=["agency", "created_at"], name="case_involvement_agency_new")]

    def __str__(self) -> str:
        return f"{self.agency}: {self.get_reason_display()}"


class RiskLevelChange(CaseRecord):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="risk_history")
    risk_level = models.CharField(max_length=10, choices=RiskLevel.choices)
    reason = models.CharField(max_length=300, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    objects = SubjectDataQuerySet.as_manager()

    class Meta:
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_risk_level_display()} from {self.changed_at:%Y-%m-%d}"


class LeadChange(CaseRecord):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="lead_history")
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    objects = SubjectDataQuerySet.as_manager()

    class Meta:
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"Lead {self.agency or 'none'} from {self.changed_at:%Y-%m-%d}"


class CaseEvent(CaseRecord):
    """One line of the case timeline. Later parts of the service add their own kinds."""

    class Kind(models.TextChoices):
        OPENED = "opened", "Case opened"
        CLOSED = "closed", "Case closed"
        REOPENED = "reopened", "Case reopened"
        SUBJECT_ADDED = "subject-added", "Subject added"
        SUBJECT_CHANGED = "subject-changed", "Subject details changed"
        SUBJECT_REMOVED = "subject-removed", "Subject removed"
        AGENCY_INVOLVED = "agency-involved", "Agency involved"
        AGENCY_WITHDRAWN = "agency-withdrawn", "Agency no longer involved"
        RISK_CHANGED = "risk-changed", "Risk level changed"
        LEAD_CHANGED = "lead-changed", "Lead agency changed"
        REFERRAL_ACCEPTED = "referral-accepted", "Referral accepted"
        ADDED_TO_AGENDA = "added-to-agenda", "Added to a meeting agenda"
        REMOVED_FROM_AGENDA = "removed-from-agenda", "Removed from a meeting agenda"
        DISCUSSED = "discussed", "Discussed at a meeting"
        ACTION_SET = "action-set", "Action set"
        ACTION_UPDATED = "action-updated", "Action updated"
        ACTION_CLOSED = "action-closed", "Action closed"
        ACTION_CARRIED_FORWARD = "action-carried-forward", "Action carried forward"
        ACTION_REASSIGNED = "action-reassigned", "Action reassigned"
        ASB_REVIEW_POTENTIAL = "asb-review-potential", "Referrer raised a potential ASB Case Review"
        ASB_THRESHOLD_REACHED = "asb-threshold-reached", "ASB Case Review threshold reached"
        ASB_THRESHOLD_CLEARED = "asb-threshold-cleared", "ASB Case Review threshold flag cleared"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    description = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = SubjectDataQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-pk"]

    def __str__(self) -> str:
        return self.get_kind_display()
