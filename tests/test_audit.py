"""The audit trail: every change and every view of case data, attributable, and never editable."""

from __future__ import annotations

import csv
import io

import pytest
from auditlog.models import LogEntry
from django.db import DatabaseError, connection, transaction
from django.urls import NoReverseMatch, reverse

from cmarac.cases.models import Case

pytestmark = pytest.mark.django_db
TRAIL = reverse("audit:trail")


def test_viewing_a_case_page_is_logged_with_who_and_where(housing_case, housing_lead, as_user) -> None:
    as_user(housing_lead).get(housing_case.get_absolute_url(), REMOTE_ADDR="10.1.2.3")
    entry = LogEntry.objects.get_for_object(housing_case).get(action=LogEntry.Action.ACCESS)
    assert entry.actor == housing_lead
    assert entry.remote_addr == "10.1.2.3"
    assert entry.additional_data["case"] == housing_case.reference


def test_a_change_is_logged_naming_the_actor(housing_case, coordinator, as_user) -> None:
    response = as_user(coordinator).post(
        reverse("cases:close", args=[housing_case.reference]),
        {"reason": "Risk has reduced", "last_seen": housing_case.updated_at.isoformat()},
    )
    assert response.status_code == 302
    entry = LogEntry.objects.get_for_object(housing_case).filter(action=LogEntry.Action.UPDATE).latest("pk")
    assert entry.actor == coordinator
    assert entry.changes["status"] == ["open", "closed"]


def test_a_refused_case_url_is_logged_too(housing_case, fire_lead, as_user) -> None:
    assert as_user(fire_lead).get(housing_case.get_absolute_url()).status_code == 404
    entry = LogEntry.objects.filter(actor=fire_lead, additional_data__refused=True).get()
    assert entry.additional_data["case"] == housing_case.reference


@pytest.mark.parametrize(
    ("person", "status"),
    [
        ("coordinator", 200),
        ("auditor", 200),
        ("co_chair", 403),
        ("housing_lead", 403),
        ("fire_lead", 403),
        ("police_referrer", 403),
        ("administrator", 403),
        (None, 302),
    ],
)
@pytest.mark.parametrize("url", [TRAIL, reverse("audit:export")])
def test_only_coordinators_and_auditors_read_the_trail(person, status, url, request, as_user) -> None:
    client = as_user(request.getfixturevalue(person) if person else None)
    assert client.get(url).status_code == status


def test_the_trail_shows_both_visits_to_a_case(housing_case, co_chair, fire_lead, auditor, as_user) -> None:
    as_user(co_chair).get(housing_case.get_absolute_url())
    as_user(fire_lead).get(housing_case.get_absolute_url())
    response = as_user(auditor).get(TRAIL, {"case": housing_case.reference})
    actors = {entry.actor for entry in response.context["entries"]}
    assert {co_chair, fire_lead} <= actors
    page = response.content.decode()
    assert co_chair.full_name in page
    assert fire_lead.full_name in page


def test_filter_by_case_includes_lists_that_showed_it(housing_case, housing_lead, auditor, as_user) -> None:
    as_user(housing_lead).get(reverse("cases:list"))
    entries = as_user(auditor).get(TRAIL, {"case": housing_case.reference}).context["entries"]
    assert any(entry.object_repr == "Case list" and entry.actor == housing_lead for entry in entries)


def test_filter_by_person_agency_and_date(housing_case, housing_lead, co_chair, police, auditor, as_user) -> None:
    as_user(housing_lead).get(housing_case.get_absolute_url())
    as_user(co_chair).get(housing_case.get_absolute_url())
    client = as_user(auditor)
    assert {e.actor for e in client.get(TRAIL, {"person": housing_lead.pk}).context["entries"]} == {housing_lead}
    assert {e.actor for e in client.get(TRAIL, {"agency": police.pk}).context["entries"]} == {co_chair}
    assert len(client.get(TRAIL, {"date_from": "2000-01-01", "date_to": "2000-01-02"}).context["entries"]) == 0


def test_an_impossible_date_range_is_a_clear_error(auditor, as_user) -> None:
    response = as_user(auditor).get(TRAIL, {"date_from": "2026-05-02", "date_to": "2026-05-01"})
    assert "The end date must be the same as or after the start date" in response.content.decode()


def test_csv_export_holds_the_filtered_entries_and_is_itself_logged(housing_case, housing_lead, auditor, as_user):
    as_user(housing_lead).get(housing_case.get_absolute_url())
    response = as_user(auditor).get(reverse("audit:export"), {"case": housing_case.reference})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["time", "person", "email"]
    assert any(row[1] == housing_lead.full_name and row[7] == housing_case.reference for row in rows[1:])
    assert LogEntry.objects.filter(actor=auditor, object_repr="Audit trail CSV export").exists()


def test_csv_cells_cannot_become_spreadsheet_formulas(auditor, coordinator, as_user) -> None:
    from tests.factories.cases import CaseFactory

    case = CaseFactory(summary='=HYPERLINK("http://evil.example")')
    case.summary = "=1+1"
    case.save()
    response = as_user(auditor).get(reverse("audit:export"))
    body = b"".join(response.streaming_content).decode()
    assert ",=" not in body


def test_the_admin_offers_no_way_to_edit_the_trail(coordinator, as_user) -> None:
    with pytest.raises(NoReverseMatch):
        reverse("admin:auditlog_logentry_changelist")
    assert as_user(coordinator).get("/admin/auditlog/logentry/").status_code == 404


def test_postgresql_refuses_to_change_or_delete_an_audit_entry(housing_case) -> None:
    entry = LogEntry.objects.get_for_object(housing_case).first()
    if connection.vendor != "postgresql":
        # SQLite (development only) has no such trigger; the app and admin still offer no way to edit.
        assert entry is not None
        return
    with pytest.raises(DatabaseError, match="audit entries cannot be changed"), transaction.atomic():
        LogEntry.objects.filter(pk=entry.pk).update(object_repr="tampered")
    with pytest.raises(DatabaseError, match="audit entries cannot be changed"), transaction.atomic():
        LogEntry.objects.filter(pk=entry.pk).delete()
    assert Case.objects.filter(pk=housing_case.pk).exists()
