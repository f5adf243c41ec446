"""The home page's work queues: one section per role the person holds, made of each app's lines.

Each app offers its lines in its own `work.py` (referrals, meetings, actions, cases, governance,
audit); this module, at the top of the house, only chooses and orders them. Every line is counted
through visible_to(user) or the access helpers, and each section costs a fixed number of queries
whatever the number of rows (see tests/test_home_work.py). A line shared by two sections (the
escalated actions of a coordinator who is also a co-chair) is counted once.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.http import HttpRequest
from django.utils import timezone

from actions import work as actions_work
from cmarac.accounts.models import User
from cmarac.accounts.roles import Role
from cmarac.audit import work as audit_work
from cmarac.cases import work as cases_work
from cmarac.cases.access import agency_sees_cases
from cmarac.core.work import WorkLine, WorkSection
from cmarac.governance import work as governance_work
from cmarac.governance.subject_access_services import may_make_exports
from meetings import work as meetings_work
from referrals import work as referrals_work

SINCE_KEY = "home_shared_since"
FIRST_VISIT_DAYS = 14


def shared_since(request: HttpRequest) -> tuple[datetime, bool]:
    """The moment "newly shared with your agency" counts from, and whether it is the person's first
    visit. It is the first home page of their previous session: kept in the session, so reloading
    the page does not empty the list, and moved on (one update) once per session."""
    stored = request.session.get(SINCE_KEY)
    if isinstance(stored, dict) and "since" in stored:
        return datetime.fromisoformat(stored["since"]), bool(stored.get("first"))
    user: User = request.user  # type: ignore[assignment]
    now = timezone.now()
    first = user.home_seen_at is None
    since = now - timedelta(days=FIRST_VISIT_DAYS) if first else user.home_seen_at
    User.objects.filter(pk=user.pk).update(home_seen_at=now)
    request.session[SINCE_KEY] = {"since": since.isoformat(), "first": first}  # type: ignore[union-attr]
    return since, first  # type: ignore[return-value]


def _in_agency_section(user: User) -> bool:
    """Agency lead, deputy and members whose agency lets them see its cases."""
    if not agency_sees_cases(user):
        return False
    return user.has_role(Role.AGENCY_MEMBER) or user.is_agency_lead or user.is_agency_deputy


def _agency_role(user: User) -> str:
    if user.is_agency_lead:
        return "Agency lead"
    if user.is_agency_deputy:
        return "Agency deputy"
    return "Agency member"


def work_sections(request: HttpRequest, *, today: date | None = None) -> list[WorkSection]:
    user: User = request.user  # type: ignore[assignment]
    today = today or timezone.localdate()
    sections: list[WorkSection] = []
    coordinator, co_chair = user.has_role(Role.COORDINATOR), user.has_role(Role.CO_CHAIR)
    retention: WorkLine | None = None

    if coordinator or co_chair:
        waiting, late = referrals_work.triage_lines(user, today=today)
        meeting = meetings_work.next_meeting(user, today=today)
        next_line = meetings_work.next_meeting_line(meeting)
        to_circulate, to_approve = meetings_work.minutes_lines(user)
        escalated = actions_work.escalated_line(user, today=today)
    if coordinator:
        retention = governance_work.retention_line(today=today)
        sections.append(
            WorkSection(
                title="Coordinator",
                lines=[
                    waiting,
                    next_line,
                    *meetings_work.preparation_lines(user, meeting),
                    to_circulate,
                    to_approve,
                    escalated,
                    retention,
                ],
            )
        )
    if co_chair:
        sections.append(WorkSection(title="Co-chair", lines=[next_line, late, escalated, to_approve]))

    if _in_agency_section(user):
        agency = user.agency
        since, first = shared_since(request)
        sections.append(
            WorkSection(
                title=f"{_agency_role(user)}, {agency.name}",  # type: ignore[union-attr]
                lines=[
                    *actions_work.agency_action_lines(user, today=today),
                    meetings_work.information_needed_line(user, today=today),
                    cases_work.newly_shared_line(user, since=since, first_visit=first),
                    meetings_work.agency_next_meeting_line(user, agency, today=today),  # type: ignore[arg-type]
                ],
            )
        )

    if user.agency_id is not None:  # anyone of an agency may refer
        total, lines = referrals_work.referrer_lines(user)
        if total or user.has_role(Role.REFERRER):
            sections.append(WorkSection(title="Your referrals", lines=lines))

    if user.has_role(Role.AUDITOR) or may_make_exports(user):
        lines = []
        if user.has_role(Role.AUDITOR):
            lines.append(audit_work.chain_check_line())
            lines.append(retention or governance_work.retention_line(today=today))
        if may_make_exports(user):
            lines.extend(governance_work.subject_access_lines(user))
        sections.append(WorkSection(title="Information governance and audit", lines=lines))
    return sections
