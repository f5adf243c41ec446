"""Referrals: a practitioner's concern, with its risk checklist, on its way to a case."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q

from cmarac.cases.models import CaseSubject, Person, RiskLevel

if TYPE_CHECKING:
    from cmarac.accounts.models import User


# --- Risk checklists ----------------------------------------------------------


class ChecklistTemplate(models.Model):
    """One version of a risk checklist. Published versions never change; referrals keep theirs."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        RETIRED = "retired", "Retired"

    name = models.CharField(max_length=200)
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    introduction = models.TextField(blank=True)
    medium_from = models.PositiveIntegerField("medium risk from score")
    high_from = models.PositiveIntegerField("high risk from score")
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Every change to a draft (thresholds, questions, answers) moves it on (ADR 7).
    revision = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="checklist_version_unique"),
            models.UniqueConstraint(
                fields=["name"], condition=Q(status="published"), name="checklist_one_published_version"
            ),
            models.CheckConstraint(condition=Q(high_from__gt=models.F("medium_from")), name="checklist_thresholds"),
        ]

    def __str__(self) -> str:
        return f"{self.name} (version {self.version}, {self.get_status_display().lower()})"

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT

    def level_for(self, score: int) -> str:
        if score >= self.high_from:
            return RiskLevel.HIGH
        if score >= self.medium_from:
            return RiskLevel.MEDIUM
        return RiskLevel.STANDARD


class ChecklistQuestion(models.Model):
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="questions")
    section = models.CharField(max_length=200)
    order = models.PositiveIntegerField()
    text = models.CharField(max_length=500)
    help_text = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["order", "pk"]
        constraints = [models.UniqueConstraint(fields=["template", "order"], name="checklist_question_order")]

    def __str__(self) -> str:
        return self.text


class ChecklistOption(models.Model):
    question = models.ForeignKey(ChecklistQuestion, on_delete=models.CASCADE, related_name="options")
    order = models.PositiveIntegerField()
    label = models.CharField(max_length=200)
    score = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return f"{self.label} ({self.score})"


# --- Referrals ----------------------------------------------------------------


class ReferralQuerySet(models.QuerySet["Referral"]):
    def visible_to(self, user: User) -> ReferralQuerySet:
        """Referrers see their own referrals, drafts included. Co-chairs and coordinators see every
        submitted referral. Nobody else sees any, and nobody sees another person's draft."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        own = Q(referrer=user)
        if user.sees_all_cases:
            return self.filter(own | ~Q(status=Referral.Status.DRAFT))
        return self.filter(own)

    def awaiting_triage(self) -> ReferralQuerySet:
        return self.filter(status=Referral.Status.SUBMITTED)


class Referral(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        MORE_INFORMATION = "more-information", "More information requested"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"

    class IssueType(models.TextChoices):
        CUCKOOING = "cuckooing", "Cuckooing"
        HOARDING = "hoarding", "Hoarding"
        HATE_CRIME = "hate-crime", "Hate crime"
        MENTAL_HEALTH = "mental-health", "Mental health"
        NEIGHBOUR_DISPUTE = "neighbour-dispute", "Neighbour dispute"
        NOISE = "noise", "Noise"
        DRUGS = "drugs", "Drugs"
        HARASSMENT = "harassment", "Harassment or intimidation"
        CRIMINAL_DAMAGE = "criminal-damage", "Criminal damage"
        REPEAT_VICTIM = "repeat-victim", "Repeat victim"
        REPEAT_PERPETRATOR = "repeat-perpetrator", "Repeat perpetrator"
        ASB_CASE_REVIEW = "asb-case-review", "Potential ASB Case Review"
        OTHER = "other", "Other"

    class HateCrimeStrand(models.TextChoices):
        RACE = "race", "Race or ethnicity"
        RELIGION = "religion", "Religion or belief"
        SEXUAL_ORIENTATION = "sexual-orientation", "Sexual orientation"
        DISABILITY = "disability", "Disability"
        TRANSGENDER = "transgender", "Transgender identity"
        OTHER = "other", "Other"

    class Consent(models.TextChoices):
        YES = "yes", "Yes, the subject consented"
        NO = "no", "No, the subject did not consent"
        NOT_ASKED = "not-asked", "The subject was not asked"

    class SharingBasis(models.TextChoices):
        PREVENT_CRIME = "prevent-crime", "To prevent or detect crime (Crime and Disorder Act 1998, section 115)"
        VITAL_INTERESTS = "vital-interests", "To protect someone's vital interests"
        SAFEGUARDING = "safeguarding", "To safeguard a child or an adult at risk"
        PUBLIC_TASK = "public-task", "For a public task in the public interest"
        OTHER = "other", "Other"

    reference = models.CharField(max_length=20, unique=True, editable=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    referrer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referrals")
    referring_agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="referrals"
    )
    contact_phone = models.CharField("your phone number", max_length=40, blank=True)
    contact_email = models.EmailField("your email address", blank=True)

    issue_types = models.JSONField(default=list, blank=True)
    hate_crime_strand = models.CharField(max_length=20, choices=HateCrimeStrand.choices, blank=True)
    other_issue = models.CharField(max_length=200, blank=True)
    concerns = models.TextField("summary of concerns", blank=True)
    chronology = models.TextField("chronology of incidents", blank=True)
    actions_taken = models.TextField("what your agency has already done", blank=True)
    request_of_panel = models.TextField("what you ask of the panel", blank=True)

    criterion_high_risk = models.BooleanField("high risk by checklist score", default=False)
    criterion_escalation = models.BooleanField("potential escalation", default=False)
    criterion_professional_judgement = models.BooleanField("professional judgement", default=False)
    professional_judgement_reasons = models.TextField(blank=True)
    criterion_multi_agency = models.BooleanField("multi-agency approach needed", default=False)

    consent = models.CharField(max_length=10, choices=Consent.choices, blank=True)
    unsafe_to_ask = models.BooleanField("it was unsafe to ask for consent", default=False)
    sharing_basis = models.CharField(max_length=20, choices=SharingBasis.choices, blank=True)
    sharing_justification = models.TextField(blank=True)

    checklist = models.ForeignKey(ChecklistTemplate, on_delete=models.PROTECT, related_name="referrals")
    score = models.PositiveIntegerField(default=0)
    scored_level = models.CharField(max_length=10, choices=RiskLevel.choices, default=RiskLevel.STANDARD)
    # The referrer may raise the level by professional judgement (with a reason), never lower it.
    raised_level = models.CharField(max_length=10, choices=RiskLevel.choices, blank=True)
    level_raised_reason = models.TextField(blank=True)
    risk_level = models.CharField(max_length=10, choices=RiskLevel.choices, default=RiskLevel.STANDARD)

    submitted_at = models.DateTimeField(null=True, blank=True)
    meeting_date = models.DateTimeField(null=True, blank=True)
    # The meeting record for that date, once the schedule has made it.
    meeting = models.ForeignKey(
        "meetings.Meeting", on_delete=models.SET_NULL, null=True, blank=True, related_name="referrals"
    )
    is_late = models.BooleanField(default=False)
    accepted_as_urgent = models.BooleanField(default=False)

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="referrals")
    is_repeat = models.BooleanField(default=False)
    information_request = models.TextField(blank=True)
    decision_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Bumped on every save through the services: a stale form is refused, not applied.
    revision = models.PositiveIntegerField(default=0)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The triage list's decided tab, the most recently decided first: a page walks this
            # index, not every decided referral sorted (ADR 0026).
            models.Index(
                fields=["-decided_at", "-id"],
                name="referral_decided_newest",
                condition=Q(status__in=["accepted", "declined"]),
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("referrals:detail", args=[self.reference])

    def get_additional_data(self) -> dict[str, str]:
        data = {"referral": self.reference}
        if self.case_id:
            data["case"] = self.case.reference
        return data

    @property
    def is_editable_by_referrer(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.MORE_INFORMATION)

    def get_issue_type_labels(self) -> list[str]:
        labels = dict(self.IssueType.choices)
        return [labels.get(value, value) for value in self.issue_types]


class SubjectDataQuerySet(models.QuerySet["ReferralSubject"]):
    def visible_to(self, user: User) -> SubjectDataQuerySet:
        return self.filter(referral__in=Referral.objects.visible_to(user).values("pk"))


class ReferralSubject(models.Model):
    """A person as the referrer described them. Accepting the referral links or creates a Person."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="subjects")
    role = models.CharField(max_length=24, choices=CaseSubject.Role.choices)
    given_name = models.CharField("first name", max_length=100)
    family_name = models.CharField("last name", max_length=100, blank=True)
    aliases = models.CharField("other names or aliases", max_length=300, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    approximate_age = models.PositiveSmallIntegerField(null=True, blank=True)
    gender = models.CharField(max_length=12, choices=Person.Gender.choices, default=Person.Gender.NOT_KNOWN)
    address = models.TextField(blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    phone = models.CharField("phone number", max_length=40, blank=True)
    email = models.EmailField("email address", blank=True)
    safe_to_contact = models.BooleanField(default=False)
    contact_notes = models.CharField("how to contact safely", max_length=300, blank=True)
    vulnerabilities = models.TextField(blank=True)
    first_language = models.CharField(max_length=60, blank=True)
    interpreter_needed = models.BooleanField(default=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="referrals")

    objects = SubjectDataQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        # Never the name: str() is what the audit trail and logs show.
        return f"subject {self.pk} of {self.referral.reference}"

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.given_name, self.family_name) if part)

    def get_additional_data(self) -> dict[str, str]:
        return {"referral": self.referral.reference}


class ReferralAnswer(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(ChecklistQuestion, on_delete=models.PROTECT, related_name="+")
    option = models.ForeignKey(ChecklistOption, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveIntegerField()

    class Meta:
        ordering = ["question__order", "pk"]
        constraints = [models.UniqueConstraint(fields=["referral", "question"], name="referral_answer_unique")]

    def __str__(self) -> str:
        return f"answer to question {self.question_id} of {self.referral.reference}"

    def get_additional_data(self) -> dict[str, str]:
        return {"referral": self.referral.reference}


class ReferralReferenceCounter(models.Model):
    year = models.PositiveIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"
