"""Action pages: the list and the action log CSV, one action with its updates, setting and reviewing.

Every page starts from Action.objects.visible_to(user) (or get_case_for), so an action on a case the
person may not see is a 404, the same as a missing one. Writes go through actions.services.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods

from actions import services
from actions.forms import CLOSE_STATUS_CHOICES, ActionFilterForm, ActionReviewForm, ActionSetForm, ActionUpdateForm
from actions.models import Action
from actions.selectors import ActionListRow, action_list_rows, for_action_page, with_latest_update
from cmarac.accounts.models import User
from cmarac.cases.access import agency_sees_cases, get_case_for
from cmarac.cases.models import Case
from cmarac.core.audit import audit_list, audit_refused, audit_view
from cmarac.core.csv_download import csv_download
from cmarac.core.pagination import bounded_page
from cmarac.core.params import parse_id
from cmarac.core.revisions import form_after_conflict
from meetings.models import AgendaItem

PAGE_SIZE = 25


def _require_case_access(user: User) -> None:
    """The list and the log are for people who see case data at all (not referrers, auditors...)."""
    if not (user.sees_all_cases or agency_sees_cases(user)):
        raise PermissionDenied


def _action_for(request: HttpRequest, action_id: int) -> Action:
    """The action if this person may see its case; 404 for missing and not theirs alike (logged).

    Whether they may is asked first, on its own; the action is then read with its five joins. As
    one query, PostgreSQL spent about 9 ms planning the joins around the grants (docs/performance.md).
    The action it was carried forward from, when there is one, is read on its own when the page
    shows it: joined as a sixth table, a second copy of the action table, it doubled the planning
    time of every action page (about 2 ms more at 100,000 cases), carried forward or not."""
    visible = Action.objects.visible_to(request.user).filter(pk=action_id).exists()
    action = for_action_page(Action.objects.filter(pk=action_id)).first() if visible else None
    if action is None:
        audit_refused(request=request, model=Action, what="Action page", reference=f"action {action_id}")
        raise Http404("No action found")
    return action


def _case_for(request: HttpRequest, reference: str) -> Case:
    try:
        return get_case_for(request.user, reference)
    except Http404:
        audit_refused(request=request, model=Case, what="New action page", reference=reference[:20])
        raise


def _safe_next(request: HttpRequest) -> str | None:
    """`?next=` if it is a path on this site (so a link cannot send people elsewhere after saving)."""
    target = request.GET.get("next", "")
    if (
        target.startswith("/")
        and not target.startswith("//")
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return None


def _add_service_error(form: Form, error: ValidationError, rename: dict[str, str] | None = None) -> None:
    """A service's ValidationError on the form: on the field it names if the form has it."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        name = (rename or {}).get(name, name)
        form.add_error(name if name in form.fields else None, errors)


# The no-JavaScript way to narrow the officer select to the owning agency chosen: a secondary
# button that posts the form back to be shown again.
SHOW_OFFICERS = "show_officers"


def _kept(posted: Any, form_class: type[Form]) -> dict[str, Any]:
    """What was typed into a form, as initial values to show it again unchecked."""
    return {name: posted.get(name) for name in form_class.base_fields if posted.get(name) not in (None, "")}


def _shown_references(actions: list[ActionListRow]) -> list[str]:
    return list(dict.fromkeys(action.case_reference for action in actions))


@require_GET
def action_list(request: HttpRequest) -> HttpResponse:
    _require_case_access(request.user)
    form = ActionFilterForm(request.GET, user=request.user)
    today = timezone.localdate()
    actions = form.filter(Action.objects.visible_to(request.user, row_by_row=form.own_only), today=today)
    # The page's ids first, then its actions by id with what a row shows (BoundedPaginator).
    page = bounded_page(actions, PAGE_SIZE, request.GET.get("page"), read=action_list_rows)
    rows = list(page.object_list)
    audit_list(
        request=request, model=Action, what="Action list", shown=_shown_references(rows), criteria=form.criteria()
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "actions/action_list.html",
        {
            "form": form,
            "page": page,
            "actions": rows,
            "today": today,
            "query_string": query.urlencode(),
            "export_query": urlencode(form.as_query()),
            "filtered": any(name in request.GET for name in ("status", "due", "overdue", "case", "meeting")),
        },
    )


@require_http_methods(["GET", "POST"])
def action_detail(request: HttpRequest, action_id: int) -> HttpResponse:
    action = _action_for(request, action_id)
    user = request.user
    allowed = services.may_update(user, action)
    if request.method == "POST" and not allowed:
        raise PermissionDenied
    posted = request.POST if request.method == "POST" else None
    initial = {"status": action.status, "revision": action.revision}
    form = ActionUpdateForm(posted, initial=initial) if allowed and action.is_open else None
    stale, unsaved_text = False, ""
    if posted is not None and form is None:
        # Closed since the form was shown (by someone else, or a second click): keep their words.
        unsaved_text = posted.get("text", "").strip()
    elif form is not None and form.is_valid():
        data = form.cleaned_data
        try:
            update = services.action_update(
                action=action, by=user, status=data["status"], text=data["text"], revision=data["revision"]
            )
        except services.StaleAction as error:
            # Keep what they wrote, show the newer update, and let them save again on the new revision.
            stale = True
            action = _action_for(request, action_id)
            if action.is_open:
                form = ActionUpdateForm({**posted.dict(), "revision": action.revision})  # type: ignore[union-attr]
                form.is_valid()
                form.add_error(None, error)
            else:
                form, unsaved_text = None, data["text"]
        except ValidationError as error:
            _add_service_error(form, error)
        else:
            messages.success(request, _update_message(update.action))
            return redirect(action)
    audit_view(request=request, instance=action, what="Action page")
    return render(
        request,
        "actions/action_detail.html",
        {
            "action": action,
            "updates": list(action.updates.all()),
            "carried_forward_to": list(action.carried_forward_to.all()),
            "form": form,
            "stale": stale,
            "unsaved_text": unsaved_text,
            "can_review": action.is_open and services.may_manage(user),
        },
    )


def _update_message(action: Action) -> str:
    if action.is_open:
        return "Update saved"
    return "Action completed" if action.status == Action.Status.COMPLETED else "Action closed"


@require_http_methods(["GET", "POST"])
def action_new(request: HttpRequest, reference: str) -> HttpResponse:
    case = _case_for(request, reference)
    user = request.user
    if not services.may_manage(user) or not case.is_open:
        raise PermissionDenied
    item = None
    if "item" in request.GET:
        item_id = parse_id(request.GET["item"])
        item = (
            AgendaItem.objects.visible_to(user).select_related("meeting").filter(pk=item_id, case=case).first()
            if item_id is not None
            else None
        )
        if item is None:
            raise Http404("No agenda item found")
    next_url = _safe_next(request)
    set_at = timezone.localdate(item.meeting.starts_at) if item else None
    default_due = services.default_due_date(after=set_at)
    showing_officers = request.method == "POST" and SHOW_OFFICERS in request.POST
    if showing_officers:
        # Without JavaScript: the owning agency was chosen, show its officers; nothing is checked yet.
        form = ActionSetForm(initial=_kept(request.POST, ActionSetForm), default_due=default_due)
    else:
        form = ActionSetForm(request.POST if request.method == "POST" else None, default_due=default_due)
    if request.method == "POST" and not showing_officers and item is not None and item.meeting.minutes_locked:
        # Refused whatever else the form holds: the service would refuse it too (ITEM_LOCKED).
        form.is_valid()
        form.add_error(None, services.ITEM_LOCKED)
    elif request.method == "POST" and form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            action = services.action_set(
                case=case,
                owner=data["owner"],
                description=data["description"],
                by=user,
                due_on=data["due_on"],
                officer=data["officer"],
                priority=data["priority"],
                agenda_item=item,
            )
        except ValidationError as error:
            _add_service_error(form, error)
        else:
            messages.success(request, f"Action set for {action.owner.name}, due {action.due_on:%-d %B %Y}")
            return redirect(next_url or case.get_absolute_url())
    audit_view(request=request, instance=case, what="New action page")
    return render(
        request,
        "actions/action_form.html",
        {"case": case, "form": form, "item": item, "back_url": next_url or case.get_absolute_url()},
    )


@require_http_methods(["GET", "POST"])
def action_review(request: HttpRequest, action_id: int) -> HttpResponse:
    action = _action_for(request, action_id)
    user = request.user
    if not services.may_manage(user) or not action.is_open:
        raise PermissionDenied
    next_url = _safe_next(request)
    posted = request.POST if request.method == "POST" else None
    chosen = posted.get("decision", "") if posted is not None else ""
    if chosen not in ActionReviewForm.FIELDS:
        chosen = ""
    conflicts: list[tuple[str, Any, Any]] = []
    if posted is not None and chosen == ActionReviewForm.REASSIGN and SHOW_OFFICERS in posted:
        # The agency was chosen: show its officers, keeping what was typed; nothing is checked yet.
        initial = {**_kept(posted, ActionReviewForm), "decision": chosen}
        form = ActionReviewForm(None, action=action, initial=initial)
    elif posted is not None and chosen and posted.get("shown") != chosen:
        # A decision just chosen: show its questions under it, unchecked (a server-side conditional
        # reveal: GOV.UK's script sets aria-expanded on the radios, which ARIA does not allow). The
        # revision first shown goes on, so a change made meanwhile is still caught.
        shown_revision = posted.get("revision", "")
        revision = int(shown_revision) if shown_revision.isascii() and shown_revision.isdigit() else action.revision
        form = ActionReviewForm(None, action=action, initial={"decision": chosen, "revision": revision})
    else:
        form = ActionReviewForm(posted, action=action, initial={"revision": action.revision})
        if posted is not None and form.is_valid():
            try:
                message = _review(action, user, form.cleaned_data)
            except services.StaleAction as error:
                saved = Action.objects.select_related("owner", "officer").get(pk=action.pk)
                form, conflicts = form_after_conflict(
                    ActionReviewForm, request.POST, revision=saved.revision, error=error, action=saved,
                    saved={"due_on": saved.due_on, "owner": saved.owner, "officer": saved.officer},
                )  # fmt: skip
                # Another decision than the one they made: show what is saved now.
                conflicts = conflicts or [
                    ("Owner", saved.owner.name, None),
                    ("Due date", saved.due_on, None),
                    ("Status", saved.get_status_display(), None),
                ]
            except ValidationError as error:
                _add_service_error(form, error, {"text": "close_reason", "status": "close_status"})
            else:
                messages.success(request, message)
                return redirect(next_url or action.get_absolute_url())
    audit_view(request=request, instance=action, what="Action review page")
    return render(
        request,
        "actions/action_review.html",
        {
            "action": action,
            "latest": next(iter(action.updates.all()), None),
            "form": form,
            "shown": chosen,
            "conflicts": conflicts,
            "back_url": next_url or action.get_absolute_url(),
        },
    )


def _review(action: Action, user: User, data: dict[str, Any]) -> str:
    decision = data["decision"]
    if decision == ActionReviewForm.CARRY_FORWARD:
        new_due = data["due_on"]
        note = f"Carried forward from {action.due_on:%-d %B %Y} to {new_due:%-d %B %Y}"
        if data.get("note"):
            note += f": {data['note']}"
        services.action_carry_forward(action=action, by=user, due_on=new_due, note=note, revision=data["revision"])
        return f"Action carried forward to {new_due:%-d %B %Y}"
    if decision == ActionReviewForm.REASSIGN:
        updated = services.action_reassign(
            action=action, by=user, owner=data["owner"], officer=data["officer"], reason=data["reason"],
            revision=data["revision"],
        )  # fmt: skip
        return f"Action reassigned to {updated.owner.name}"
    closed = services.action_close(
        action=action, by=user, status=data["close_status"], reason=data["close_reason"], revision=data["revision"]
    )
    return f"Action closed: {dict(CLOSE_STATUS_CHOICES)[closed.status].lower()}"


# --- The action log (CSV) ---------------------------------------------------------------


CSV_HEADER = [
    "case reference",
    "meeting date",
    "description",
    "owner",
    "officer",
    "due date",
    "priority",
    "status",
    "outcome",
    "last update",
    "last update date",
]


def _csv_rows(actions: Any) -> Iterator[list[str]]:
    yield CSV_HEADER
    for action in actions.iterator(chunk_size=500):
        latest = next(iter(action.updates.all()), None)
        meeting = action.agenda_item.meeting if action.agenda_item else None
        yield [
            action.case.reference,
            timezone.localdate(meeting.starts_at).isoformat() if meeting else "",
            action.description,
            action.owner.name,
            action.officer.full_name if action.officer else "",
            action.due_on.isoformat(),
            action.get_priority_display(),
            action.get_status_display(),
            action.outcome,
            latest.text if latest else "",
            timezone.localdate(latest.at).isoformat() if latest else "",
        ]


@require_GET
def action_log_export(request: HttpRequest) -> StreamingHttpResponse:
    """The action log: the list's filters, but by default every status and every visible action
    (so `?meeting=<id>` is a meeting's log and `?case=<reference>` a case's)."""
    _require_case_access(request.user)
    form = ActionFilterForm(request.GET, user=request.user, for_export=True)
    actions = form.filter(with_latest_update(Action.objects.visible_to(request.user)), today=timezone.localdate())
    shown = list(actions.order_by("case__reference").values_list("case__reference", flat=True).distinct())
    audit_list(request=request, model=Action, what="Action log CSV export", shown=shown, criteria=form.criteria())
    ordered = actions.order_by("case__reference", "due_on", "pk")
    return csv_download(_csv_rows(ordered), filename="action-log.csv")
