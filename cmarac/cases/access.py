"""Need to know: who may see which cases. The single source of truth for case access.

`Case.objects.visible_to(user)` and every other case-data queryset start here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.http import Http404

from cmarac.accounts.roles import Role

if TYPE_CHECKING:
    from cmarac.accounts.models import User
    from cmarac.cases.models import Case

VIEW_CASE = "view_case"


def agency_sees_cases(user: User) -> bool:
    """Whether this person sees their agency's cases at all."""
    agency = user.agency
    if agency is None or not agency.is_active or not user.has_role(Role.AGENCY_MEMBER):
        return False
    if user.pk in (agency.lead_id, agency.deputy_id):
        return True
    return agency.members_see_cases


def visible_case_ids(user: User) -> Any:
    """ALL, None (nothing), or a subquery of the case ids this person may see."""
    from cmarac.cases.models import ALL, CaseGroupObjectPermission

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.sees_all_cases:
        return ALL
    if not agency_sees_cases(user):
        return None
    return CaseGroupObjectPermission.objects.filter(
        group_id=user.agency.group_id,  # type: ignore[union-attr]
        permission__codename=VIEW_CASE,
        permission__content_type__app_label="cases",
    ).values("content_object_id")


def get_case_for(user: User, reference: str, queryset: QuerySet[Case] | None = None) -> Case:
    """The case with this reference if this person may see it; 404 for missing and not yours alike."""
    from cmarac.cases.models import Case

    base = queryset if queryset is not None else Case.objects.all()
    case = base.visible_to(user).filter(reference=reference).first()  # type: ignore[attr-defined]
    if case is None:
        raise Http404("No case found")
    return case
