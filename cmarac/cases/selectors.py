"""Reads of cases that need thought: the filtered, searched, sorted case list; what access an agency keeps."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Case as When_
from django.db.models import IntegerField, Prefetch, Q, QuerySet, Value, When

from cmarac.accounts.models import User
from cmarac.cases.forms import CaseFilterForm
from cmarac.cases.models import Case, CaseInvolvement, CaseSubject, RiskLevel
from cmarac.cases.search import search_term
from cmarac.core.pagination import rows_in_order

RISK_RANK = When_(
    When(risk_level=RiskLevel.HIGH, then=Value(3)),
    When(risk_level=RiskLevel.MEDIUM, then=Value(2)),
    default=Value(1),
    output_field=IntegerField(),
)


# A search reads at most this many matching case ids; more than that asks for a narrower search.
SEARCH_LIMIT = 500


def cases_for_list(*, user: User, filters: dict[str, Any]) -> QuerySet[Case]:
    """The cases this person may see, narrowed by the list's filters. Starts from visible_to."""
    cases = Case.objects.visible_to(user).with_list_data().annotate(risk_rank=RISK_RANK)
    status = filters.get("status") or "open"
    if status in (Case.Status.OPEN, Case.Status.CLOSED):
        cases = cases.filter(status=status)
    if filters.get("risk_level"):
        cases = cases.filter(risk_level__in=filters["risk_level"])
    if filters.get("lead_agency"):
        cases = cases.filter(lead_agency=filters["lead_agency"])
    if filters.get("led_by_my_agency"):
        cases = cases.filter(lead_agency_id=user.agency_id) if user.agency_id else cases.none()
    if filters.get("asb_case_review"):
        asb = Q()
        if "potential" in filters["asb_case_review"]:
            asb |= Q(asb_case_review_potential=True)
        if "reached" in filters["asb_case_review"]:
            asb |= Q(asb_case_review_threshold_reached=True)
        cases = cases.filter(asb)
    if filters.get("shared_since"):
        cases = shared_with_agency_since(cases, user=user, since=filters["shared_since"])
    for term in search_terms(filters):
        # Each term in the case's reference or a subject's name, other names or postcode: one
        # trigram-indexed text per case (cmarac/cases/search.py), within the visible cases.
        cases = cases.filter(search_text__contains=search_term(term))
    _, ordering = CaseFilterForm.SORTS.get(filters.get("sort") or "newest", CaseFilterForm.SORTS["newest"])
    return cases.order_by(*ordering)


def reasons_left_without(*, case: Case, agency_ids: list[int], reason: str, source: str) -> dict[int, list[str]]:
    """For each agency, the reasons it would still have to see the case once its involvement for
    (reason, source) goes: an empty list means it would no longer see the case. One query."""
    left: dict[int, list[str]] = {agency_id: [] for agency_id in agency_ids}
    others = (
        CaseInvolvement.objects.filter(case=case, agency_id__in=agency_ids)
        .exclude(reason=reason, source=source)
        .order_by("created_at", "pk")
    )
    for involvement in others:
        label = involvement.get_reason_display()
        if label not in left[involvement.agency_id]:
            left[involvement.agency_id].append(label)
    return left


def search_terms(filters: dict[str, Any]) -> list[str]:
    return (filters.get("q") or "").split()[:6]


def matching_case_ids(cases: QuerySet[Case]) -> tuple[list[int], bool]:
    """A search's matches, in the list's order: the expensive part runs once, for the count and
    every page alike. Returns at most SEARCH_LIMIT ids, and whether there were more."""
    ids = list(cases.values_list("pk", flat=True)[: SEARCH_LIMIT + 1])
    return ids[:SEARCH_LIMIT], len(ids) > SEARCH_LIMIT


# The columns a row of the case list shows (cases/case_list.html), and nothing else: not the
# summary or search text, not the lead officer, not a subject's date of birth or address.
CASE_LIST_COLUMNS = (
    "reference", "status", "risk_level", "opened_on", "is_repeat", "asb_case_review_potential",
    "asb_case_review_threshold_reached", "lead_agency__name",
)  # fmt: skip


def cases_by_ids(ids: list[int]) -> list[Case]:
    """These cases, with what the list shows of them, in the order of `ids` (found by a search or
    a page of the list, each from the person's visible cases)."""
    subjects = CaseSubject.objects.select_related("person").only(
        "case_id", "role", "person__given_name", "person__family_name"
    )
    rows = (
        Case.objects.select_related("lead_agency")
        .only(*CASE_LIST_COLUMNS)
        .prefetch_related(Prefetch("subjects", queryset=subjects.order_by("pk")))
    )
    return rows_in_order(rows, ids)


def shared_with_agency_since(cases: QuerySet[Case], *, user: User, since: datetime) -> QuerySet[Case]:
    """Those of these cases that the person's agency became involved in after the moment (a
    referral, an invitation, a lead or an action): what is new to the agency since then."""
    if user.agency_id is None:
        return cases.none()
    new = CaseInvolvement.objects.filter(agency_id=user.agency_id, created_at__gt=since).values("case_id")
    return cases.filter(pk__in=new)
