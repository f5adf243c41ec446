"""Risk checklist versions, managed in the service (under Manage agencies and users).

Co-chairs and coordinators read every version; coordinators make a draft from the current
version, edit it, publish it or discard it. Nobody else reaches these pages (403), as on the
other Manage pages. Only drafts have edit pages: for a published or retired version they answer
404, and the services refuse the change whatever the route. Every edit form carries the draft's
revision (ADR 7). Checklists are the partnership's configuration, not case data.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from cmarac.accounts.models import User
from cmarac.accounts.roles import Role
from cmarac.core.revisions import RevisionForm, form_after_conflict
from referrals import checklists as services
from referrals.forms_checklists import MoveForm, QuestionForm, ThresholdsForm, question_initial, question_rows
from referrals.models import ChecklistQuestion, ChecklistTemplate

SECTION = "checklists"  # the Manage sub-navigation's current entry
NEW_QUESTION_ANSWERS = [("Yes", 1), ("No", 0), ("Not known", 0)]


def _require_reader(user: User) -> None:
    if not user.has_role(Role.COORDINATOR, Role.CO_CHAIR):
        raise PermissionDenied


def _require_coordinator(user: User) -> None:
    if not user.has_role(Role.COORDINATOR):
        raise PermissionDenied


def _version(pk: int) -> ChecklistTemplate:
    return get_object_or_404(ChecklistTemplate, pk=pk)


def _draft(pk: int) -> ChecklistTemplate:
    """A draft to edit: published and retired versions have no edit pages."""
    return get_object_or_404(ChecklistTemplate, pk=pk, status=ChecklistTemplate.Status.DRAFT)


def _question(draft: ChecklistTemplate, pk: int) -> ChecklistQuestion:
    return get_object_or_404(ChecklistQuestion.objects.prefetch_related("options"), pk=pk, template=draft)


def _version_url(template: ChecklistTemplate) -> str:
    return reverse("checklists:version", args=[template.pk])


def _current(name: str) -> ChecklistTemplate | None:
    return ChecklistTemplate.objects.filter(name=name, status=ChecklistTemplate.Status.PUBLISHED).first()


def _add_errors(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- Reading ------------------------------------------------------------------------------------


@require_http_methods(["GET"])
def checklist_list(request: HttpRequest) -> HttpResponse:
    _require_reader(request.user)
    versions = list(services.checklist_versions())
    if not any(v.status == ChecklistTemplate.Status.PUBLISHED for v in versions):
        services.checklist_current()  # the default checklist, as the first referral would make it
        versions = list(services.checklist_versions())
    return render(
        request,
        "referrals/checklists/list.html",
        {
            "versions": versions,
            "drafts": [v for v in versions if v.status == ChecklistTemplate.Status.DRAFT],
            "current": [v for v in versions if v.status == ChecklistTemplate.Status.PUBLISHED],
            "earlier": [v for v in versions if v.status == ChecklistTemplate.Status.RETIRED],
            "can_edit": request.user.has_role(Role.COORDINATOR),
            "manage_section": SECTION,
        },
    )


def _version_page(
    request: HttpRequest, template: ChecklistTemplate, *, form: Any = None, status: int = 200
) -> HttpResponse:
    questions = services.checklist_questions(template)
    coordinator = request.user.has_role(Role.COORDINATOR)
    can_edit = template.is_editable and coordinator
    can_make_draft = (
        coordinator
        and template.status == ChecklistTemplate.Status.PUBLISHED
        and not ChecklistTemplate.objects.filter(name=template.name, status=ChecklistTemplate.Status.DRAFT).exists()
    )
    return render(
        request,
        "referrals/checklists/version.html",
        {
            "template": template,
            "sections": services.checklist_sections(questions),
            "question_count": len(questions),
            "first_id": questions[0].pk if questions else None,
            "last_id": questions[-1].pk if questions else None,
            "can_edit": can_edit,
            "can_make_draft": can_make_draft,
            "thresholds_url": reverse("checklists:thresholds", args=[template.pk]) if can_edit else None,
            "form": form,
            "manage_section": SECTION,
        },
        status=status,
    )


@require_http_methods(["GET"])
def checklist_version(request: HttpRequest, pk: int) -> HttpResponse:
    _require_reader(request.user)
    return _version_page(request, _version(pk))


# --- Drafts -------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def checklist_new(request: HttpRequest) -> HttpResponse:
    """Make a new draft from the current version (a page first, saying what it does)."""
    _require_coordinator(request.user)
    current = services.checklist_current()
    draft = ChecklistTemplate.objects.filter(name=current.name, status=ChecklistTemplate.Status.DRAFT).first()
    # The version number of the current version stands for its revision: it never changes, and a
    # new current version has a new number.
    form = RevisionForm(request.POST or None, initial={"revision": current.version})
    if request.method == "POST" and form.is_valid() and draft is None:
        if form.cleaned_data["revision"] != current.version:
            form.add_error(None, services.STALE_MESSAGE)
        else:
            try:
                draft = services.checklist_new_version(template=current, by=request.user)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, f"Draft version {draft.version} made. Change it, then publish it.")
                return redirect(_version_url(draft))
    return render(
        request,
        "referrals/checklists/new.html",
        {"current": current, "draft": draft, "form": form, "manage_section": SECTION},
    )


@require_http_methods(["GET", "POST"])
def checklist_thresholds(request: HttpRequest, pk: int) -> HttpResponse:
    _require_coordinator(request.user)
    draft = _draft(pk)
    saved = {"medium_from": draft.medium_from, "high_from": draft.high_from, "introduction": draft.introduction}
    form = ThresholdsForm(request.POST or None, initial={**saved, "revision": draft.revision})
    conflicts: list[tuple[str, Any, Any]] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.checklist_thresholds_update(
                template=draft,
                by=request.user,
                revision=data["revision"],
                medium_from=data["medium_from"],
                high_from=data["high_from"],
                introduction=data["introduction"],
            )
        except services.StaleChecklist as error:
            draft = _draft(pk)
            saved = {"medium_from": draft.medium_from, "high_from": draft.high_from, "introduction": draft.introduction}
            form, conflicts = form_after_conflict(
                ThresholdsForm, request.POST, revision=draft.revision, saved=saved, error=error
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "Thresholds saved")
            return redirect(_version_url(draft))
    return render(
        request,
        "referrals/checklists/thresholds.html",
        {"template": draft, "form": form, "conflicts": conflicts, "manage_section": SECTION},
    )


def _question_saved(question: ChecklistQuestion) -> dict[str, Any]:
    initial = question_initial(question, 0)
    initial.pop("revision")
    return initial


@require_http_methods(["GET", "POST"])
def checklist_question(request: HttpRequest, pk: int, question: int | None = None) -> HttpResponse:
    """Add a question to a draft (no question), or change one, with its answers and scores."""
    _require_coordinator(request.user)
    draft = _draft(pk)
    found = _question(draft, question) if question is not None else None
    rows = question_rows(found)
    if found is None:
        initial: dict[str, Any] = {"revision": draft.revision}
        for n, (label, score) in enumerate(NEW_QUESTION_ANSWERS, start=1):
            initial[f"answer_{n}_label"], initial[f"answer_{n}_score"] = label, score
    else:
        initial = question_initial(found, draft.revision)
    form = QuestionForm(request.POST or None, rows=rows, initial=initial)
    conflicts: list[tuple[str, Any, Any]] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {"section": data["section"], "text": data["text"], "help_text": data["help_text"]}
        try:
            if found is None:
                services.checklist_question_add(
                    template=draft, by=request.user, revision=data["revision"], answers=data["answers"], **fields
                )
            else:
                services.checklist_question_update(
                    question=found, by=request.user, revision=data["revision"], answers=data["answers"], **fields
                )
        except services.StaleChecklist as error:
            draft = _draft(pk)
            found = _question(draft, question) if question is not None else None
            saved = _question_saved(found) if found is not None else {}
            form, conflicts = form_after_conflict(
                QuestionForm, request.POST, revision=draft.revision, saved=saved, error=error, rows=rows
            )
        except ValidationError as error:
            form.service_errors(error)
        else:
            messages.success(request, "Question added" if found is None else "Question saved")
            return redirect(_version_url(draft))
    return render(
        request,
        "referrals/checklists/question.html",
        {"template": draft, "question": found, "form": form, "conflicts": conflicts, "manage_section": SECTION},
    )


@require_http_methods(["GET", "POST"])
def checklist_question_remove(request: HttpRequest, pk: int, question: int) -> HttpResponse:
    _require_coordinator(request.user)
    draft = _draft(pk)
    found = _question(draft, question)
    form = RevisionForm(request.POST or None, initial={"revision": draft.revision})
    if request.method == "POST" and form.is_valid():
        try:
            services.checklist_question_remove(question=found, by=request.user, revision=form.cleaned_data["revision"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Question removed")
            return redirect(_version_url(draft))
    return render(
        request,
        "referrals/checklists/question_remove.html",
        {"template": draft, "question": found, "form": form, "manage_section": SECTION},
    )


@require_POST
def checklist_question_move(request: HttpRequest, pk: int, question: int) -> HttpResponse:
    """The Move up and Move down buttons of the draft's page (no JavaScript needed)."""
    _require_coordinator(request.user)
    draft = _draft(pk)
    found = _question(draft, question)
    form = MoveForm(request.POST)
    if form.is_valid():
        try:
            services.checklist_question_move(
                question=found,
                by=request.user,
                revision=form.cleaned_data["revision"],
                up=form.cleaned_data["direction"] == "up",
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect(f"{_version_url(draft)}#question-{found.pk}")
    return _version_page(request, _draft(pk), form=form)


def _confirm(
    request: HttpRequest, pk: int, *, action: str, heading: str, button: str, warning: bool = False
) -> HttpResponse:
    _require_coordinator(request.user)
    draft = _draft(pk)
    current = _current(draft.name)
    form = RevisionForm(request.POST or None, initial={"revision": draft.revision})
    if request.method == "POST" and form.is_valid():
        revision = form.cleaned_data["revision"]
        try:
            if action == "publish":
                services.checklist_publish(template=draft, by=request.user, revision=revision)
            else:
                services.checklist_discard(template=draft, by=request.user, revision=revision)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if action == "publish":
                messages.success(request, f"Version {draft.version} published. New referrals use it from now on.")
                return redirect(_version_url(draft))
            messages.success(request, f"Draft version {draft.version} discarded")
            return redirect("checklists:list")
    return render(
        request,
        "referrals/checklists/confirm.html",
        {
            "template": draft,
            "current": current,
            "question_count": draft.questions.count(),
            "current_question_count": current.questions.count() if current else 0,
            "form": form,
            "action": action,
            "heading": heading,
            "button": button,
            "warning": warning,
            "manage_section": SECTION,
        },
    )


@require_http_methods(["GET", "POST"])
def checklist_publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _confirm(request, pk, action="publish", heading="Publish this draft", button="Publish")


@require_http_methods(["GET", "POST"])
def checklist_discard(request: HttpRequest, pk: int) -> HttpResponse:
    return _confirm(
        request, pk, action="discard", heading="Discard this draft", button="Discard the draft", warning=True
    )
