"""Reads of cases that need thought: the filtered, searched, sorted case list; what access an agency keeps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Case as When_
from django.db.models import IntegerField, Q, QuerySet, Value, When

from cmarac.accounts.models import User
from cmarac.cases.forms import CaseFilterForm
from cmarac.cases.models import Case, CaseEvent, CaseInvolvement, CaseSubject, Person, RiskLevel
from cmarac.cases.search import search_term

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
    cases = Case.objects.visible_to(user).with_list_data()
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
    if "-risk_rank" in ordering:  # the rank is built and compiled only when the list is sorted by it
        cases = cases.annotate(risk_rank=RISK_RANK)
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


@dataclass(frozen=True, slots=True)
class CaseListRow:
    """What a row of the case list shows (cases/templatetags/case_rows.py), and nothing else: not
    the summary or search text, not the lead officer, not a subject's date of birth or address."""

    pk: int
    reference: str
    status: str
    risk_level: str
    opened_on: date
    is_repeat: bool
    asb_case_review_potential: bool
    asb_case_review_threshold_reached: bool
    lead_agency_name: str | None
    subjects: tuple[tuple[str, str], ...]  # (full name, role), in the order they were added


_CASE_LIST_COLUMNS = (
    "pk", "reference", "status", "risk_level", "opened_on", "is_repeat", "asb_case_review_potential",
    "asb_case_review_threshold_reached", "lead_agency__name",
)  # fmt: skip


def cases_by_ids(ids: list[int]) -> list[CaseListRow]:
    """These cases as the list shows them, in the order of `ids` (found by a search or a page of
    the list, each from the person's visible cases). Two queries of plain values: model instances
    and a prefetch cost twice as much for the same 25 rows (ADR 0039)."""
    if not ids:
        return []
    subjects: dict[int, list[tuple[str, str]]] = {}
    people = CaseSubject.objects.filter(case_id__in=ids).order_by("pk")
    for case_id, role, given, family in people.values_list(
        "case_id", "role", "person__given_name", "person__family_name"
    ):
        subjects.setdefault(case_id, []).append((Person.name_from(given, family), role))
    found = {
        values[0]: CaseListRow(*values, subjects=tuple(subjects.get(values[0], ())))
        for values in Case.objects.filter(pk__in=ids).values_list(*_CASE_LIST_COLUMNS)
    }
    return [found[pk] for pk in ids if pk in found]


def case_page_history(case: Case) -> dict[str, list[dict[str, Any]]]:
    """What the case page shows of the case's agencies, history and timeline, as plain values with
    the labels of their codes: four queries, no model instances (ADR 0039). Each row holds the id
    of a person or agency beside the name, so "not recorded" is told from an empty name."""
    agencies: dict[int, dict[str, Any]] = {}
    reasons = dict(CaseInvolvement.Reason.choices)
    involved = case.involvements.order_by("agency__name", "created_at").values_list("agency", "agency__name", "reason")
    for agency_id, name, reason in involved:
        entry = agencies.setdefault(agency_id, {"name": name, "reasons": []})
        label = reasons.get(reason, reason)
        if label not in entry["reasons"]:  # two agenda items are one reason, said once
            entry["reasons"].append(label)
    risk_levels, kinds = dict(RiskLevel.choices), dict(CaseEvent.Kind.choices)
    risk_history = [
        {**row, "risk_level_label": risk_levels.get(row["risk_level"], row["risk_level"])}
        for row in case.risk_history.values("changed_at", "risk_level", "reason", "changed_by", "changed_by__full_name")
    ]
    lead_history = list(
        case.lead_history.values("changed_at", "agency", "agency__name", "officer", "officer__full_name")
    )
    events = [
        {**row, "kind_label": kinds.get(row["kind"], row["kind"])}
        for row in case.events.order_by("-occurred_at", "-pk").values(
            "kind", "description", "occurred_at", "actor", "actor__full_name"
        )
    ]
    return {
        "involved_agencies": list(agencies.values()),
        "risk_history": risk_history,
        "lead_history": lead_history,
        "events": events,
    }


def shared_with_agency_since(cases: QuerySet[Case], *, user: User, since: datetime) -> QuerySet[Case]:
    """Those of these cases that the person's agency became involved in after the moment (a
    referral, an invitation, a lead or an action): what is new to the agency since then."""
    if user.agency_id is None:
        return cases.none()
    new = CaseInvolvement.objects.filter(agency_id=user.agency_id, created_at__gt=since).values("case_id")
    return cases.filter(pk__in=new)
