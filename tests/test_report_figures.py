"""The partnership report's figures against a history counted by hand (tests/report_builders.py)."""

from __future__ import annotations

from datetime import date

import pytest

from cmarac.reports.figures import HIDDEN, SMALL, Row, Table, for_sharing, partnership_report, report_tables, suppress
from cmarac.reports.periods import quarter_period
from meetings.models import Meeting
from referrals.models import Referral
from tests.report_builders import at, two_quarters

pytestmark = pytest.mark.django_db

TODAY = date(2026, 7, 15)
Q1 = quarter_period(2026, 1)
Q2 = quarter_period(2026, 4)


@pytest.fixture
def history(coordinator, co_chair, police, housing, fire, police_referrer, housing_lead):
    return two_quarters(
        coordinator=coordinator,
        co_chair=co_chair,
        police=police,
        housing=housing,
        fire=fire,
        police_referrer=police_referrer,
        housing_lead=housing_lead,
    )


def tables(period):
    with at(7, 15):
        return report_tables(partnership_report(period, today=TODAY))


def rows(table) -> dict[str, list]:
    found = {row.label: list(row.values) for row in table.rows}
    if table.total:
        found["Total"] = list(table.total.values)
    return found


def test_the_history_is_as_the_story_says(history) -> None:
    r, m = history.referrals, history.meetings
    assert [r[k].status for k in ("R1", "R2", "R3", "R4", "R5", "R6", "R7")] == [
        "accepted",
        "declined",
        "accepted",
        "accepted",
        "more-information",
        "accepted",
        "submitted",
    ]
    assert (r["R3"].is_late, r["R3"].accepted_as_urgent, r["R4"].is_late) == (False, True, True)
    assert [key for key, referral in r.items() if referral.is_repeat] == ["R6"]
    assert [m[k].status for k in ("M1", "M2", "M3", "M4")] == ["held", "held", "held", "scheduled"]
    assert [history.cases[k].pk for k in ("C1", "C2", "C3")]


def test_referrals_by_agency_first_quarter(history) -> None:
    by_agency = rows(tables(Q1)["referrals-by-agency"])
    # received, accepted, declined, more information, waiting, late, urgent
    assert by_agency == {
        "Partnership Policing Team": [3, 1, 1, 1, 0, 0, 0],
        "Council Housing": [2, 2, 0, 0, 0, 1, 1],
        "Total": [5, 3, 1, 1, 0, 1, 1],
    }


def test_referrals_by_agency_second_quarter(history) -> None:
    assert rows(tables(Q2)["referrals-by-agency"]) == {
        "Council Housing": [1, 0, 0, 0, 1, 0, 0],
        "Partnership Policing Team": [1, 1, 0, 0, 0, 0, 0],
        "Total": [2, 1, 0, 0, 1, 0, 0],
    }


def test_days_from_submission_to_first_hearing(history) -> None:
    # R1: 10 Jan -> 12 Feb (33 days); R3: 5 Feb -> 12 Feb (7); R4: 5 Mar -> 14 May (70).
    assert rows(tables(Q1)["time-to-first-hearing"]) == {
        "Referrals accepted": [3],
        "Of which heard so far": [3],
        "Median days from submission to first hearing": ["33"],
        "Shortest (days)": ["7"],
        "Longest (days)": ["70"],
    }
    # R6: 15 Apr -> 14 May (29 days); a repeat joins a case heard before, but counts from its own date.
    assert rows(tables(Q2)["time-to-first-hearing"])["Median days from submission to first hearing"] == ["29"]


def test_cases_by_risk_at_referral(history) -> None:
    # opened, heard, closed
    assert rows(tables(Q1)["cases-by-risk"]) == {
        "Standard": [1, 1, 1],
        "Medium": [0, 0, 0],
        "High": [2, 1, 0],
        "Total": [3, 2, 1],
    }
    assert rows(tables(Q2)["cases-by-risk"]) == {
        "Standard": [0, 0, 0],
        "Medium": [0, 0, 0],
        "High": [0, 2, 1],
        "Total": [0, 2, 1],
    }


def test_risk_at_closure_and_risk_reduction(history) -> None:
    q1, q2 = tables(Q1), tables(Q2)
    # standard, medium, high at closure, closed
    assert rows(q1["risk-at-closure"])["Standard"] == [1, 0, 0, 1]
    assert rows(q2["risk-at-closure"])["High"] == [1, 0, 0, 1]  # C1: high when opened, standard when closed
    assert rows(q1["risk-reduction"]) == {
        "Lower than at referral": [0],
        "Same as at referral": [1],
        "Higher than at referral": [0],
        "Total": [1],
    }
    assert rows(q2["risk-reduction"])["Lower than at referral"] == [1]


def test_cases_by_issue_type_and_asb_case_review(history) -> None:
    q1, q2 = rows(tables(Q1)["cases-by-issue"]), rows(tables(Q2)["cases-by-issue"])
    assert q1["Cuckooing"] == [1, 1, 0]
    assert q1["Hoarding"] == [1, 1, 1]
    assert q1["Hate crime"] == [1, 0, 0]
    assert q1["Noise"] == [0, 0, 0]  # R2 declined, R5 not accepted: no case
    assert q2["Cuckooing"] == [0, 1, 1]
    assert q2["Hate crime"] == [0, 1, 0]
    assert rows(tables(Q1)["asb-case-review"]) == {
        "ASB Case Review threshold reached": [1, 0, 0],
        "Referred as a potential ASB Case Review": [1, 0, 0],
    }
    assert rows(tables(Q2)["asb-case-review"]) == {
        "ASB Case Review threshold reached": [0, 1, 0],
        "Referred as a potential ASB Case Review": [0, 1, 0],
    }


def test_repeat_rate(history) -> None:
    q1, q2 = rows(tables(Q1)["repeat-rate"]), rows(tables(Q2)["repeat-rate"])
    assert (q1["Cases heard"], q1["Repeat cases heard"], str(q1["Repeat rate"][0])) == ([2], [0], "0%")
    assert (q2["Cases heard"], q2["Repeat cases heard"], str(q2["Repeat rate"][0])) == ([2], [1], "50%")


def test_actions_by_owning_agency(history) -> None:
    # set, on time, late, not possible, not done, open, overdue
    assert rows(tables(Q1)["actions-by-agency"]) == {
        "Council Housing": [2, 0, 1, 1, 0, 0, 0],
        "Partnership Policing Team": [2, 1, 0, 0, 1, 0, 0],
        "Total": [4, 1, 1, 1, 1, 0, 0],
    }
    assert rows(tables(Q2)["actions-by-agency"]) == {
        "Council Housing": [1, 0, 0, 0, 0, 1, 1],
        "Partnership Policing Team": [1, 0, 0, 0, 0, 1, 0],
        "Total": [2, 0, 0, 0, 0, 2, 1],
    }


def test_attendance_and_information_shared_before_meetings(history) -> None:
    q1, q2 = tables(Q1), tables(Q2)
    # attended, apologies, apologies and information, did not attend
    assert rows(q1["attendance"]) == {
        "Council Housing": [1, 0, 1, 0],
        "Fire Brigade": [0, 1, 0, 1],
        "Partnership Policing Team": [2, 0, 0, 0],
    }
    assert q1["attendance"].notes[0] == "Meetings held in the period: 2."
    assert rows(q2["attendance"]) == {"Council Housing": [1, 0, 0, 0], "Partnership Policing Team": [1, 0, 0, 0]}
    # invitations, shared before, not shared before
    assert rows(q1["information-shared"]) == {
        "Council Housing": [1, 1, 0],
        "Fire Brigade": [1, 0, 1],
        "Partnership Policing Team": [2, 1, 1],
        "Total": [4, 2, 2],
    }
    assert rows(q2["information-shared"])["Council Housing"] == [1, 0, 1]  # shared after the meeting


def test_a_meeting_not_held_counts_for_nothing(history) -> None:
    Meeting.objects.filter(pk=history.meetings["M3"].pk).update(status=Meeting.Status.CANCELLED)
    q2 = tables(Q2)
    assert rows(q2["cases-by-risk"])["Total"][1] == 0
    assert q2["attendance"].rows == []


def test_for_sharing_every_count_from_one_to_four_is_fewer_than_five(history) -> None:
    with at(7, 15):
        shared = report_tables(for_sharing(partnership_report(Q1, today=TODAY)))
    assert rows(shared["referrals-by-agency"]) == {
        "Partnership Policing Team": [SMALL, SMALL, SMALL, SMALL, 0, 0, 0],
        "Council Housing": [SMALL, SMALL, 0, 0, 0, SMALL, SMALL],
        "Total": [5, SMALL, SMALL, SMALL, 0, SMALL, SMALL],
    }
    assert shared["referrals-by-agency"].suppressed
    repeat = rows(shared["repeat-rate"])
    assert repeat["Cases heard"] == [SMALL]
    assert repeat["Repeat rate"] == ["not shown (fewer than 5 cases)"]
    # Not counts: shown as they are.
    assert rows(shared["time-to-first-hearing"])["Median days from submission to first hearing"] == ["33"]
    assert all(
        value in (0, 5, SMALL) or isinstance(value, str)
        for table in shared.values()
        for row in table.rows
        for value in row.values
    )


def test_the_year_counts_both_quarters(history) -> None:
    from cmarac.reports.periods import dates_period

    year = tables(dates_period(date(2026, 1, 1), date(2026, 6, 30)))
    assert rows(year["referrals-by-agency"])["Total"] == [7, 4, 1, 1, 1, 1, 1]
    assert Referral.objects.exclude(status="draft").count() == 7


def _table(rows: dict[str, list], *, total: bool = True, sums=()) -> Table:
    lines = [Row(label, values) for label, values in rows.items()]
    width = len(next(iter(rows.values())))
    sums_down = Row("Total", [sum(line.values[i] for line in lines) for i in range(width)])
    return Table(
        key="t", title="T", caption="T", row_heading="Agency", columns=[f"c{i}" for i in range(width)],
        rows=lines, total=sums_down if total else None, sums=sums,
    )  # fmt: skip


def _cannot_be_worked_out(shared: Table, original: Table) -> None:
    """No hidden count is the only hidden one in a sum that is shown."""
    from cmarac.reports.figures import _sums

    grid = [line.values for line in [*shared.rows, shared.total]]
    hidden = {(r, c) for r, values in enumerate(grid) for c, v in enumerate(values) if v in (SMALL, HIDDEN)}
    original_grid = [line.values for line in [*original.rows, original.total]]
    for parts, whole in _sums(original, original_grid):
        if whole not in hidden:
            assert len([cell for cell in parts if cell in hidden]) != 1, (parts, whole)


def test_a_small_count_cannot_be_worked_out_from_a_column_total() -> None:
    table = _table({"Police": [3], "Housing": [12], "Council": [7]})
    shared = suppress(table)
    assert [line.values for line in shared.rows] == [[SMALL], [12], [HIDDEN]]  # the next smallest goes too
    assert shared.total.values == [22]
    _cannot_be_worked_out(shared, table)


def test_a_small_count_cannot_be_worked_out_from_a_row_whole() -> None:
    # Received = accepted + declined: with "Received" shown, a lone small "Declined" is given away.
    table = _table({"Police": [9, 6, 3], "Housing": [20, 10, 10]}, sums=((0, (1, 2)),))
    shared = suppress(table)
    _cannot_be_worked_out(shared, table)
    police = shared.rows[0].values
    assert police[2] == SMALL
    assert police[1] == HIDDEN
    assert shared.rows[1].values[0] == 20  # nothing to protect in this row's whole


def test_with_nothing_else_to_hide_the_sum_itself_is_hidden() -> None:
    table = _table({"Police": [3], "Housing": [0]})
    shared = suppress(table)
    assert [line.values for line in shared.rows] == [[SMALL], [0]]
    assert shared.total.values == [SMALL]  # 3 is itself small


def test_secondary_suppression_settles_across_rows_and_columns() -> None:
    table = _table(
        {"Police": [9, 6, 3], "Housing": [15, 8, 7], "Council": [30, 20, 10], "Fire": [12, 12, 0]},
        sums=((0, (1, 2)),),
    )
    shared = suppress(table)
    _cannot_be_worked_out(shared, table)
    # A shown value is the true count; a hidden one is only ever one of the two markers.
    for original, line in zip([*table.rows, table.total], [*shared.rows, shared.total], strict=True):
        for value, shown in zip(original.values, line.values, strict=True):
            assert shown in (value, SMALL, HIDDEN)
            assert shown != SMALL or 0 < value < 5
