"""Need to know: who may see which cases. The single source of truth for case access.

`Case.objects.visible_to(user)` and every other case-data queryset start here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from cmarac.accounts.roles import Role

if TYPE_CHECKING:
    from cmarac.accounts.models import User
    from cmarac.cases.models import Case

VIEW_CASE = "view_case"


def agency_sees_cases(user: User) -> bool:
    """Whether this person sees their agency's cases at all. The lead and deputy named on an active
    agency always do, whatever roles they hold; other staff need the agency member role, and
    their agency must let members see its cases."""
    agency = user.agency
    if agency is None or not agency.is_active:
        return False
    if user.pk in (agency.lead_id, agency.deputy_id):
        return True
    return user.has_role(Role.AGENCY_MEMBER) and agency.members_see_cases


def visible_case_ids(user: User) -> Any:
    """ALL, None (nothing), or a subquery of the case ids this person may see."""
    from cmarac.cases.models import ALL, CaseGroupObjectPermission

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.sees_all_cases:
        return ALL
    if not agency_sees_cases(user):
        return None
    # The grant is matched on the permission's id, not through joins to auth_permission and
    # django_content_type: with the joins the planner misjudges an agency's grants by orders of
    # magnitude (ADR 0003).
    return CaseGroupObjectPermission.objects.filter(
        group_id=user.agency.group_id,  # type: ignore[union-attr]
        permission_id=view_case_permission_id(),
    ).values("content_object_id")


def restrict_to_visible_cases(
    queryset: QuerySet[Any], user: User, case_path: str = "case", *, row_by_row: bool = False
) -> QuerySet[Any]:
    """`queryset` (of a model that hangs off a case through `case_path`) narrowed to this person's
    cases. Those who see every case get the queryset unchanged, with no join to the case table at
    all; agency staff get a semi-join on their agency's grants, not on the case table.

    `row_by_row` is for a queryset the caller narrows to few rows of a large agency (its own
    actions): each row then looks up its one grant in the grants' unique index, where the semi-join
    read all of the agency's grants to merge them (45,000 at 100k cases: 5 ms against 1.5 ms).
    The rule is the same either way: a row is kept exactly when its case is one of the person's."""
    from cmarac.cases.models import ALL

    ids = visible_case_ids(user)
    if ids is ALL:
        return queryset.all()
    if ids is None:
        return queryset.none()
    if row_by_row:
        return queryset.filter(_GrantProbe(ids.filter(content_object_id=OuterRef(case_path))))
    return queryset.filter(**{f"{case_path}__in": ids})


class _GrantProbe(Exists):
    """EXISTS (the row's grant). PostgreSQL turns a plain EXISTS into the same join as IN; with
    OFFSET 0 it keeps it as a probe per row (its planner may not pull up a subquery with an OFFSET)."""

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(compiler, connection, template="EXISTS(%(subquery)s OFFSET 0)", **extra_context)


_permission_ids: dict[str, int] = {}


def view_case_permission_id() -> int:
    """The id of the `cases.view_case` permission, looked up once per process (per database)."""
    from django.contrib.auth.models import Permission
    from django.db import connection

    key = connection.settings_dict["NAME"]
    if key not in _permission_ids:
        _permission_ids[key] = Permission.objects.values_list("pk", flat=True).get(
            codename=VIEW_CASE, content_type__app_label="cases"
        )
    return _permission_ids[key]


def forget_permission_ids(sender: Any, **kwargs: Any) -> None:
    """post_migrate (after migrate, or a test database flush) may have made the permissions anew:
    look the id up again now, so no request pays for it. Runs after auth's own post_migrate
    handler has created this app's permissions (auth is installed first)."""
    from django.contrib.auth.models import Permission

    if getattr(sender, "label", None) != "cases":
        return
    _permission_ids.clear()
    try:
        view_case_permission_id()
    except Permission.DoesNotExist:  # permissions not created (e.g. migrating backwards)
        _permission_ids.clear()


def get_case_for(user: User, reference: str, queryset: QuerySet[Case] | None = None) -> Case:
    """The case with this reference if this person may see it; 404 for missing and not yours alike."""
    from cmarac.cases.models import Case

    base = queryset if queryset is not None else Case.objects.all()
    try:
        # get(), not first(): one row by a unique key needs no ORDER BY, which PostgreSQL would
        # spend time planning around the case table's indexes.
        return base.visible_to(user).get(reference=reference)  # type: ignore[attr-defined,no-any-return]
    except Case.DoesNotExist:
        raise Http404("No case found") from None
