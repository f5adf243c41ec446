"""What keeps the lists fast at scale (ADR 0026): grants matched without joins, search restricted to
visible cases and run once, counts bounded, choices and selects that do not grow with history, and
(on PostgreSQL) the indexes the queries need."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from actions.models import Action
from actions.reminders import send_agency_digests
from cmarac.cases.models import Case, CaseSubject
from cmarac.cases.selectors import CaseListRow, cases_by_ids
from cmarac.core import pagination
from meetings import services as meeting_services
from tests.factories.accounts import AgencyStaffFactory
from tests.factories.actions import ActionFactory, CompletedActionFactory
from tests.factories.cases import CaseFactory, PersonFactory
from tests.factories.meetings import MeetingFactory
from tests.factories.referrals import SubmittedReferralFactory

pytestmark = pytest.mark.django_db
CASES = reverse("cases:list")
ACTIONS = reverse("actions:list")
postgres_only = pytest.mark.postgresql  # left out of a run on SQLite (tests/conftest.py), never skipped


def _sql(queries: CaptureQueriesContext) -> str:
    return "\n".join(query["sql"] for query in queries.captured_queries)


# --- Access without joins ----------------------------------------------------------------


def test_the_case_list_for_an_agency_matches_grants_by_permission_id(housing_case, housing_lead, as_user) -> None:
    client = as_user(housing_lead)
    client.get(CASES)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(CASES).status_code == 200
    listing = [q["sql"] for q in queries.captured_queries if '"cases_casegroupobjectpermission"' in q["sql"]]
    assert listing  # the list did read the grants...
    for sql in listing:  # ...by the permission's id, not through its name and content type
        assert "auth_permission" not in sql
        assert "django_content_type" not in sql


def test_actions_of_someone_who_sees_every_case_do_not_read_the_case_table(co_chair, housing_lead) -> None:
    assert '"cases_case"' not in str(Action.objects.visible_to(co_chair).query)
    assert '"cases_case"' not in str(CaseSubject.objects.visible_to(co_chair).query)
    mine = str(Action.objects.visible_to(housing_lead).query)
    assert "cases_casegroupobjectpermission" in mine
    assert '"cases_case"' not in mine  # the grant gives the case id: no join to the case table


def test_what_each_person_sees_is_unchanged(housing_case, fire_case, co_chair, housing_lead, police_referrer) -> None:
    theirs = ActionFactory(case=fire_case, owner=fire_case.involvements.first().agency)
    ours = ActionFactory(case=housing_case, owner=housing_case.lead_agency)
    assert set(Action.objects.visible_to(co_chair)) == {theirs, ours}
    assert set(Action.objects.visible_to(housing_lead)) == {ours}
    assert not Action.objects.visible_to(police_referrer).exists()
    assert set(CaseSubject.objects.visible_to(housing_lead).values_list("case", flat=True)) == {housing_case.pk}


# --- Bounded counts ----------------------------------------------------------------------


def test_a_bounded_count_stops_at_its_bound_and_still_leads_on(housing, monkeypatch) -> None:
    for _ in range(15):
        CaseFactory(involve=[housing])
    monkeypatch.setattr(pagination, "PAGES_AHEAD", 2)
    cases = Case.objects.order_by("pk")
    first = pagination.BoundedPaginator(cases, 2, number=1, cap=5)
    assert (first.count, first.capped, first.num_pages) == (6, True, 4)  # 6 counted, so a 4th page exists
    assert first.get_page(4).has_next() is False  # the bound of page 1's count...
    fourth = pagination.BoundedPaginator(cases, 2, number=4, cap=5)
    assert fourth.get_page(4).has_next()  # ...moves on with the page asked for
    last = pagination.BoundedPaginator(cases, 2, number=8, cap=5)
    assert (last.count, last.capped, last.get_page(8).has_next()) == (15, False, False)
    assert [case.pk for case in last.get_page(8)] == [cases.last().pk]


def test_a_page_read_by_id_keeps_the_lists_order_and_reads_only_its_own_rows(housing) -> None:
    cases = [CaseFactory(involve=[housing]) for _ in range(7)]
    ordered = Case.objects.order_by("-pk")
    asked: list[list[int]] = []

    def read(ids: list[int]) -> list[CaseListRow]:
        asked.append(ids)
        return cases_by_ids(ids)

    page = pagination.BoundedPaginator(ordered, 3, number=2, read=read).get_page(2)
    expected = [case.pk for case in sorted(cases, key=lambda case: -case.pk)][3:6]
    assert asked == [expected]  # the ids of page 2 alone, in the list's order...
    assert [case.pk for case in page.object_list] == expected  # ...and the rows in that order
    assert all(isinstance(case, CaseListRow) for case in page)


def test_within_the_cap_a_list_read_by_id_counts_and_pages_from_one_read(housing, monkeypatch) -> None:
    """Within the cap, the ids up to the bound are read once, in the list's order: the count is how
    many came and the page is a slice of them. Past it, the count and the page are read apart. Both
    give the same pages."""
    for _ in range(7):
        CaseFactory(involve=[housing])
    monkeypatch.setattr(pagination, "PAGES_AHEAD", 0)
    ordered = Case.objects.order_by("-pk")
    expected = list(ordered.values_list("pk", flat=True))

    def pages(cap: int, number: int) -> tuple[list[int], int, bool, bool, int]:
        paginator = pagination.BoundedPaginator(ordered, 3, number=number, cap=cap, read=lambda ids: ids)
        with CaptureQueriesContext(connection) as queries:
            page = paginator.get_page(number)
        return list(page.object_list), paginator.count, paginator.capped, page.has_next(), len(queries)

    # Page 1 with a cap of 5: one read of 6 ids says "more than 5", and page 2 exists.
    assert pages(5, 1) == (expected[0:3], 5, True, True, 1)
    # Page 3 is past the cap (its bound is 9): a count, then the page's ids.
    assert pages(5, 3) == (expected[6:7], 7, False, False, 2)
    # With a cap above the total, one read; the same rows as the count and page read apart.
    assert pages(100, 2) == (expected[3:6], 7, False, True, 1)
    monkeypatch.setattr(pagination.BoundedPaginator, "_ids", property(lambda self: None))
    assert pages(100, 2) == (expected[3:6], 7, False, True, 2)


def test_an_agencys_own_actions_read_row_by_row_are_the_same_actions(
    housing_case, fire_case, housing, fire, co_chair, housing_lead, fire_lead
) -> None:
    """`row_by_row` changes how the grants are looked up, never which actions are kept."""
    from cmarac.cases.models import CaseGroupObjectPermission

    revoked = CaseFactory(involve=[fire])
    ActionFactory(case=housing_case, owner=housing)
    ActionFactory(case=fire_case, owner=housing)  # which involves housing in the fire case
    ActionFactory(case=fire_case, owner=fire)
    ActionFactory(case=revoked, owner=housing)
    # The agency's own action on a case it may no longer see.
    CaseGroupObjectPermission.objects.filter(content_object=revoked, group=housing.group).delete()
    for person in (housing_lead, fire_lead, co_chair):
        joined = set(Action.objects.visible_to(person).values_list("pk", flat=True))
        probed = set(Action.objects.visible_to(person, row_by_row=True).values_list("pk", flat=True))
        assert probed == joined
    own = Action.objects.visible_to(housing_lead, row_by_row=True).filter(owner=housing)
    assert set(own.values_list("case", flat=True)) == {housing_case.pk, fire_case.pk}


@postgres_only
def test_an_agencys_own_actions_probe_its_grants_row_by_row(housing_case, housing, housing_lead) -> None:
    """On PostgreSQL the grant is looked up per action (a SubPlan on the grants' unique index), not
    merged with all of the agency's grants (45,000 for the agency in 45% of cases at 100k)."""
    ActionFactory(case=housing_case, owner=housing)
    own = Action.objects.visible_to(housing_lead, row_by_row=True).open().filter(owner=housing)
    sql, params = own.query.sql_with_params()
    assert "OFFSET 0" in sql
    with transaction.atomic(), connection.cursor() as cursor:
        for setting in ("enable_seqscan", "enable_bitmapscan"):
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "SubPlan" in plan, plan
    assert "Join" not in plan, plan
    assert list(own) == list(Action.objects.filter(owner=housing, case=housing_case))


def test_the_page_of_a_list_is_found_without_its_joins(housing_case, housing_lead, as_user) -> None:
    """The case and action lists find a page's ids with no join (ADR 0026): the joins the rows
    need are made only for the 25 rows read by id."""
    ActionFactory(case=housing_case, owner=housing_case.lead_agency)
    client = as_user(housing_lead)
    for address in (CASES, ACTIONS):
        client.get(address)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(address).status_code == 200
        ordered = [q["sql"] for q in queries.captured_queries if "ORDER BY" in q["sql"] and "LIMIT" in q["sql"]]
        ids_only = ('SELECT "cases_case"."id" AS', 'SELECT "actions_action"."id" AS')
        page_ids = [sql for sql in ordered if sql.startswith(ids_only)]
        assert len(page_ids) == 1, ordered
        assert " JOIN " not in page_ids[0]


def test_a_long_list_says_more_than_and_pages_on(housing_case, housing, co_chair, as_user, monkeypatch) -> None:
    monkeypatch.setattr(pagination, "COUNT_CAP", 1)
    monkeypatch.setattr(pagination, "PAGES_AHEAD", 0)
    for _ in range(26):
        ActionFactory(case=housing_case, owner=housing)
    page = as_user(co_chair).get(ACTIONS).content.decode()
    assert "More than 25 actions" in page
    assert "page=2" in page
    page = as_user(co_chair).get(ACTIONS, {"page": 2}).content.decode()
    assert "26 actions" in page
    assert "More than" not in page


# --- Search --------------------------------------------------------------------------------


def _named_cases(count: int, housing, family_name: str = "Pennywhistle") -> list[Case]:
    return [
        CaseFactory(involve=[housing], subjects=[(PersonFactory(family_name=family_name), CaseSubject.Role.VICTIM)])
        for _ in range(count)
    ]


def _search(client, text: str, **filters: str):
    return client.post(CASES, {"q": text, **filters}, follow=True)


def test_search_runs_its_matching_once_per_page(housing, housing_lead, as_user) -> None:
    _named_cases(30, housing)
    client = as_user(housing_lead)
    address = client.post(CASES, {"q": "penny"})["Location"]
    for number in ("1", "2"):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(address, {"page": number})
        assert response.status_code == 200
        searching = [q["sql"] for q in queries.captured_queries if re.search(r"\sLIKE\s", q["sql"], re.IGNORECASE)]
        assert len(searching) == 1, searching  # not once for the count and again for the page
    assert len(_search(client, "penny").context["cases"]) == 25
    assert response.context["page"].paginator.count == 30
    assert len(response.context["cases"]) == 5


def test_search_finds_only_visible_cases_in_the_lists_order(housing, fire, housing_lead, co_chair, as_user) -> None:
    ours = _named_cases(3, housing)
    theirs = _named_cases(2, fire)
    found = [case.reference for case in _search(as_user(housing_lead), "Pennywhistle").context["cases"]]
    assert found == [case.reference for case in sorted(ours, key=lambda c: (c.opened_on, c.pk), reverse=True)]
    everyone = {case.reference for case in _search(as_user(co_chair), "whistle").context["cases"]}
    assert everyone == {case.reference for case in ours + theirs}


def test_an_agencys_search_by_reference_and_by_name_finds_its_own_cases_only(
    housing, fire, housing_lead, co_chair, as_user
) -> None:
    """An agency's search matches its own cases only, by reference and by subject, as a co-chair's
    matches every case."""
    ours, theirs = _named_cases(2, housing), _named_cases(1, fire)
    named_otherwise = CaseFactory(involve=[housing])
    housing_client = as_user(housing_lead)

    def found(client, text: str) -> set[str]:
        return {case.reference for case in _search(client, text).context["cases"]}

    assert found(housing_client, ours[0].reference) == {ours[0].reference}
    assert found(housing_client, named_otherwise.reference.lower()) == {named_otherwise.reference}
    assert found(housing_client, theirs[0].reference) == set()
    assert found(housing_client, "pennyWHISTLE") == {case.reference for case in ours}
    # Several words: every word must match, by reference or by a subject.
    assert found(housing_client, f"whistle {ours[1].reference}") == {ours[1].reference}
    assert found(housing_client, f"whistle {named_otherwise.reference}") == set()
    chair_client = as_user(co_chair)  # the same test client, signed in as the co-chair now
    assert found(chair_client, f"whistle {theirs[0].reference}") == {theirs[0].reference}
    assert found(chair_client, "Pennywhistle") == {case.reference for case in ours + theirs}


def test_too_many_matches_ask_for_a_narrower_search(housing, housing_lead, as_user, monkeypatch) -> None:
    from cmarac.cases import selectors, views

    monkeypatch.setattr(selectors, "SEARCH_LIMIT", 3)
    monkeypatch.setattr(views, "SEARCH_LIMIT", 3)
    _named_cases(4, housing)
    response = _search(as_user(housing_lead), "Pennywhistle")
    assert len(response.context["cases"]) == 3
    assert "More than 3 cases match your search" in response.content.decode()


@postgres_only
@pytest.mark.parametrize("person", ["co_chair", "housing_lead"])
def test_search_uses_the_trigram_index(person, housing, request) -> None:
    from cmarac.cases.selectors import cases_for_list

    _named_cases(2, housing)
    user = request.getfixturevalue(person)
    # The comparison must be one PostgreSQL can answer from the trigram index on the case's search
    # text; whether it does depends on the sizes, so force its hand.
    ids = cases_for_list(user=user, filters={"q": "whistle", "status": "all"}).values("pk")
    sql, params = ids.query.sql_with_params()
    with connection.cursor() as cursor:
        for setting in ("enable_seqscan", "enable_indexscan", "enable_nestloop"):
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "case_search_text_trgm" in plan, plan
    assert "cases_person" not in plan  # no person is read to find the cases


@postgres_only
def test_the_default_case_and_action_orders_have_indexes(co_chair) -> None:
    from cmarac.cases.selectors import cases_for_list

    queries = {
        "case_list_by_status": cases_for_list(user=co_chair, filters={}).values("pk")[:25],
        "action_open_by_due": Action.objects.visible_to(co_chair).open().order_by("due_on", "pk").values("pk")[:25],
    }
    for index, queryset in queries.items():
        sql, params = queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
                cursor.execute(f"SET LOCAL {setting} = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert index in plan, plan
        assert "Sort" not in plan, plan


@postgres_only
@pytest.mark.parametrize("status", ["open", "closed"])
def test_an_agencys_bounded_count_merges_its_grants_with_one_status_in_id_order(
    status, housing_case, housing_lead
) -> None:
    """Counting an agency's open cases, PostgreSQL merges its grants (in case id order) with the
    cases of that status in id order, from the case_status_id index: without it, it walked the
    primary key through every closed case to reach the open ones (16 ms against 2 ms at 100k for
    the agency in 45% of cases, docs/performance.md)."""
    from cmarac.cases.selectors import cases_for_list

    paginator = pagination.BoundedPaginator(cases_for_list(user=housing_lead, filters={"status": status}), 25)
    with CaptureQueriesContext(connection) as queries:
        assert paginator.count == (1 if status == "open" else 0)
    (sql,) = [q["sql"] for q in queries.captured_queries]
    with connection.cursor() as cursor:
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_hashjoin", "enable_nestloop"):
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute(f"EXPLAIN {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Merge Join" in plan, plan
    assert "case_status_id" in plan, plan


@postgres_only
@pytest.mark.django_db(transaction=True)  # VACUUM, which no transaction may hold, sets the visibility map
def test_an_agencys_own_open_actions_are_counted_from_an_index(housing_case, housing, police, housing_lead) -> None:
    """The home page's overdue and due-soon counts of an agency's own open actions read them from
    action_open_by_owner_case alone, not the case's other actions, and look up each one's grant
    (at 100k, 8 ms to 4 ms for the agency in 45% of cases from the index, then to 1.5 ms by not
    merging its 45,000 grants)."""
    from actions.work import agency_action_lines

    ActionFactory(case=housing_case, owner=housing)
    # What the count must not read: the case's other actions, another agency's, open and closed.
    ActionFactory.create_batch(60, case=housing_case, owner=police)
    closed = list(Action.objects.filter(owner=police).values_list("pk", flat=True)[:30])
    Action.objects.filter(pk__in=closed).update(status=Action.Status.COMPLETED, closed_at=timezone.now())
    with CaptureQueriesContext(connection) as queries:
        agency_action_lines(housing_lead, today=timezone.localdate())
    (sql,) = [q["sql"] for q in queries.captured_queries if '"actions_action"' in q["sql"] and "FILTER" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE actions_action")  # as autovacuum leaves a live table
    with transaction.atomic(), connection.cursor() as cursor:
        for setting in ("enable_seqscan", "enable_bitmapscan"):
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute(f"EXPLAIN {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Only Scan using action_open_by_owner_case" in plan, plan
    assert "SubPlan" in plan, plan


# --- The referral triage list and the home page's triage lines -------------------------------

REFERRALS = reverse("referrals:list")


def _after_from(sql: str) -> str:
    """What a query on referrals keeps: its WHERE, not its FILTER clauses."""
    return sql.split('FROM "referrals_referral"', 1)[1]


def test_the_triage_tabs_count_the_waiting_referrals_and_bound_the_decided(
    police_referrer, coordinator, as_user
) -> None:
    """Waiting and more information are counted from those statuses alone (the status index), and
    exactly; decided is counted up to the cap, as the other lists; a page's ids are found without
    joins, in the tab's order."""
    from referrals.services import referral_decline

    referral_decline(referral=SubmittedReferralFactory(referrer=police_referrer), by=coordinator, reason="No.")
    SubmittedReferralFactory(referrer=police_referrer)
    client = as_user(coordinator)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(REFERRALS).status_code == 200
    counts = [
        q["sql"] for q in queries.captured_queries if 'FROM "referrals_referral"' in q["sql"] and "COUNT(" in q["sql"]
    ]
    assert len(counts) == 2, counts
    exact, bounded = sorted(counts, key=lambda sql: "LIMIT" in sql)
    assert "\"status\" IN ('submitted', 'more-information')" in _after_from(exact)
    assert "LIMIT" not in exact
    assert "\"status\" IN ('accepted', 'declined')" in bounded
    assert f"LIMIT {pagination.COUNT_CAP + 1}" in bounded
    with CaptureQueriesContext(connection) as queries:
        assert client.get(REFERRALS, {"tab": "decided"}).status_code == 200
    page_ids = [  # not the page's rows, read by their ids
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith('SELECT "referrals_referral"."id" AS')
        and '"referrals_referral"."id" IN (' not in q["sql"]
    ]
    assert len(page_ids) == 1, page_ids  # the page's ids give the count too: no COUNT of the decided
    assert " JOIN " not in page_ids[0]
    assert re.search(r'ORDER BY "referrals_referral"."decided_at" DESC, \S+ DESC', page_ids[0]), page_ids[0]
    assert not [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"] and "accepted" in q["sql"]]


def test_the_home_pages_triage_lines_start_from_the_submitted_referrals(police_referrer, coordinator) -> None:
    from referrals.services import referral_decline
    from referrals.work import triage_lines

    referral_decline(referral=SubmittedReferralFactory(referrer=police_referrer), by=coordinator, reason="No.")
    waiting = SubmittedReferralFactory(referrer=police_referrer)
    with CaptureQueriesContext(connection) as queries:
        line, _ = triage_lines(coordinator, today=timezone.localdate())
    assert (line.count, [item.label for item in line.items]) == (1, [waiting.reference])
    read = [q["sql"] for q in queries.captured_queries if 'FROM "referrals_referral"' in q["sql"]]
    assert len(read) == 2, read
    for sql in read:  # not every referral ever decided, filtered in the count
        assert '"referrals_referral"."status" = \'submitted\'' in _after_from(sql), sql


def test_the_decided_index_matches_the_decided_tab() -> None:
    from referrals.lists import ORDERS, TABS
    from referrals.models import Referral

    (index,) = [index for index in Referral._meta.indexes if index.name == "referral_decided_newest"]
    assert index.condition == Q(status__in=TABS["decided"][1])
    assert [{"-id": "-pk"}.get(field, field) for field in index.fields] == list(ORDERS["decided"])


@postgres_only
def test_the_decided_tabs_order_has_an_index(co_chair) -> None:
    from referrals.lists import triage_referrals

    ids = triage_referrals(co_chair, {"tab": "decided", "late": False}).values("pk")[:25]
    sql, params = ids.query.sql_with_params()
    with connection.cursor() as cursor:
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "referral_decided_newest" in plan, plan
    assert "Sort" not in plan, plan


# --- Choices that do not grow with history -------------------------------------------------


def test_the_meeting_filter_offers_recent_meetings_with_actions_and_the_chosen_one(
    housing_case, housing, co_chair, as_user, monkeypatch
) -> None:
    from actions import forms

    monkeypatch.setattr(forms, "MEETINGS_OFFERED", 2)
    meetings = []
    for days_ago in (90, 60, 30):
        meeting = MeetingFactory(starts_at=timezone.now() - timedelta(days=days_ago))
        item = meeting_services.agenda_add_item(meeting=meeting, case=housing_case, item_type="review", by=co_chair)
        ActionFactory(case=housing_case, owner=housing, by=co_chair, agenda_item=item)
        meetings.append(meeting)
    MeetingFactory(starts_at=timezone.now() - timedelta(days=10))  # no actions: not offered
    client = as_user(co_chair)

    def offered(**params):
        choices = client.get(ACTIONS, params).context["form"].fields["meeting"].choices
        return [str(label) for value, label in choices if value]

    assert offered() == [str(meetings[2]), str(meetings[1])]
    assert offered(meeting=meetings[0].pk) == [str(meetings[2]), str(meetings[1]), str(meetings[0])]


def test_the_officer_select_offers_only_the_owning_agencys_staff(
    housing_case, housing, fire, co_chair, housing_lead, fire_lead, as_user
) -> None:
    url = reverse("actions:new", args=[housing_case.reference])
    client = as_user(co_chair)

    def officers(response) -> set[int]:
        return {int(str(value)) for value, _ in response.context["form"].fields["officer"].choices if value}

    assert officers(client.get(url)) == set()
    colleague = AgencyStaffFactory(agency=housing)
    shown = client.post(url, {"description": "Visit", "owner": housing.pk, "show_officers": "1"})
    assert shown.status_code == 200
    assert officers(shown) == {housing_lead.pk, colleague.pk}
    assert fire_lead.full_name not in shown.content.decode()
    assert not Action.objects.exists()  # showing the officers saves nothing, and checks nothing
    assert "govuk-error-summary" not in shown.content.decode()
    due = (timezone.localdate() + timedelta(days=7)).isoformat()
    client.post(url, {"description": "Visit", "owner": housing.pk, "officer": colleague.pk, "priority": "normal",
                      "due_on": due})  # fmt: skip
    assert Action.objects.get().officer == colleague


def test_reassigning_offers_the_chosen_agencys_staff(housing_case, housing, fire, co_chair, fire_lead, as_user):
    action = ActionFactory(case=housing_case, owner=housing, by=co_chair)
    url = reverse("actions:review", args=[action.pk])
    client = as_user(co_chair)
    response = client.post(url, {"decision": "reassign", "owner": fire.pk, "show_officers": "1", "shown": "reassign",
                                 "revision": action.revision, "reason": "Fire leads now"})  # fmt: skip
    choices = {int(str(value)) for value, _ in response.context["form"].fields["officer"].choices if value}
    assert choices == {fire_lead.pk}
    assert "Fire leads now" in response.content.decode()  # what was typed is kept
    action.refresh_from_db()
    assert action.owner == housing


# --- Reminders -----------------------------------------------------------------------------


def test_the_reminders_count_open_actions_only(housing_case, housing, housing_lead, co_chair) -> None:
    overdue = ActionFactory(case=housing_case, owner=housing, by=co_chair)
    Action.objects.filter(pk=overdue.pk).update(due_on=timezone.localdate() - timedelta(days=2))
    CompletedActionFactory(case=housing_case, owner=housing, by=co_chair)
    with CaptureQueriesContext(connection) as queries:
        sent, nobody = send_agency_digests(today=timezone.localdate())
    assert (sent, nobody) == (1, [])
    aggregate = next(q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper())
    assert "not-started" in aggregate  # the aggregate reads open actions only
    assert "accounts_agency" not in aggregate.split("GROUP BY")[0].split("FROM")[0]


@pytest.mark.parametrize("raw", ["9223372036854775807", "99999999999999999999999", "-3", "²", " 4 ", None, "abc"])
def test_a_page_number_of_any_size_gives_a_count_bound_every_database_takes(raw) -> None:
    from cmarac.core.pagination import MAX_PAGE, page_number

    number = page_number(raw)
    assert 1 <= number <= MAX_PAGE


@pytest.mark.parametrize("path", ["/cases/", "/actions/", "/audit/", "/referrals/?tab=decided"])
def test_a_huge_page_number_answers_a_page_not_an_error(path, as_user, coordinator, housing_case) -> None:
    response = as_user(coordinator).get(path, {"page": "9223372036854775826"})
    assert response.status_code == 200
