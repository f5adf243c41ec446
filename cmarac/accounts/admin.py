from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import QuerySet
from django.http import HttpRequest

from cmarac.accounts.forms import NormalisedEmailMixin
from cmarac.accounts.models import Agency, User
from cmarac.accounts.services import agency_save, user_sync_agency_group


class AgencyAdminForm(forms.ModelForm):
    class Meta:
        model = Agency
        fields = [
            "name",
            "short_name",
            "kind",
            "membership",
            "is_active",
            "members_see_cases",
            "contact_email",
            "lead",
            "deputy",
            "sharing_agreement_signed_on",
            "confidentiality_statement_signed_on",
            "sharing_agreement_renew_by",
        ]
        widgets = {
            "sharing_agreement_signed_on": forms.DateInput(attrs={"type": "date"}),
            "confidentiality_statement_signed_on": forms.DateInput(attrs={"type": "date"}),
            "sharing_agreement_renew_by": forms.DateInput(attrs={"type": "date"}),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for role in ("lead", "deputy"):
            person = data.get(role)
            if person is not None and (self.instance.pk is None or person.agency_id != self.instance.pk):
                self.add_error(role, f"The {role} must be a member of this agency's staff.")
        return data


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    form = AgencyAdminForm
    list_display = ["name", "kind", "membership", "is_active", "lead", "deputy"]
    list_filter = ["membership", "kind", "is_active"]
    search_fields = ["name", "short_name"]
    list_select_related = ["lead", "deputy"]
    prepopulated_fields = {"short_name": ["name"]}

    def save_model(self, request: HttpRequest, obj: Agency, form: forms.ModelForm, change: bool) -> None:
        agency_save(agency=obj)

    def has_delete_permission(self, request: HttpRequest, obj: Agency | None = None) -> bool:
        # Agencies are made inactive, never deleted: cases and the audit trail refer to them.
        return False


class UserCreationForm(NormalisedEmailMixin, AdminUserCreationForm):
    class Meta:
        model = User
        fields = ["email", "full_name"]


class UserEditForm(NormalisedEmailMixin, UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    ordering = ["full_name"]
    list_display = ["full_name", "email", "agency", "job_title", "is_active", "is_staff"]
    list_filter = ["agency", "groups", "is_active", "is_staff"]
    list_select_related = ["agency"]
    search_fields = ["full_name", "email"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Person", {"fields": ("full_name", "job_title", "phone", "agency")}),
        ("Roles and access", {"fields": ("groups", "is_active", "is_staff")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    superuser_fieldsets = (
        *fieldsets[:2],
        ("Roles and access", {"fields": ("groups", "is_active", "is_staff", "is_superuser")}),
        fieldsets[3],
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "full_name", "usable_password", "password1", "password2"),
            },
        ),
    )
    readonly_fields = ["last_login", "date_joined"]
    filter_horizontal = ["groups"]

    def get_fieldsets(self, request: HttpRequest, obj: User | None = None) -> Any:
        if obj is not None and getattr(request.user, "is_superuser", False):
            return self.superuser_fieldsets
        return super().get_fieldsets(request, obj)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "groups":
            # Roles only: agency groups follow the person's agency automatically.
            kwargs["queryset"] = db_field.related_model.objects.filter(name__startswith="Role: ")
            kwargs["help_text"] = "The person's roles. Agency access follows the agency chosen above."
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        user_sync_agency_group(user=form.instance)

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        # People are deactivated, never deleted: the audit trail must still name them.
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).select_related("agency")
