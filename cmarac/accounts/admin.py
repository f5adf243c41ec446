from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from cmarac.accounts.models import Agency, User
from cmarac.accounts.services import STALE_MESSAGE, agency_save


class RevisionCheckedForm(forms.ModelForm):
    """An admin change form that carries the revision it was shown (ADR 7). The admin validates
    and saves in one transaction: the row is locked while its revision is compared, so a save
    over someone else's change since (here or in the service) is refused with the service's
    message at the top of the form, never made over it."""

    # Not named "revision": the admin lists a form's fields to the model form, which refuses the
    # model's own non-editable field of that name.
    seen_revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial.setdefault("seen_revision", self.instance.revision)
            self.fields["seen_revision"].required = True

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        seen = cleaned.get("seen_revision")
        if self.instance.pk is not None and seen is not None:
            model = type(self.instance)
            current = model.objects.select_for_update().filter(pk=self.instance.pk).values_list("revision", flat=True)
            if current.first() != seen:
                raise forms.ValidationError(STALE_MESSAGE, code="stale")
        return cleaned


class AgencyAdminForm(RevisionCheckedForm):
    class Meta:
        model = Agency
        fields = [
            "name",
            "short_name",
            "kind",
            "membership",
            "contact_email",
            "sharing_agreement_signed_on",
            "confidentiality_statement_signed_on",
            "sharing_agreement_renew_by",
        ]
        widgets = {
            "sharing_agreement_signed_on": forms.DateInput(attrs={"type": "date"}),
            "confidentiality_statement_signed_on": forms.DateInput(attrs={"type": "date"}),
            "sharing_agreement_renew_by": forms.DateInput(attrs={"type": "date"}),
        }


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    form = AgencyAdminForm
    list_display = ["name", "kind", "membership", "is_active", "lead", "deputy"]
    list_filter = ["membership", "kind", "is_active"]
    search_fields = ["name", "short_name"]
    list_select_related = ["lead", "deputy"]
    prepopulated_fields = {"short_name": ["name"]}
    # Who sees the agency's cases (its lead and deputy, its members, whether it is active at all)
    # is decided by coordinators in the service, audited; never by the configuration role here.
    readonly_fields = ["lead", "deputy", "is_active", "members_see_cases"]

    def save_model(self, request: HttpRequest, obj: Agency, form: forms.ModelForm, change: bool) -> None:
        obj.revision += 1
        agency_save(agency=obj)

    def has_delete_permission(self, request: HttpRequest, obj: Agency | None = None) -> bool:
        # Agencies are made inactive, never deleted: cases and the audit trail refer to them.
        return False


class UserEditForm(RevisionCheckedForm):
    """Names and job details only. Roles, agency, active and staff status and passwords are
    changed in the service (Manage agencies and users), under its rules and audit (ADR 14)."""

    class Meta:
        model = User
        fields = ["full_name", "job_title", "phone"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    ordering = ["full_name"]
    list_display = ["full_name", "email", "agency", "job_title", "is_active", "is_staff"]
    list_filter = ["agency", "groups", "is_active", "is_staff"]
    list_select_related = ["agency"]
    search_fields = ["full_name", "email"]
    fieldsets = (
        (None, {"fields": ("email",)}),
        ("Person", {"fields": ("full_name", "job_title", "phone", "agency", "seen_revision")}),
        ("Roles and access (change them under Manage agencies and users)", {"fields": ("roles_held", "is_active")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = ["email", "agency", "roles_held", "is_active", "last_login", "date_joined"]
    filter_horizontal = []

    @admin.display(description="Roles")
    def roles_held(self, obj: User) -> str:
        return ", ".join(role.label for role in sorted(obj.roles)) or "None"

    def get_fieldsets(self, request: HttpRequest, obj: User | None = None) -> Any:
        return self.fieldsets

    def get_form(self, request: HttpRequest, obj: User | None = None, change: bool = False, **kwargs: Any) -> Any:
        kwargs["form"] = self.form
        return admin.ModelAdmin.get_form(self, request, obj, change=change, **kwargs)

    def get_urls(self) -> list[Any]:
        # Without UserAdmin's "<id>/password/": nobody sets another person's password.
        return admin.ModelAdmin.get_urls(self)

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> Any:
        raise Http404

    def save_model(self, request: HttpRequest, obj: User, form: forms.ModelForm, change: bool) -> None:
        obj.revision += 1
        obj.save(update_fields=["full_name", "job_title", "phone", "revision"])

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # No related fields are editable here.
        return None

    def has_add_permission(self, request: HttpRequest) -> bool:
        # People are invited in the service, which emails them a link to set their own password.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        # People are deactivated, never deleted: the audit trail must still name them.
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).select_related("agency")
