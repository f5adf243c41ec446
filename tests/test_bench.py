"""The benchmark's data and table (manage.py bench): the bulk path writes what the services write,
and the generator, the page timings and the table work at a tiny size (no timing is asserted)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.db.models import F
from django.test import override_settings
from django.utils import timezone

from actions.models import Action, ActionUpdate
from cmarac.cases.models import (
    Case,
    CaseEvent,
    CaseGroupObjectPermission,
    CaseInvolvement,
    CaseReferenceCounter,
    CaseSubject,
    LeadChange,
    RiskLevelChange,
)
from cmarac.web.bench import data
from cmarac.web.bench.pages import PEOPLE, Timing, page_rows, pages_for, render_table, signed_in_session, time_pages
from meetings.models import AgendaInvitation, AgendaItem, Meeting, MeetingPack
from meetings.selectors import agreed_actions_now
from referrals.models import Referral, ReferralAnswer, ReferralReferenceCounter, ReferralSubject
from tests.factories.accounts import AgencyFactory, AgencyStaffFactory, CoChairFactory
from tests.factories.meetings import MeetingFactory

pytestmark = pytest.mark.django_db


def _spec(meeting, referrer, lead, invited, other) -> data.CaseSpec:
    today = timezone.localdate()
    return data.CaseSpec(
        opened_on=today - timedelta(days=40),
        risk_level="high",
        summary="Repeated threats from a neighbouring flat.",
        subjects=[
            ({"given_name": "Ada", "family_name": "Ashdown", "postcode": "DB1 2AB", "approximate_age": 40}, "victim"),
            ({"given_name": "Bram", "family_name": "Corrow", "postcode": "DB1 2AD"}, "alleged-perpetrator"),
        ],
        referred_by=referrer,
        lead=lead,
        meeting=meeting,
        invited=[invited, other],
        actions=[
            data.ActionSpec(
                owner=lead,
                due_on=today + timedelta(days=5),
                description="Joint visit",
                updates=[("in-progress", "Visited"), ("completed", "Support in place")],
            ),
            data.ActionSpec(owner=invited, due_on=today + timedelta(days=9), description="Check the lock"),
            data.ActionSpec(
                owner=referrer,
                due_on=today + timedelta(days=9),
                description="Call back",
                updates=[("in-progress", "Left a message")],
            ),
        ],
        closed_because="Risk reduced.",
    )


def _referral_rows(referrals: Any) -> dict[str, Counter[Any]]:
    """Everything written about these referrals, without ids, times or reference numbers."""

    def rows(queryset: Any, *fields: str) -> Counter[Any]:
        return Counter(tuple(str(value) for value in row) for row in queryset.values_list(*fields))

    return {
        "referrals": rows(referrals, "status", "referrer", "referring_agency", "contact_phone", "contact_email",
                          "issue_types", "concerns", "request_of_panel", "criterion_high_risk",
                          "criterion_multi_agency", "criterion_escalation", "criterion_professional_judgement",
                          "consent", "checklist", "score",
                          "scored_level", "raised_level", "risk_level", "accepted_as_urgent", "is_repeat", "meeting",
                          "decided_by", "decision_reason", "information_request", "revision",
                          "case__summary"),
        "sent": Counter((r.submitted_at is not None, r.meeting_date is not None, r.decided_at is not None,
                         r.created_at <= (r.submitted_at or r.created_at)) for r in referrals),
        "subjects": rows(ReferralSubject.objects.filter(referral__in=referrals), "role", "given_name", "family_name",
                         "postcode", "approximate_age", "gender", "person__given_name", "person__postcode"),
        "answers": rows(ReferralAnswer.objects.filter(referral__in=referrals), "question", "option", "score"),
    }  # fmt: skip


def _rows(case: Case) -> dict[str, Counter[Any]]:
    """Everything written about one case, without ids, times or its reference number."""
    actions = {action.pk: action.description for action in Action.objects.filter(case=case)}
    items = {item.pk: str(item.meeting) for item in AgendaItem.objects.filter(case=case)}
    referrals = {referral.pk: referral.concerns for referral in Referral.objects.filter(case=case)}

    def source(text: str) -> str:
        text = re.sub(r"action:(\d+)", lambda m: f"action:{actions[int(m[1])]}", text)
        text = re.sub(r"referral:(\d+)", lambda m: f"referral:{referrals[int(m[1])]}", text)
        return re.sub(r"agenda-item:(\d+)", lambda m: f"agenda-item:{items[int(m[1])]}", text)

    def rows(queryset: Any, *fields: str) -> Counter[Any]:
        return Counter(tuple(row) for row in queryset.values_list(*fields))

    return {
        "case": rows(Case.objects.filter(pk=case.pk), "status", "risk_level", "summary", "lead_agency", "lead_officer",
                     "opened_on", "closed_on", "closure_reason", "created_by", "is_repeat", "anonymised_at"),
        "search": Counter([case.search_text.replace(case.reference, "")]),
        "subjects": rows(CaseSubject.objects.filter(case=case), "role", "person__given_name", "person__family_name",
                         "person__postcode", "person__approximate_age", "person__aliases", "person__gender"),
        "risk": rows(RiskLevelChange.objects.filter(case=case), "risk_level", "reason", "changed_by"),
        "lead": rows(LeadChange.objects.filter(case=case), "agency", "officer", "changed_by"),
        "events": Counter(
            (kind, re.sub(r"RF-\d{4}-\d{4}", "RF-reference", text), actor)
            for kind, text, actor in CaseEvent.objects.filter(case=case).values_list("kind", "description", "actor")
        ),
        "involvements": Counter(
            (agency, reason, source(text), by)
            for agency, reason, text, by in CaseInvolvement.objects.filter(case=case).values_list(
                "agency", "reason", "source", "created_by"
            )
        ),
        "grants": rows(CaseGroupObjectPermission.objects.filter(content_object=case), "group", "permission"),
        "items": rows(AgendaItem.objects.filter(case=case), "meeting", "item_type", "minutes_allotted"),
        "invitations": rows(AgendaInvitation.objects.filter(item__case=case), "agency", "invited_by"),
        "actions": rows(Action.objects.filter(case=case), "owner", "officer", "description", "due_on", "priority",
                        "status", "outcome", "revision", "agenda_item__meeting", "created_by"),
        "updates": rows(ActionUpdate.objects.filter(action__case=case), "action__description", "status", "text", "by"),
    }  # fmt: skip


def test_the_bulk_path_writes_exactly_the_rows_the_services_write() -> None:
    meeting = MeetingFactory(starts_at=timezone.now() + timedelta(days=3))
    referrer, lead, invited, other = (AgencyFactory() for _ in range(4))
    by = CoChairFactory()
    by_services = data.write_case_by_services(_spec(meeting, referrer, lead, invited, other), by=by)
    assert data.write_cases_in_bulk([_spec(meeting, referrer, lead, invited, other)], by=by) == 1
    in_bulk = Case.objects.exclude(pk=by_services.pk).get()
    expected, written = _rows(by_services), _rows(in_bulk)
    for table, rows in expected.items():
        assert rows, table  # the story touches every table...
        assert written[table] == rows, table  # ...and the bulk path writes the same rows
    year = by_services.opened_on.year
    number = int(by_services.reference.rsplit("-", 1)[1])
    assert in_bulk.reference == f"CM-{year}-{number + 1:04d}"  # references continue the year's counter
    assert CaseReferenceCounter.objects.get(year=year).last_number == number + 1


def test_a_case_opened_from_its_referral_in_bulk_is_what_the_services_write() -> None:
    """The generator's cases come from accepted referrals: the referral, its people and answers,
    the case made from it (the referring agency involved through it, the acceptance on the
    timeline), as referral_accept leaves them."""
    meeting = MeetingFactory(starts_at=timezone.now() + timedelta(days=3))
    referring, lead, invited, other = (AgencyFactory() for _ in range(4))
    referrer = AgencyStaffFactory(agency=referring, phone="01632 960001")
    by = CoChairFactory()
    today = timezone.localdate()

    def spec() -> data.CaseSpec:
        case = _spec(meeting, referring, lead, invited, other)
        case.opened_on = today  # referral_accept opens the case today
        case.referral = data.ReferralSpec(
            referrer=referrer, sent_on=today, concerns=case.summary, risk_level=case.risk_level,
            subjects=case.subjects, decided_on=today,
        )  # fmt: skip
        return case

    by_services = data.write_case_by_services(spec(), by=by)
    assert data.write_cases_in_bulk([spec()], by=by) == 1
    in_bulk = Case.objects.exclude(pk=by_services.pk).get()
    expected, written = _rows(by_services), _rows(in_bulk)
    assert expected["involvements"][(referring.pk, "referred", f"referral:{by_services.summary}", by.pk)] == 1
    assert ("referral-accepted", "Referral RF-reference", by.pk) in expected["events"]
    for table, rows in expected.items():
        assert rows, table
        assert written[table] == rows, table
    expected, written = (_referral_rows(Referral.objects.filter(case=case)) for case in (by_services, in_bulk))
    assert expected["referrals"].total() == 1
    assert {row[0] for row in expected["referrals"]} == {"accepted"}
    for table, rows in expected.items():
        assert rows, table
        assert written[table] == rows, table


def test_referrals_that_became_no_case_in_bulk_are_what_the_services_write() -> None:
    """Declined, waiting for triage, sent back with a question, and drafts: the same rows either
    way, and the references continue the year's counter."""
    referrer = AgencyStaffFactory(phone="01632 960002")
    by = CoChairFactory()
    today = timezone.localdate()
    statuses = ["declined", "submitted", "more-information", "draft"]
    specs = [
        data.ReferralSpec(
            referrer=referrer, sent_on=today, status=status, concerns=f"Concerns {n}",
            risk_level=("standard", "medium", "high")[n % 3],
            subjects=[({"given_name": "Cleo", "family_name": f"Dunmere{n}", "postcode": f"DB3 {n}CD"}, "victim")],
        )
        for n, status in enumerate(statuses)
    ]  # fmt: skip
    by_services = [data.write_referral_by_services(spec, by=by).pk for spec in specs]
    assert data.write_referrals_in_bulk(specs, by=by) == len(specs)
    expected = _referral_rows(Referral.objects.filter(pk__in=by_services))
    written = _referral_rows(Referral.objects.exclude(pk__in=by_services))
    assert sorted(row[0] for row in expected["referrals"].elements()) == sorted(statuses)
    for table, rows in expected.items():
        assert rows, table
        assert written[table] == rows, table
    year = today.year
    references = sorted(Referral.objects.values_list("reference", flat=True))
    assert references == [f"RF-{year}-{n:04d}" for n in range(1, 2 * len(specs) + 1)]
    assert ReferralReferenceCounter.objects.get(year=year).last_number == 2 * len(specs)


@pytest.mark.parametrize("level", ["standard", "medium", "high"])
def test_checklist_answers_score_at_the_level_asked(level) -> None:
    from referrals.checklists import checklist_current

    checklist = checklist_current()
    answers = data.answers_for(checklist, level)
    assert set(answers) == set(checklist.questions.values_list("pk", flat=True))
    assert checklist.level_for(sum(answer.score for answer in answers.values())) == level


def _a_case() -> Case:
    meeting, agencies = MeetingFactory(), [AgencyFactory() for _ in range(4)]
    return data.write_case_by_services(_spec(meeting, *agencies), by=CoChairFactory())


def test_rows_written_with_copy_read_back_as_given() -> None:
    """The leaf rows (written with COPY on PostgreSQL, bulk_create elsewhere) keep every character,
    empty text, times to the microsecond and choices as given; missing values (a lead change with
    no officer) are among the rows compared with the services' above."""
    case = _a_case()
    by = CoChairFactory()
    at = timezone.now().replace(microsecond=123456)
    texts = [
        "tab\there",
        "line\nbreak\r\nand back\\slash \\N \\t",
        "",
        "Zo\u00eb\u2019s caf\u00e9 \u2713",
        "'quoted' \"both\"",
    ]
    before = set(CaseEvent.objects.values_list("pk", flat=True))
    data.insert_rows(
        CaseEvent, [CaseEvent(case=case, kind="opened", description=text, actor=by, occurred_at=at) for text in texts]
    )
    written = CaseEvent.objects.exclude(pk__in=before).order_by("pk")
    assert [(e.description, e.occurred_at, e.actor_id, e.case_id) for e in written] == [
        (text, at, by.pk, case.pk) for text in texts
    ]
    update = ActionUpdate(action=Action.objects.filter(case=case).first(), status="completed", text="Done", by=by)
    data.insert_rows(ActionUpdate, [update])
    read = ActionUpdate.objects.filter(text="Done", by=by).get()
    assert (read.status, read.action_id) == ("completed", update.action_id)
    assert read.at is not None  # set as bulk_create sets it (auto_now_add)
    data.insert_rows(ActionUpdate, [])  # nothing to write, nothing asked


def test_copy_text_refuses_what_it_cannot_write() -> None:
    assert data._copy_text(None) == r"\N"
    assert data._copy_text(True) == "t"
    assert data._copy_text(7) == "7"
    assert data._copy_text("a\\b\tc\nd\re") == "a\\\\b\\tc\\nd\\re"
    with pytest.raises(TypeError):
        data._copy_text(b"bytes")
    case = _a_case()
    with pytest.raises(ValueError, match="an id already"):
        data.insert_rows(CaseEvent, [CaseEvent.objects.filter(case=case).first()])
    with pytest.raises(ValueError, match="every value but the id"):
        data.insert_rows(MeetingPack, [])  # its id is a UUID Django gives, not a number the database gives


def test_the_generator_pages_and_table_at_a_tiny_size(client) -> None:
    counts = data.generate(50)
    assert counts["cases"] == Case.objects.count() == 50
    assert counts["grants"] >= 50
    assert counts["actions"] >= 50
    assert counts["events"] > 200
    people = data.bench_people()
    assert set(people) == set(PEOPLE)
    large = Case.objects.visible_to(people["large"]).count()
    assert 0 < large < 50  # the large agency sees some cases, not all
    assert Case.objects.visible_to(people["co-chair"]).count() == 50
    # Involvements are dated from their case's opening, as on a live database, not from the write.
    involvements = CaseInvolvement.objects.select_related("case")
    assert {(i.created_at.astimezone(UTC).date(), i.created_at.astimezone(UTC).hour) for i in involvements} == {
        (case_opened, 9) for case_opened in Case.objects.values_list("opened_on", flat=True)
    }
    assert len({i.created_at.date() for i in involvements}) > 10  # spread over the history
    # Past meetings carry their minutes as minutes_approve leaves them: the record of the actions
    # agreed at each item, the discussion of every case, and the general business.
    approved = Meeting.objects.filter(minutes_status=Meeting.MinutesStatus.APPROVED)
    assert approved.filter(items__isnull=False).exists()
    for meeting in approved:
        assert meeting.minutes_snapshot == agreed_actions_now(meeting)
        assert meeting.general_minutes
        assert not meeting.items.filter(discussion="").exists()
    assert any(rows for meeting in approved for rows in meeting.minutes_snapshot.values())
    assert (
        not Meeting.objects.exclude(minutes_status=Meeting.MinutesStatus.APPROVED)
        .filter(minutes_snapshot__isnull=False)
        .exists()
    )

    plan, cookies = {}, {}
    for person, user in people.items():
        cookies[person], token = signed_in_session(user)
        plan[person] = pages_for(user, token)
    assert {"case list", "case search", "action list", "meeting list", "case page"} <= set(plan["co-chair"])
    assert "new action form" in plan["co-chair"]
    # Referrals as a live database holds them: none dated ahead, each started before it was sent.
    now = timezone.now()
    assert Referral.objects.filter(status=Referral.Status.ACCEPTED).count() == Case.objects.count()
    assert not Referral.objects.filter(submitted_at__gt=now).exists()
    assert not Referral.objects.filter(decided_at__gt=now).exists()
    assert not Referral.objects.filter(created_at__gt=F("submitted_at")).exists()
    # The referral pages: the panel's triage, and each lead's own referrals (generated for them).
    assert {"referral list", "decided referrals", "referral triage page"} <= set(plan["co-chair"])
    for lead in ("small", "large"):
        assert {"my referrals", "referral page"} <= set(plan[lead]), lead
        assert "referral list" not in plan[lead]

    def fetch(person: str, path: str) -> tuple[int, float, int]:
        client.cookies["sessionid"] = cookies[person]
        response = client.get(path)
        return response.status_code, float(response["X-Response-Time"]), int(response["X-Query-Count"])

    middleware = ["cmarac.web.bench.middleware.bench_timing", *settings.MIDDLEWARE]
    with override_settings(BENCH=True, MIDDLEWARE=middleware):
        reference = time_pages(fetch, {"co-chair": {"reference": "/bench/reference/"}}, repeat=2, warm=0)
        timings = time_pages(fetch, plan, repeat=2, warm=0)
    assert all(timing.statuses == {200} for timing in [*timings.values(), *reference.values()]), timings
    assert all(timing.queries > 0 for timing in timings.values())
    table = render_table(page_rows("tiny", timings, reference[("co-chair", "reference")]))
    assert "tiny case search, agency in 45% of cases" in table
    assert re.search(r"\d+ MET, \d+ NOT MET", table)


def test_the_reference_page_is_only_served_in_bench_mode(co_chair, as_user) -> None:
    assert as_user(co_chair).get("/bench/reference/").status_code == 404
    with override_settings(BENCH=True):
        assert as_user(co_chair).get("/bench/reference/").status_code == 200


def test_percentiles() -> None:
    timing = Timing(server_ms=[float(n) for n in range(1, 101)])
    assert (timing.p50, round(timing.p95, 2)) == (50.5, 95.05)


def test_the_benchmark_measures_postgresql_as_the_compose_stack_runs_it() -> None:
    """The scratch databases get the random_page_cost production is advised to use, the one the
    compose stack's PostgreSQL runs with (docs/performance.md)."""
    from pathlib import Path

    from cmarac.web.bench.run import RANDOM_PAGE_COST

    compose = (Path(__file__).resolve().parent.parent / "docker-compose.yml").read_text()
    assert f'"-c", "random_page_cost={RANDOM_PAGE_COST}"' in compose


def test_the_reminders_step_at_a_tiny_size() -> None:
    """The reminders job runs over the generated history and reports its time, memory and the
    machine's yardstick timed before it."""
    from cmarac.web.management.commands.bench import Command

    data.generate(50)
    result = Command().step_reminders({})
    assert result["closed_actions"] == Action.objects.exclude(status__in=Action.OPEN_STATUSES).count() > 0
    assert result["seconds"] >= 0
    assert result["peak_mb"] >= 0
    assert result["machine_s"] > 0


def test_the_retention_step_at_a_tiny_size() -> None:
    """The nightly run finds nothing due (the services close cases today, and declined referrals
    are of the last year); on the day every closed case falls due, the dry run finds them all and
    changes none; the sample is anonymised."""
    from cmarac.web.management.commands.bench import RETENTION_SAMPLE, Command

    data.generate(50)
    closed = Case.objects.filter(status=Case.Status.CLOSED).count()
    assert closed > 0
    result = Command().step_retention({})
    assert result["nightly"]["changed"] == 0
    # ...with the declined referrals and unsent drafts, deleted by then.
    removed = Referral.objects.filter(status__in=[Referral.Status.DECLINED, Referral.Status.DRAFT]).count()
    assert removed > 0
    assert result["found"]["due"] == closed + removed
    assert result["anonymised"]["cases"] == min(closed, RETENTION_SAMPLE)
    assert Case.objects.filter(anonymised_at__isnull=False).count() == min(closed, RETENTION_SAMPLE)
    parts = [result[name] for name in ("nightly", "found", "anonymised")]
    assert all(part["seconds"] >= 0 and part["peak_mb"] >= 0 for part in parts)
    assert result["machine_s"] > 0


def test_the_retention_rows_and_their_growth() -> None:
    from cmarac.web.bench.pages import retention_growth_rows, retention_rows

    def result(nightly: float, per_case: float, machine_s: float = 0.02) -> dict[str, Any]:
        return {
            "nightly": {"seconds": nightly, "peak_mb": 1.0, "changed": 0},
            "found": {"seconds": 1.5, "peak_mb": 5.6, "due": 80001},
            "anonymised": {"seconds": per_case * 200, "peak_mb": 0.4, "cases": 200},
            "machine_s": machine_s,
        }

    rows = retention_rows("100k", result(0.04, 0.063))
    assert [row.met for row in rows] == [None, None, None]
    assert "80,001 due found" in rows[1].measured
    assert rows[2].measured.startswith("63 ms a case (200 cases)")
    flat = retention_growth_rows(result(0.04, 0.06), result(0.05, 0.07), ("10k", "100k"))
    assert [row.met for row in flat] == [True, True]
    grown = retention_growth_rows(result(0.04, 0.06), result(0.5, 0.2), ("10k", "100k"))
    assert [row.met for row in grown] == [False, False]
    # A machine that ran half as fast at the larger size (its yardstick took twice as long) took
    # twice as long for the same work: flat. Grown beyond that drift: not.
    drifted = retention_growth_rows(result(0.04, 0.06), result(0.16, 0.23, machine_s=0.04), ("10k", "100k"))
    assert [row.met for row in drifted] == [True, True]
    assert "the machine x2.0" in drifted[1].measured
    grown = retention_growth_rows(result(0.04, 0.06), result(0.5, 0.5, machine_s=0.04), ("10k", "100k"))
    assert [row.met for row in grown] == [False, False]


def test_growth_is_read_beyond_the_machines_drift() -> None:
    """The pages' growth from one size to the other is read against the reference page's own (the
    same page at both sizes), and the reminders' against the machine's yardstick timed just before."""
    from cmarac.web.bench.pages import Timing, growth_rows, machine_seconds, reminders_growth_row

    def timing(ms: float) -> Timing:
        return Timing(server_ms=[ms] * 10)

    small = {("small", "case list"): timing(20.0), ("large", "home"): timing(25.0)}
    large = {("small", "case list"): timing(45.0), ("large", "home"): timing(110.0)}
    rows = growth_rows(small, large, ("10k", "100k"), (timing(5.0), timing(7.5)))
    assert [row.met for row in rows] == [True, False]  # x2.25 is x1.5 beyond the reference; x4.4 is x2.9
    assert rows[0].measured == "p50 x2.2, the reference x1.5: x1.5 beyond it"
    steady = growth_rows(small, large, ("10k", "100k"), (timing(5.0), timing(5.0)))
    assert [row.met for row in steady] == [False, False]

    def reminders(seconds: float, machine_s: float) -> dict[str, Any]:
        return {"seconds": seconds, "machine_s": machine_s}

    assert reminders_growth_row(reminders(0.8, 0.02), reminders(1.8, 0.03), ("10k", "100k")).met is True
    assert reminders_growth_row(reminders(0.8, 0.02), reminders(1.8, 0.02), ("10k", "100k")).met is False
    assert machine_seconds(rounds=1) > 0


def test_a_session_copy_holds_the_same_as_written_for_every_version(housing_lead) -> None:
    """`make bench-against` gives each server its own copy of each session, written with the
    backend path every version of the code reads."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY

    from cmarac.accounts.models import UserSession
    from cmarac.web.bench.pages import EVERY_VERSIONS_BACKEND, session_copy

    cookie, token = signed_in_session(housing_lead)
    copy = session_copy(cookie)
    assert copy != cookie
    original, copied = (UserSession.objects.get(pk=key).get_decoded() for key in (cookie, copy))
    assert copied == original
    assert copied[BACKEND_SESSION_KEY] == EVERY_VERSIONS_BACKEND
    assert list(copied["case_searches"]) == [token]
    assert import_module(settings.SESSION_ENGINE).SessionStore(session_key=copy).load()["_auth_user_id"] == str(
        housing_lead.pk
    )


def test_invented_postcodes_are_well_formed_and_rarely_shared() -> None:
    """A case's people get postcodes of their own (a real postcode unit covers about fifteen
    addresses), in the invented area DB, as the forms would store them."""
    from cmarac.cases.forms import normalise_postcode

    codes = [data.postcode(2 * n + s) for n in range(20_000) for s in range(2)]
    assert len(set(codes)) == len(codes)
    assert all(re.fullmatch(r"DB\d{1,2} \d[ABD-HJLNP-UW-Z]{2}", code) for code in codes)
    assert all(normalise_postcode(code) == code for code in codes[:500])
    assert data.postcode(data.POSTCODES) == data.postcode(0)


def test_the_load_is_measured_in_turns_and_combined(monkeypatch, tmp_path) -> None:
    """The reference, the pages twice, the reference again, so that a machine whose speed drifts
    slows both alike; each kind's windows are combined as requests over the time they took."""
    from cmarac.web.bench import run

    asked = []
    figures = {
        0: {"requests": 1000, "rps": 100.0, "p95": 20.0, "failures": 0},  # reference, a fast moment
        1: {"requests": 200, "rps": 20.0, "p95": 900.0, "failures": 1},
        2: {"requests": 100, "rps": 10.0, "p95": 1500.0, "failures": 0},  # pages, a slow moment
        3: {"requests": 500, "rps": 50.0, "p95": 40.0, "failures": 0},  # reference, a slow moment
    }

    def fake_run_load(server, plan_file, users, seconds, *, reference, folder, window):  # type: ignore[no-untyped-def]
        asked.append((reference, seconds, users))
        return figures[window]

    monkeypatch.setattr(run, "run_load", fake_run_load)
    mixed, reference = run.measure_load(None, tmp_path / "plan.json", 50, 20, folder=tmp_path)  # type: ignore[arg-type]
    assert asked == [(True, 10, 50), (False, 10, 50), (False, 10, 50), (True, 10, 50)]
    # 300 requests in 10 s + 10 s; 1,500 in 10 s + 10 s.
    assert mixed == {"requests": 300, "rps": 15.0, "p95": 1500.0, "failures": 1}
    assert reference == {"requests": 1500, "rps": 75.0, "p95": 40.0, "failures": 0}
    assert run.combine_windows([{"requests": 0, "rps": 0.0, "p95": 0.0, "failures": 3}])["rps"] == 0.0
