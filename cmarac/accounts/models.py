from __future__ import annotations

from functools import cached_property

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, Group, PermissionsMixin
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from cmarac.accounts.roles import ROLE_BY_GROUP_NAME, ROLES_NEEDING_APPROVAL, Role


class Agency(models.Model):
    """A member agency of the partnership. Its Group receives object permissions on cases."""

    class Kind(models.TextChoices):
        POLICE = "police", "Police"
        COUNCIL = "council", "Council"
        HOUSING_PROVIDER = "housing", "Housing provider"
        MENTAL_HEALTH = "mental-health", "Mental health"
        HEALTH = "health", "Health"
        ADULT_SOCIAL_CARE = "adult-social-care", "Adult social care"
        CHILDRENS_SERVICES = "childrens-services", "Children's services"
        FIRE = "fire", "Fire"
        AMBULANCE = "ambulance", "Ambulance"
        VICTIM_SUPPORT = "victim-support", "Victim support"
        PROBATION = "probation", "Probation"
        SUBSTANCE_USE = "substance-use", "Substance use"
        CHARITY = "charity", "Charity"
        OTHER = "other", "Other"

    class Membership(models.TextChoices):
        CORE = "core", "Core member"
        FLEXIBLE = "flexible", "Flexible member"

    name = models.CharField(max_length=200, unique=True)
    short_name = models.SlugField(max_length=40, unique=True, help_text="Used in the agency's group name.")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    membership = models.CharField(max_length=10, choices=Membership.choices, default=Membership.FLEXIBLE)
    is_active = models.BooleanField("active", default=True)
    members_see_cases = models.BooleanField(
        "members see the agency's cases",
        default=True,
        help_text="If not, only the lead and deputy see the cases the agency attends.",
    )
    contact_email = models.EmailField(blank=True, help_text="A shared team mailbox, not a person's.")
    lead = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="agencies_led"
    )
    deputy = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="agencies_deputised"
    )
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="agency", editable=False)
    # Raised by each save through the service pages; an edit form sends the one it was shown (ADR 7).
    revision = models.PositiveIntegerField(default=0, editable=False)
    # Records of processing: the basis on which the agency shares information with the partnership.
    sharing_agreement_signed_on = models.DateField("information sharing agreement signed on", null=True, blank=True)
    confidentiality_statement_signed_on = models.DateField("confidentiality statement signed on", null=True, blank=True)
    sharing_agreement_renew_by = models.DateField(
        "sign the agreement again by", null=True, blank=True, help_text="After this date the agreement has lapsed."
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(lead=models.F("deputy")) | models.Q(lead__isnull=True),
                name="agency_lead_is_not_deputy",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def notify_addresses(self) -> list[str]:
        """Where the agency is told things: its team mailbox and its active lead and deputy, each
        once. Empty means nobody at the agency can be told (callers say so; they never pretend).
        Load `lead` and `deputy` with the agency (select_related) to keep this free of queries."""
        addresses: list[str] = []
        candidates = [self.contact_email] + [
            person.email for person in (self.lead, self.deputy) if person is not None and person.is_active
        ]
        for address in candidates:
            if address and address.lower() not in (known.lower() for known in addresses):
                addresses.append(address)
        return addresses

    @staticmethod
    def group_name_for(short_name: str) -> str:
        return f"Agency: {short_name}"


def normalise_email(email: str) -> str:
    """The one form of an email address the service keeps and compares: trimmed and lower case.

    Sign-in, the lockout count, the password reset and storage all use it, so an address typed in
    another case is the same account and the same count."""
    return email.strip().lower()


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email: str | None) -> str:
        return normalise_email(email or "")

    def _create_user(self, email: str, password: str | None, **fields: object) -> User:
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=normalise_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, username: str | None) -> User:
        # People type their email address in any case; it is stored normalised.
        return self.get(email=normalise_email(username or ""))

    def create_user(self, email: str, password: str | None = None, **fields: object) -> User:
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields: object) -> User:
        fields["is_staff"] = True
        fields["is_superuser"] = True
        return self._create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in. Email is the login."""

    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=200)
    job_title = models.CharField(max_length=200, blank=True)
    phone = models.CharField("phone number", max_length=40, blank=True)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="staff")
    is_active = models.BooleanField("active", default=True)
    is_staff = models.BooleanField(
        "staff status", default=False, help_text="Can sign in to the Django admin for agencies and users."
    )
    date_joined = models.DateTimeField(default=timezone.now)
    # Raised by each change made through the service pages; an edit form sends the one it was shown (ADR 7).
    revision = models.PositiveIntegerField(default=0, editable=False)
    # When the person first opened their home page in their latest session: the next session's home
    # page shows what was shared with their agency since then.
    home_seen_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name"]
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_unique_ignoring_case")]

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = normalise_email(self.email or "")

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @cached_property
    def roles(self) -> frozenset[Role]:
        """The person's roles, from their groups (one query, cached on the instance)."""
        names = self.groups.filter(name__startswith="Role: ").values_list("name", flat=True)
        return frozenset(ROLE_BY_GROUP_NAME[name] for name in names if name in ROLE_BY_GROUP_NAME)

    def has_role(self, *roles: Role) -> bool:
        return any(role in self.roles for role in roles)

    @property
    def sees_all_cases(self) -> bool:
        return self.has_role(Role.COORDINATOR, Role.CO_CHAIR)

    @property
    def is_agency_lead(self) -> bool:
        return self.agency_id is not None and self.agency is not None and self.agency.lead_id == self.pk

    @property
    def is_agency_deputy(self) -> bool:
        return self.agency_id is not None and self.agency is not None and self.agency.deputy_id == self.pk


class RoleGrant(models.Model):
    """One proposal to give a person a role, and what became of it (ADR 14).

    Roles that see every case, the audit trail or the configuration need a second person: one
    co-chair or coordinator proposes, another approves. Other roles are granted by a coordinator
    at once (decided by the proposer). A grant with no proposer was made by the system (seed data).
    """

    class Outcome(models.TextChoices):
        PENDING = "pending", "Waiting for approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        REVOKED = "revoked", "Approved, since removed"

    person = models.ForeignKey(User, on_delete=models.PROTECT, related_name="role_grants")
    role = models.CharField(max_length=20, choices=Role.choices)
    proposed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="role_grants_proposed"
    )
    proposed_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="role_grants_decided"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    reason = models.TextField(blank=True, help_text="Why the role is needed, or why it was refused.")
    revoked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="role_grants_revoked"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-proposed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "role"], condition=models.Q(outcome="pending"), name="one_pending_grant_per_role"
            ),
            models.CheckConstraint(
                condition=models.Q(proposed_by__isnull=True) | ~models.Q(proposed_by=models.F("person")),
                name="grant_not_proposed_for_oneself",
            ),
            models.CheckConstraint(
                condition=models.Q(decided_by__isnull=True) | ~models.Q(decided_by=models.F("person")),
                name="grant_not_decided_for_oneself",
            ),
            # A role that needs approval is approved by someone other than its proposer.
            models.CheckConstraint(
                condition=~models.Q(
                    role__in=sorted(role.value for role in ROLES_NEEDING_APPROVAL),
                    outcome__in=["approved", "revoked"],
                    proposed_by__isnull=False,
                )
                | (models.Q(decided_by__isnull=False) & ~models.Q(decided_by=models.F("proposed_by"))),
                name="grant_approved_by_a_second_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{Role(self.role).label} role for person {self.person_id}"

    @property
    def needs_approval(self) -> bool:
        return Role(self.role) in ROLES_NEEDING_APPROVAL

    @property
    def role_label(self) -> str:
        return Role(self.role).label


class AgencyMembershipChange(models.Model):
    """A person moved into, out of or between agencies: shown to co-chairs and coordinators."""

    person = models.ForeignKey(User, on_delete=models.PROTECT, related_name="agency_changes")
    from_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    to_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    changed_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"Agency change for person {self.person_id}"


class UserSession(AbstractBaseSession):
    """A database session with the signed-in person's id in its own indexed column (see
    cmarac/accounts/session_store.py). Not a foreign key: a session outlives nothing, and is
    deleted with the person's other sessions when they are deactivated or their second factor
    is reset."""

    user_id = models.PositiveIntegerField(null=True, blank=True, db_index=True)

    @classmethod
    def get_session_store_class(cls) -> type:
        from cmarac.accounts.session_store import SessionStore

        return SessionStore

    class Meta:
        verbose_name = "session"
