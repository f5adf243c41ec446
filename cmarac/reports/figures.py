"""The partnership report's figures: counts by agency, risk, issue type and outcome for a period.

Every figure is a partnership-wide count (ADR 0030): no reference, name or free text is read
into it, only codes, dates and agency names, so the report is not case data and is the same
for everyone allowed to open it. Seven queries in all, whatever the number of rows, counted here.

Terms (the report's own glossary says the same in words):
- received: submitted in the period (a referral sent back for more information and submitted
  again counts once, at its last submission);
- heard: discussed at a meeting held in the period (held, or its minutes approved);
- first hearing: the first meeting held on or after the referral's submission at which its case
  was on the agenda;
- repeat case (MARAC repeat rate): a case heard in the period with a referral marked as a repeat
  (the same victim or alleged perpetrator referred within 12 months of the last referral)
  submitted in the 12 months up to the period's end; repeat rate = repeat cases / cases heard;
- risk at referral: the case's risk level when it was opened; risk at closure: its level when
  it was closed;
- an action is set in the period when the meeting it was set at (or, without one, the day it
  was recorded) falls in the period.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import timedelta

from django.db.models import Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from actions.models import Action
from cmarac.cases.models import Case, RiskLevel, RiskLevelChange
from cmarac.reports.periods import Period
from meetings.models import AgencyInformation, AgendaInvitation, AgendaItem, Attendance, Meeting
from referrals.models import Referral

HELD = (Meeting.Status.HELD, Meeting.Status.MINUTES_APPROVED)
NO_AGENCY = "Agency not recorded"
NOT_RECORDED = "Not recorded"
SMALL = "fewer than 5"
# A count of 5 or more hidden because, with the totals shown, it would give away a small number.
HIDDEN = "not shown (protects a small number)"
# Counts from 1 to this are shown as SMALL in outputs made for sharing.
SMALLEST_SHOWN = 5


@dataclass(frozen=True)
class Rate:
    """A percentage of two counts: hidden with them when either is a small number."""

    part: int
    whole: int

    def __str__(self) -> str:
        return f"{round(100 * self.part / self.whole)}%" if self.whole else "no cases"


@dataclass(frozen=True)
class Row:
    label: str
    values: list[int | str | Rate]


@dataclass(frozen=True)
class Table:
    key: str  # the CSV's name and the section's id
    title: str
    caption: str
    row_heading: str
    columns: list[str]
    rows: list[Row]
    total: Row | None = None
    chart_column: int | None = 0  # the column drawn as bars (None: no chart)
    notes: list[str] = field(default_factory=list)
    suppressed: bool = False
    # Columns that are the sum of other columns in every row, as (whole, parts): "Received" is
    # accepted + declined + more information + waiting. Suppression must know them (suppress()).
    sums: tuple[tuple[int, tuple[int, ...]], ...] = ()

    def header(self) -> list[str]:
        return [self.row_heading, *self.columns]

    def lines(self) -> list[list[str]]:
        """Every row as text, the total last: what the CSV holds."""
        rows = [*self.rows, *([self.total] if self.total else [])]
        return [[row.label, *(str(value) for value in row.values)] for row in rows]

    @property
    def is_empty(self) -> bool:
        return not self.rows

    def chart(self) -> list[tuple[str, int]]:
        if self.chart_column is None:
            return []
        return [(row.label, int(row.values[self.chart_column])) for row in self.rows
                if isinstance(row.values[self.chart_column], int)]  # fmt: skip


def is_small(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < SMALLEST_SHOWN


def suppress(table: Table) -> Table:
    """The table for sharing: every count from 1 to 4 (totals included) becomes "fewer than 5",
    and a rate whose part or whole is such a count is not shown.

    Then secondary suppression: where a sum is shown (a column's total, or a row's whole such as
    "Received") and exactly one of the counts that make it up is hidden, that count could be
    worked out by subtraction; so the smallest other non-zero count in the sum is hidden too (or
    the sum itself, if there is none), until no hidden count can be worked out from one sum."""
    grid = [list(line.values) for line in [*table.rows, *([table.total] if table.total else [])]]
    small = {(r, c) for r, values in enumerate(grid) for c, value in enumerate(values) if is_small(value)}
    hidden = set(small)
    groups = _sums(table, grid)
    changed = True
    while changed:
        changed = False
        for parts, whole in groups:
            hidden_parts = [cell for cell in parts if cell in hidden]
            if whole in hidden or len(hidden_parts) != 1:
                continue
            shown = [cell for cell in parts if cell not in hidden and grid[cell[0]][cell[1]] > 0]
            hidden.add(min(shown, key=lambda cell: grid[cell[0]][cell[1]]) if shown else whole)
            changed = True

    def cell(r: int, c: int, value: int | str | Rate) -> int | str | Rate:
        if (r, c) in small:
            return SMALL
        if (r, c) in hidden:
            return HIDDEN
        if isinstance(value, Rate) and (is_small(value.part) or is_small(value.whole)):
            return "not shown (fewer than 5 cases)"
        return value

    lines = [Row(line.label, [cell(r, c, v) for c, v in enumerate(line.values)])
             for r, line in enumerate([*table.rows, *([table.total] if table.total else [])])]  # fmt: skip
    return replace(
        table,
        rows=lines[: len(table.rows)],
        total=lines[-1] if table.total else None,
        suppressed=True,
    )


Cell = tuple[int, int]


def _sums(table: Table, grid: list[list[int | str | Rate]]) -> list[tuple[list[Cell], Cell]]:
    """Every sum a reader can see in the table, as (the cells added up, the cell of their sum):
    each column down to its total, and each row's declared wholes. Only whole numbers count."""

    def counts(cells: list[Cell]) -> bool:
        return all(isinstance(grid[r][c], int) and not isinstance(grid[r][c], bool) for r, c in cells)

    found: list[tuple[list[Cell], Cell]] = []
    width = len(table.columns)
    if table.total is not None:
        last = len(grid) - 1
        for c in range(width):
            parts = [(r, c) for r in range(last)]
            if counts([*parts, (last, c)]):
                found.append((parts, (last, c)))
    for whole, part_columns in table.sums:
        for r in range(len(grid)):
            parts = [(r, c) for c in part_columns]
            if counts([*parts, (r, whole)]):
                found.append((parts, (r, whole)))
    return found


def _local_date(moment):
    return timezone.localdate(moment) if moment is not None else None


def _in(period: Period, prefix: str) -> Q:
    return Q(**{f"{prefix}__gte": period.starts_at, f"{prefix}__lt": period.ends_before})


def _by_label(counts: dict[str, list[int]]) -> list[Row]:
    return [Row(label, values) for label, values in sorted(counts.items(), key=lambda pair: pair[0].lower())]


def _total(rows: list[Row], width: int, label: str = "Total") -> Row:
    return Row(label, [sum(int(row.values[i]) for row in rows) for i in range(width)])


# --- Referrals ------------------------------------------------------------------------------

REFERRAL_COLUMNS = ["Received", "Accepted", "Declined", "More information requested", "Waiting for a decision",
                    "Late", "Accepted as urgent"]  # fmt: skip


def _referral_rows(period: Period) -> list[tuple]:
    first_hearing = (
        AgendaItem.objects.filter(
            case=OuterRef("case"), meeting__status__in=HELD, meeting__starts_at__gte=OuterRef("submitted_at")
        )
        .order_by("meeting__starts_at")
        .values("meeting__starts_at")[:1]
    )
    return list(
        Referral.objects.exclude(status=Referral.Status.DRAFT)
        .filter(_in(period, "submitted_at"))
        .annotate(first_hearing=Subquery(first_hearing))
        .values_list(
            "referring_agency__name", "status", "is_late", "accepted_as_urgent", "submitted_at", "first_hearing"
        )
    )


def referral_tables(period: Period) -> list[Table]:
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * len(REFERRAL_COLUMNS))
    S = Referral.Status
    status_column = {S.ACCEPTED: 1, S.DECLINED: 2, S.MORE_INFORMATION: 3, S.SUBMITTED: 4}
    waits: list[int] = []
    accepted = 0
    for agency, status, late, urgent, submitted_at, first_hearing in _referral_rows(period):
        line = counts[agency or NO_AGENCY]
        line[0] += 1
        line[status_column[status]] += 1
        line[5] += bool(late)
        line[6] += bool(urgent)
        if status == S.ACCEPTED:
            accepted += 1
            if first_hearing is not None:
                waits.append((_local_date(first_hearing) - _local_date(submitted_at)).days)
    rows = _by_label(counts)
    by_agency = Table(
        key="referrals-by-agency",
        title="Referrals received, by referring agency",
        caption="Referrals received in the period, by referring agency and what was decided",
        row_heading="Referring agency",
        columns=REFERRAL_COLUMNS,
        sums=((0, (1, 2, 3, 4)),),  # received: accepted, declined, more information, waiting
        rows=rows,
        total=_total(rows, len(REFERRAL_COLUMNS)),
        notes=["Late: submitted after the deadline for the next meeting. Accepted as urgent: a late referral the "
               "co-chairs agreed to hear at that meeting all the same."],
    )  # fmt: skip
    timing = Table(
        key="time-to-first-hearing",
        title="Time from referral to first hearing",
        caption="Days from submission to the first meeting that heard the case, for referrals received in the period",
        row_heading="Measure",
        columns=["Value"],
        rows=[
            Row("Referrals accepted", [accepted]),
            Row("Of which heard so far", [len(waits)]),
            Row("Median days from submission to first hearing", [_median(waits)]),
            Row("Shortest (days)", [str(min(waits)) if waits else "none heard"]),
            Row("Longest (days)", [str(max(waits)) if waits else "none heard"]),
        ],
        chart_column=None,
        notes=["Days are counted from the day of submission to the day of the meeting."],
    )  # fmt: skip
    return [by_agency, timing]


def _median(days: list[int]) -> str:
    return f"{statistics.median(days):g}" if days else "none heard"


# --- Cases ----------------------------------------------------------------------------------

RISK_LABELS = dict(RiskLevel.choices)
RISK_ORDER = [RiskLevel.STANDARD, RiskLevel.MEDIUM, RiskLevel.HIGH]
ISSUE_LABELS = dict(Referral.IssueType.choices)


def _case_rows(period: Period) -> tuple[list[tuple], dict[int, set[str]]]:
    held_here = AgendaItem.objects.filter(meeting__status__in=HELD).filter(_in(period, "meeting__starts_at"))
    opening_risk = (
        RiskLevelChange.objects.filter(case=OuterRef("pk")).order_by("changed_at", "pk").values("risk_level")[:1]
    )
    repeat = Referral.objects.filter(
        case=OuterRef("pk"),
        is_repeat=True,
        submitted_at__lt=period.ends_before,
        submitted_at__gte=period.ends_before - timedelta(days=365),
    )
    relevant = Case.objects.filter(
        Q(opened_on__range=(period.start, period.end))
        | Q(closed_on__range=(period.start, period.end))
        | Q(pk__in=held_here.values("case_id"))
    )
    cases = list(
        relevant.annotate(
            opening_risk=Subquery(opening_risk),
            heard=Exists(held_here.filter(case=OuterRef("pk"))),
            repeat=Exists(repeat),
        ).values_list(
            "pk",
            "opened_on",
            "closed_on",
            "risk_level",
            "asb_case_review_threshold_reached",
            "opening_risk",
            "heard",
            "repeat",
        )
    )
    issues: dict[int, set[str]] = defaultdict(set)
    for case_id, issue_types in Referral.objects.filter(
        status=Referral.Status.ACCEPTED, case__in=relevant.values("pk")
    ).values_list("case_id", "issue_types"):
        issues[case_id].update(issue_types or [])
    return cases, issues


def case_tables(period: Period) -> list[Table]:
    cases, issues = _case_rows(period)
    by_risk: dict[str, list[int]] = {level: [0, 0, 0] for level in RISK_ORDER}
    by_issue: dict[str, list[int]] = {value: [0, 0, 0] for value in ISSUE_LABELS}
    asb = {"flag": [0, 0, 0], "issue": [0, 0, 0]}
    closure: dict[str, Counter[str]] = {level: Counter() for level in RISK_ORDER}
    change: Counter[str] = Counter()
    heard = repeats = 0
    for pk, opened_on, closed_on, risk_now, asb_flag, opening_risk, was_heard, repeat in cases:
        columns = [
            period.start <= opened_on <= period.end,
            bool(was_heard),
            closed_on is not None and period.start <= closed_on <= period.end,
        ]
        at_referral = opening_risk or risk_now
        for i, counted in enumerate(columns):
            if not counted:
                continue
            by_risk.setdefault(at_referral, [0, 0, 0])[i] += 1
            for issue in issues.get(pk, ()):
                by_issue.setdefault(issue, [0, 0, 0])[i] += 1
            asb["flag"][i] += bool(asb_flag)
            asb["issue"][i] += Referral.IssueType.ASB_CASE_REVIEW in issues.get(pk, ())
        if columns[2]:
            closure.setdefault(at_referral, Counter())[risk_now] += 1
            before, after = _rank(at_referral), _rank(risk_now)
            change["reduced" if after < before else "increased" if after > before else "same"] += 1
        if was_heard:
            heard += 1
            repeats += bool(repeat)
    phases = ["Opened", "Heard", "Closed"]
    risk_rows = [Row(RISK_LABELS.get(level, level), values) for level, values in by_risk.items()]
    issue_rows = [Row(ISSUE_LABELS.get(issue, issue), values) for issue, values in by_issue.items()]
    closure_rows = [
        Row(RISK_LABELS.get(level, level), [counter[after] for after in RISK_ORDER] + [sum(counter.values())])
        for level, counter in closure.items()
    ]
    return [
        Table(
            key="cases-by-risk",
            title="Cases opened, heard and closed, by risk at referral",
            caption="Cases opened, heard and closed in the period, by their risk level when the case was opened",
            row_heading="Risk at referral",
            columns=phases,
            rows=risk_rows,
            total=_total(risk_rows, 3),
            notes=[
                "Heard: discussed at a meeting held in the period. A case can be opened, heard and closed in "
                "the same period, so it can appear in more than one column."
            ],
        ),
        Table(
            key="risk-at-closure",
            title="Risk at referral and at closure",
            caption="Cases closed in the period: risk level when opened (rows) and when closed (columns)",
            row_heading="Risk at referral",
            columns=[f"{RISK_LABELS[level]} at closure" for level in RISK_ORDER] + ["Closed"],
            sums=((len(RISK_ORDER), tuple(range(len(RISK_ORDER)))),),
            rows=closure_rows,
            total=_total(closure_rows, len(RISK_ORDER) + 1),
            chart_column=None,
        ),
        Table(
            key="risk-reduction",
            title="Risk reduction",
            caption="Cases closed in the period, by how their risk level at closure compares with referral",
            row_heading="Risk at closure",
            columns=["Cases closed"],
            rows=[
                Row("Lower than at referral", [change["reduced"]]),
                Row("Same as at referral", [change["same"]]),
                Row("Higher than at referral", [change["increased"]]),
            ],
            total=Row("Total", [sum(change.values())]),
        ),
        Table(
            key="cases-by-issue",
            title="Cases by issue type",
            caption="Cases opened, heard and closed in the period, by the issue types their referrals named",
            row_heading="Issue type",
            columns=phases,
            rows=issue_rows,
            chart_column=1,
            notes=[
                "A referral may name several issue types, so a case can be counted under more than one and the "
                "rows do not add up to the number of cases."
            ],
        ),
        Table(
            key="asb-case-review",
            title="ASB Case Review",
            caption="Cases opened, heard and closed in the period that reached the ASB Case Review threshold, or were "
            "referred as a potential ASB Case Review",
            row_heading="Flag",
            columns=phases,
            rows=[
                Row("ASB Case Review threshold reached", asb["flag"]),
                Row("Referred as a potential ASB Case Review", asb["issue"]),
            ],
            chart_column=None,
        ),
        Table(
            key="repeat-rate",
            title="Repeat rate",
            caption="Cases heard in the period, and the share that were repeat cases",
            row_heading="Measure",
            columns=["Value"],
            rows=[
                Row("Cases heard", [heard]),
                Row("Repeat cases heard", [repeats]),
                Row("Repeat rate", [Rate(repeats, heard)]),
            ],
            chart_column=None,
            notes=[
                "As MARAC repeat-rate reporting: a repeat case has a further referral about the same victim or "
                "alleged perpetrator within 12 months of the last one (here: a repeat referral submitted in the "
                "12 months up to the end of the period). The rate is repeat cases heard divided by all cases heard."
            ],
        ),
    ]


def _rank(level: str) -> int:
    return RISK_ORDER.index(level) if level in RISK_ORDER else 0


# --- Actions --------------------------------------------------------------------------------

ACTION_COLUMNS = ["Set", "Completed on time", "Completed late", "Not possible", "Not done", "Still open",
                  "Of which overdue"]  # fmt: skip


def action_table(period: Period, today) -> Table:
    A = Action.Status
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * len(ACTION_COLUMNS))
    rows = (
        Action.objects.annotate(set_at=Coalesce("agenda_item__meeting__starts_at", "created_at"))
        .filter(_in(period, "set_at"))
        .values_list("owner__name", "status", "due_on", "closed_at")
    )
    for owner, status, due_on, closed_at in rows:
        line = counts[owner]
        line[0] += 1
        if status == A.COMPLETED:
            line[1 if _local_date(closed_at) <= due_on else 2] += 1
        elif status == A.NOT_POSSIBLE:
            line[3] += 1
        elif status == A.NOT_DONE:
            line[4] += 1
        else:
            line[5] += 1
            line[6] += due_on < today
    table_rows = _by_label(counts)
    return Table(
        key="actions-by-agency",
        title="Actions, by owning agency",
        caption="Actions set in the period, by owning agency and what became of them",
        row_heading="Owning agency",
        columns=ACTION_COLUMNS,
        sums=((0, (1, 2, 3, 4, 5)),),  # set: every outcome, the open ones included
        rows=table_rows,
        total=_total(table_rows, len(ACTION_COLUMNS)),
        notes=["On time: completed on or before the due date (the last one, if it was carried forward). Not "
               "possible: circumstances changed. Not done: the agency did not do it."],
    )  # fmt: skip


# --- Meetings -------------------------------------------------------------------------------

ATTENDANCE_COLUMNS = ["Attended", "Sent apologies", "Sent apologies and information", "Did not attend"]


def meeting_tables(period: Period) -> list[Table]:
    held = Meeting.objects.filter(status__in=HELD).filter(_in(period, "starts_at"))
    meetings = held.count()
    column = {status: i for i, status in enumerate(Attendance.Status.values)}
    attendance: dict[str, list[int]] = defaultdict(lambda: [0] * len(ATTENDANCE_COLUMNS))
    for agency, status in Attendance.objects.filter(meeting__in=held.values("pk")).values_list(
        "agency__name", "status"
    ):
        attendance[agency][column[status]] += 1
    shared_before = AgencyInformation.objects.filter(
        item=OuterRef("item"), agency=OuterRef("agency"), updated_at__lte=OuterRef("item__meeting__starts_at")
    )
    information: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    invitations = (
        AgendaInvitation.objects.filter(item__meeting__in=held.values("pk"))
        .annotate(shared=Exists(shared_before))
        .values_list("agency__name", "shared")
    )
    for agency, shared in invitations:
        line = information[agency]
        line[0] += 1
        line[1 if shared else 2] += 1
    attendance_rows = _by_label(attendance)
    information_rows = _by_label(information)
    return [
        Table(
            key="attendance",
            title="Attendance, by agency",
            caption=f"Attendance recorded at the {meetings} meeting{'s' if meetings != 1 else ''} held in the period",
            row_heading="Agency",
            columns=ATTENDANCE_COLUMNS,
            rows=attendance_rows,
            notes=[f"Meetings held in the period: {meetings}."],
        ),
        Table(
            key="information-shared",
            title="Information shared before meetings",
            caption="Agenda items agencies were invited to at meetings held in the period, and whether they shared "
            "what they hold before the meeting",
            row_heading="Agency",
            columns=["Invitations", "Shared before the meeting", "Not shared before the meeting"],
            sums=((0, (1, 2)),),
            rows=information_rows,
            total=_total(information_rows, 3),
            chart_column=1,
        ),
    ]


# --- The whole report -----------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    title: str
    tables: list[Table]


def partnership_report(period: Period, *, today) -> list[Section]:
    """Every figure of the report, in a fixed number of queries (seven)."""
    cases = case_tables(period)
    return [
        Section("Referrals", referral_tables(period)),
        Section("Cases", cases[:5]),
        Section("Repeat cases", cases[5:]),
        Section("Actions", [action_table(period, today)]),
        Section("Meetings", meeting_tables(period)),
    ]


def report_tables(sections: list[Section]) -> dict[str, Table]:
    return {table.key: table for section in sections for table in section.tables}


def for_sharing(sections: list[Section]) -> list[Section]:
    return [Section(section.title, [suppress(table) for table in section.tables]) for section in sections]
