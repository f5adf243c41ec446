"""Coordinators manage risk checklists here: copy the current version, edit the draft, publish.

Published and retired versions are read-only: referrals keep the version they were made with.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from referrals.checklists import checklist_new_version, checklist_publish
from referrals.models import ChecklistOption, ChecklistQuestion, ChecklistTemplate


def _draft(obj: Any) -> bool:
    template = obj if isinstance(obj, ChecklistTemplate) else getattr(obj, "template", None)
    if isinstance(obj, ChecklistOption):
        template = obj.question.template
    return template is None or template.is_editable


class QuestionInline(admin.TabularInline):
    model = ChecklistQuestion
    fields = ["order", "section", "text", "help_text"]
    extra = 0
    show_change_link = True

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _draft(obj) and super().has_change_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _draft(obj) and super().has_add_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _draft(obj) and super().has_delete_permission(request, obj)


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "version", "status", "medium_from", "high_from", "published_at"]
    list_filter = ["status"]
    fields = ["name", "version", "status", "introduction", "medium_from", "high_from", "published_at"]
    readonly_fields = ["name", "version", "status", "published_at"]
    inlines = [QuestionInline]
    actions = ["make_new_version", "publish"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # new versions are copies of an existing one (the action)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is not None and obj.is_editable and super().has_delete_permission(request, obj)

    @admin.action(description="Create a new draft version from the selected checklist")
    def make_new_version(self, request: HttpRequest, queryset: QuerySet[ChecklistTemplate]) -> None:
        for template in queryset:
            draft = checklist_new_version(template=template, by=request.user)
            self.message_user(request, f"Created {draft}. Edit it, then publish it.", messages.SUCCESS)

    @admin.action(description="Publish the selected draft (the current version is retired)")
    def publish(self, request: HttpRequest, queryset: QuerySet[ChecklistTemplate]) -> None:
        for template in queryset:
            try:
                checklist_publish(template=template)
            except ValidationError as error:
                self.message_user(request, f"{template}: {' '.join(error.messages)}", messages.ERROR)
            else:
                self.message_user(request, f"Published {template}.", messages.SUCCESS)


class OptionInline(admin.TabularInline):
    model = ChecklistOption
    fields = ["order", "label", "score"]
    extra = 0

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _draft(obj) and super().has_change_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _draft(obj) and super().has_add_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _draft(obj) and super().has_delete_permission(request, obj)


@admin.register(ChecklistQuestion)
class ChecklistQuestionAdmin(admin.ModelAdmin):
    list_display = ["text", "section", "order", "template"]
    list_filter = ["template"]
    fields = ["template", "order", "section", "text", "help_text"]
    readonly_fields = ["template"]
    inlines = [OptionInline]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return False  # reached from a checklist's questions

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is not None and _draft(obj) and super().has_delete_permission(request, obj)
