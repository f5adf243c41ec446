"""The referrer's side: start, fill in section by section, check answers, send.

Every page that takes a reference fetches the referral through `get_referral_for` (404 for
missing and not yours alike). Edit pages are the referrer's alone, while the referral is a
draft or has been sent back for more information: anyone else who can see it gets 403, and the
referrer of a referral that can no longer be changed is sent to its summary.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from cmarac.accounts.roles import Role
from cmarac.cases.models import Case
from cmarac.core.audit import audit_list, audit_refused, audit_view
from cmarac.core.csv_download import csv_download
from cmarac.core.schedule import meetings_from, rule_from_settings, slot_for_referral
from referrals import services
from referrals.access import get_referral_for
from referrals.forms import SECTION_FORMS, AddAnotherForm, ChecklistForm, RevisionForm, SectionForm, SubjectForm
from referrals.lists import my_csv_rows, my_referral_filters
from referrals.lists import my_referrals as my_referrals_for
from referrals.models import Referral, ReferralAnswer, ReferralSubject

PAGE_SIZE = 25
# From check answers, a Change link carries ?from=check so that saving returns there.
FROM_CHECK = "check"


@dataclass(frozen=True)
class Task:
    slug: str
    title: str
    hint: str


TASKS = [
    Task("referrer", "Your details", "How the panel can contact you"),
    Task("subjects", "People involved", "The victim, the alleged perpetrator and anyone else involved"),
    Task("concerns", "What is happening", "The issues, your concerns and what you ask of the panel"),
    Task("checklist", "Risk checklist", "The questions that give the risk score"),
    Task("criteria", "Referral criteria", "Why the case meets the criteria for the panel"),
    Task("consent", "Consent and information sharing", "Whether the subject consented, or why you share without"),
]
TASK_TITLES = {task.slug: task.title for task in TASKS}


# --- Fetching ------------------------------------------------------------------


def _referral_for(request: HttpRequest, reference: str, queryset: QuerySet[Referral] | None = None) -> Referral:
    """get_referral_for, with refusals (missing or not theirs) written to the audit trail."""
    try:
        return get_referral_for(request.user, reference, queryset)
    except Http404:
        audit_refused(request=request, model=Referral, what="Referral page", reference=reference[:20], key="referral")
        raise


def _for_the_referrer(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Edit pages: only the referrer, only while the referral can be changed."""

    @wraps(view)
    def wrapper(request: HttpRequest, referral: str, **kwargs: Any) -> HttpResponse:
        found = _referral_for(request, referral, Referral.objects.select_related("referrer", "checklist"))
        if found.referrer_id != request.user.pk:
            raise PermissionDenied
        if not found.is_editable_by_referrer:
            messages.info(request, f"Referral {found.reference} has been sent, so it can no longer be changed")
            return redirect(found)
        return view(request, found, **kwargs)

    return wrapper


def _subject_for(request: HttpRequest, referral: Referral, subject_id: int) -> ReferralSubject:
    subject = ReferralSubject.objects.visible_to(request.user).filter(referral=referral, pk=subject_id).first()
    if subject is None:
        raise Http404("No person found")
    return subject


def _posted(request: HttpRequest) -> Any:
    """The POST data on a POST, even when empty (an empty QueryDict is falsy), else None."""
    return request.POST if request.method == "POST" else None


def _add_service_error(form: BaseForm, error: ValidationError) -> None:
    """A service's refusal onto the form: on the field it names if the form has it, else for the whole form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _refused_as_stale(form: SectionForm | SubjectForm, referral: Referral, error: ValidationError) -> None:
    """Keep what the person entered and tell them why nothing was saved. Saving again applies it."""
    current = Referral.objects.only("revision").get(pk=referral.pk)
    form.show_revision(current.revision)
    form.add_error(None, error)


def _after_save(request: HttpRequest, referral: Referral) -> HttpResponse:
    if request.GET.get("from") == FROM_CHECK:
        return redirect("referrals:check", referral=referral.reference)
    return redirect(referral)


# --- Task list state -----------------------------------------------------------


def _started(referral: Referral, slug: str, answered: int) -> bool:
    if slug == "referrer":
        return True
    if slug == "subjects":
        return referral.subjects.exists()
    if slug == "concerns":
        return any(
            (
                referral.issue_types,
                referral.concerns,
                referral.chronology,
                referral.actions_taken,
                referral.request_of_panel,
            )
        )
    if slug == "criteria":
        return any(
            (
                referral.criterion_escalation,
                referral.criterion_professional_judgement,
                referral.criterion_multi_agency,
                referral.professional_judgement_reasons,
            )
        )
    if slug == "consent":
        return bool(referral.consent or referral.unsafe_to_ask or referral.sharing_basis)
    return answered > 0


def _task_statuses(referral: Referral, problems: dict[str, list[str]]) -> dict[str, str]:
    answered = referral.answers.count()
    statuses = {}
    for task in TASKS:
        if task.slug not in problems:
            statuses[task.slug] = "Completed"
        elif not _started(referral, task.slug, answered):
            statuses[task.slug] = "Not started"
        else:
            statuses[task.slug] = "In progress" if task.slug == "checklist" else "Incomplete"
    return statuses


def _task_url(referral: Referral, slug: str) -> str:
    if slug == "subjects":
        return reverse("referrals:subjects", kwargs={"referral": referral.reference})
    return reverse("referrals:section", kwargs={"referral": referral.reference, "section": slug})


def _problem_links(referral: Referral, problems: dict[str, list[str]]) -> list[dict[str, str]]:
    return [
        {"message": message, "url": _task_url(referral, task.slug), "section": task.title}
        for task in TASKS
        for message in problems.get(task.slug, [])
    ]


def _checklist_summary(
    referral: Referral, change_url: str = ""
) -> tuple[list[tuple[str, list[dict[str, Any]]]], int, int]:
    """The checklist's questions by section, each with the answer given ("" if none); how many are
    answered, of how many (counted from what was read, not asked again)."""
    given = {
        answer.question_id: answer.option.label
        for answer in ReferralAnswer.objects.filter(referral=referral).select_related("option")
    }
    sections: list[tuple[str, list[dict[str, Any]]]] = []
    for question in referral.checklist.questions.all():
        if not sections or sections[-1][0] != question.section:
            sections.append((question.section, []))
        row = {"question": question, "answer": given.get(question.pk, "")}
        if change_url:
            row["change_url"] = f"{change_url}#id_{ChecklistForm.question_field_name(question)}_0"
        sections[-1][1].append(row)
    questions = sum(len(rows) for _, rows in sections)
    return sections, sum(bool(row["answer"]) for _, rows in sections for row in rows), questions


def _answers_context(referral: Referral, *, change: bool) -> dict[str, Any]:
    """What the answers summary shows: on check answers with Change links, on the summary without."""
    change_urls = {task.slug: f"{_task_url(referral, task.slug)}?from={FROM_CHECK}" for task in TASKS} if change else {}
    sections, answered, questions = _checklist_summary(referral, change_urls.get("checklist", ""))
    return {
        "referral": referral,
        "subjects": list(referral.subjects.all()),
        "checklist_sections": sections,
        "answered": answered,
        "answered_text": f"{answered} of {questions}",
        "change": change,
        "change_urls": change_urls,
    }


# --- My referrals and starting one ----------------------------------------------


def my_referrals(request: HttpRequest) -> HttpResponse:
    filters = my_referral_filters(request.GET)
    referrals = my_referrals_for(request.user, filters)
    page = Paginator(referrals, PAGE_SIZE).get_page(request.GET.get("page"))
    audit_list(
        request=request,
        model=Referral,
        what="My referrals",
        shown=[referral.reference for referral in page.object_list],
        criteria={"status": filters["status"]} if filters["status"] else {},
    )
    return render(
        request,
        "referrals/my_referrals.html",
        {
            "page": page,
            "referrals": page.object_list,
            "can_start": request.user.agency_id is not None,
            "status": filters["status"],
            "status_label": Referral.Status(filters["status"]).label if filters["status"] else "",
            "query_string": urlencode({"status": filters["status"]}) if filters["status"] else "",
        },
    )


@require_GET
def my_referrals_export(request: HttpRequest) -> StreamingHttpResponse:
    """The person's own referrals as CSV, with the status filter of the page."""
    filters = my_referral_filters(request.GET)
    referrals = my_referrals_for(request.user, filters)
    if not filters["valid"]:
        referrals = referrals.none()
    shown = list(referrals.order_by("reference").values_list("reference", flat=True))
    criteria = {"status": filters["status"]} if filters["status"] else {}
    audit_list(request=request, model=Referral, what="My referrals CSV export", shown=shown, criteria=criteria)
    return csv_download(my_csv_rows(referrals), filename="my-referrals.csv")


@require_http_methods(["GET", "POST"])
def referral_new(request: HttpRequest) -> HttpResponse:
    """The start page. Only "Start now" (a POST) creates a draft."""
    if request.user.agency_id is None:
        return render(request, "referrals/no_agency.html", status=403)
    if request.method == "POST":
        referral = services.referral_start(referrer=request.user)
        return redirect(referral)
    rule = rule_from_settings()
    now = timezone.now()
    slot = slot_for_referral(now, rule)
    return render(
        request,
        "referrals/start.html",
        {
            "rule": rule.describe(),
            "deadline_days": rule.deadline_days,
            "slot": slot,
            "missed_meeting": next(meetings_from(now, rule)) if slot.is_late else None,
        },
    )


# --- The referral: task list or summary --------------------------------------------


def referral_detail(request: HttpRequest, referral: str) -> HttpResponse:
    found = _referral_for(
        request, referral, Referral.objects.select_related("referrer", "referring_agency", "checklist", "case")
    )
    user = request.user
    audit_view(request=request, instance=found, what="Referral page")
    if found.referrer_id == user.pk and found.is_editable_by_referrer:
        problems = services.referral_problems(found)
        statuses = _task_statuses(found, problems)
        tasks = [{"task": task, "status": statuses[task.slug], "url": _task_url(found, task.slug)} for task in TASKS]
        return render(
            request,
            "referrals/task_list.html",
            {
                "referral": found,
                "tasks": tasks,
                "completed": sum(status == "Completed" for status in statuses.values()),
                "total": len(TASKS),
                "ready": not problems,
                "answered": found.answers.count(),
            },
        )
    case_visible = found.case_id is not None and Case.objects.visible_to(user).filter(pk=found.case_id).exists()
    return render(
        request,
        "referrals/summary.html",
        {
            **_answers_context(found, change=False),
            "is_referrer": found.referrer_id == user.pk,
            "can_triage": user.has_role(Role.COORDINATOR, Role.CO_CHAIR),
            "case_visible": case_visible,
        },
    )


# --- Sections ----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@_for_the_referrer
def section_edit(request: HttpRequest, referral: Referral, section: str) -> HttpResponse:
    form_class = SECTION_FORMS.get(section)
    if form_class is None:
        raise Http404("No such section")
    form = form_class(_posted(request), referral=referral)
    if request.method == "GET":
        audit_view(request=request, instance=referral, what=f"Referral section: {TASK_TITLES[section]}")
    if request.method == "POST" and form.is_valid():
        try:
            if isinstance(form, ChecklistForm):
                level, reason = form.raised()
                saved = services.referral_answers_save(
                    referral=referral,
                    by=request.user,
                    revision=form.cleaned_data["revision"],
                    answers=form.answers(),
                    raised_level=level,
                    raised_reason=reason,
                )
            else:
                saved = services.referral_update(
                    referral=referral,
                    by=request.user,
                    revision=form.cleaned_data["revision"],
                    fields=form.section_fields(),
                )
        except services.StaleReferral as error:
            _refused_as_stale(form, referral, error)
        except ValidationError as error:
            _add_service_error(form, error)
        else:
            if isinstance(form, ChecklistForm):
                messages.success(
                    request,
                    f"Risk checklist saved: the score is {saved.score}, "
                    f"{saved.get_scored_level_display().lower()} risk",
                )
                if "show_score" in request.POST:
                    return redirect(request.get_full_path() + "#score")
            return _after_save(request, saved)
    return render(
        request,
        f"referrals/sections/{section}.html",
        {"referral": referral, "form": form, "section_title": TASK_TITLES[section]},
    )


# --- People ---------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@_for_the_referrer
def subject_list(request: HttpRequest, referral: Referral) -> HttpResponse:
    subjects = list(referral.subjects.all())
    form = AddAnotherForm(_posted(request))
    if request.method == "GET":
        audit_view(request=request, instance=referral, what="Referral people")
    if request.method == "POST" and subjects and form.is_valid():
        if form.cleaned_data["add_another"] == "yes":
            return redirect("referrals:subject-add", referral=referral.reference)
        return _after_save(request, referral)
    return render(request, "referrals/subject_list.html", {"referral": referral, "subjects": subjects, "form": form})


@require_http_methods(["GET", "POST"])
@_for_the_referrer
def subject_edit(request: HttpRequest, referral: Referral, subject_id: int | None = None) -> HttpResponse:
    subject = _subject_for(request, referral, subject_id) if subject_id is not None else None
    form = SubjectForm(_posted(request), referral=referral, instance=subject)
    if request.method == "GET" and subject is not None:
        audit_view(request=request, instance=subject, what="Referral person for editing")
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.referral_subject_save(
                referral=referral,
                by=request.user,
                revision=form.cleaned_data["revision"],
                fields=form.section_fields(),
                subject=subject,
            )
        except services.StaleReferral as error:
            _refused_as_stale(form, referral, error)
        except ValidationError as error:
            _add_service_error(form, error)
        else:
            messages.success(request, f"{saved.full_name} {'added' if subject is None else 'saved'}")
            if request.GET.get("from") == FROM_CHECK:
                return redirect("referrals:check", referral=referral.reference)
            return redirect("referrals:subjects", referral=referral.reference)
    return render(request, "referrals/subject_form.html", {"referral": referral, "form": form, "subject": subject})


@require_http_methods(["GET", "POST"])
@_for_the_referrer
def subject_remove(request: HttpRequest, referral: Referral, subject_id: int) -> HttpResponse:
    subject = _subject_for(request, referral, subject_id)
    form = RevisionForm(_posted(request), referral=referral)
    if request.method == "GET":
        audit_view(request=request, instance=subject, what="Referral person to remove")
    if request.method == "POST" and form.is_valid():
        try:
            services.referral_subject_remove(
                referral=referral, by=request.user, revision=form.cleaned_data["revision"], subject=subject
            )
        except services.StaleReferral as error:
            _refused_as_stale(form, referral, error)
        except ValidationError as error:
            _add_service_error(form, error)
        else:
            messages.success(request, f"{subject.full_name} removed from the referral")
            return redirect("referrals:subjects", referral=referral.reference)
    return render(request, "referrals/subject_remove.html", {"referral": referral, "subject": subject, "form": form})


# --- Check answers and send -------------------------------------------------------


@require_http_methods(["GET", "POST"])
@_for_the_referrer
def check_answers(request: HttpRequest, referral: Referral) -> HttpResponse:
    form = RevisionForm(_posted(request), referral=referral)
    problems: list[dict[str, str]] = []
    if request.method == "POST" and form.is_valid():
        try:
            services.referral_submit(referral=referral, by=request.user, revision=form.cleaned_data["revision"])
        except services.StaleReferral as error:
            _refused_as_stale(form, referral, error)
            referral.refresh_from_db()
        except ValidationError as error:
            problems = _problem_links(referral, services.referral_problems(referral))
            if not problems:
                _add_service_error(form, error)
        else:
            return redirect("referrals:submitted", referral=referral.reference)
    audit_view(request=request, instance=referral, what="Referral check answers")
    incomplete = [] if problems else _problem_links(referral, services.referral_problems(referral))
    return render(
        request,
        "referrals/check_answers.html",
        {**_answers_context(referral, change=True), "form": form, "problems": problems, "incomplete": incomplete},
    )


def submitted(request: HttpRequest, referral: str) -> HttpResponse:
    found = _referral_for(request, referral)
    if found.referrer_id != request.user.pk or found.is_editable_by_referrer:
        return redirect(found)
    return render(request, "referrals/submitted.html", {"referral": found})
