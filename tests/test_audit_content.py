"""The audit trail records who did what to which record and which fields, never the content.

For every model registered with auditlog, a change to each field that can hold personal or case
content leaves no value in the trail: not on the page, not in the CSV, not in the stored entries.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from auditlog.diff import model_instance_diff
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.db import connection, models
from django.urls import reverse

from cmarac.accounts.models import Agency, User
from cmarac.audit.presentation import changed_fields, describe_changes
from cmarac.cases.models import Case, CaseEvent, CaseSubject, Person
from cmarac.cases.services import case_close, case_event_record, case_set_risk_level
from cmarac.core.audit import NOT_RECORDED
from cmarac.governance.retention_models import RetentionHold
from meetings import services as meeting_services
from meetings.models import AgendaItem, Meeting
from referrals.models import ChecklistOption, ChecklistQuestion, ChecklistTemplate, Referral
from tests.factories.actions import ActionFactory
from tests.factories.meetings import PastMeetingFactory
from tests.factories.referrals import SubmittedReferralFactory

# The partnership's own records (staff accounts, agencies, checklist configuration) are not case
# data: their values are kept, secrets excepted.
PARTNERSHIP_RECORDS = {User, Agency, ChecklistTemplate, ChecklistQuestion, ChecklistOption}
# Text fields whose values are codes or references, not anything typed about someone.
CODE_TEXT_FIELDS = {
    (Case, "reference"),
    (Referral, "reference"),
    (Referral, "issue_types"),
    ("caseinvolvement", "source"),
    ("retentionhold", "reference"),  # a case or referral reference
    # A request's own reference (e.g. SAR-2026-014), ids, and generated file names.
    ("subjectaccessexport", "request_reference"),
    ("subjectaccessexport", "person_ids"),
    ("subjectaccessexport", "referral_subject_ids"),
    ("subjectaccessexport", "pdf_file_name"),
    ("subjectaccessexport", "data_file_name"),
}
NEVER_SHOWN = {"date_of_birth", "approximate_age"}


# Staff's second-factor devices: their secrets are left out of the trail entirely (see
# second_factor_models_register and tests/test_second_factor.py).
STAFF_SECURITY_APPS = {"otp_totp", "otp_static", "django_otp_webauthn"}


def _case_models() -> list[type[models.Model]]:
    return sorted(
        (
            model
            for model in auditlog.get_models()
            if model not in PARTNERSHIP_RECORDS and model._meta.app_label not in STAFF_SECURITY_APPS
        ),
        key=lambda model: model._meta.label,
    )


def _shown(model: type[models.Model]) -> list[models.Field]:
    masked = set(auditlog.get_model_fields(model)["mask_fields"])
    return [field for field in model._meta.concrete_fields if field.name not in masked]


def _is_code(model: type[models.Model], field: models.Field) -> bool:
    if field.name in NEVER_SHOWN:
        return False
    if field.primary_key or field.many_to_one or field.one_to_one or field.choices:
        return True
    if (model, field.name) in CODE_TEXT_FIELDS or (model._meta.model_name, field.name) in CODE_TEXT_FIELDS:
        return True
    return isinstance(field, models.BooleanField | models.DateField | models.IntegerField)


@pytest.mark.parametrize("model", _case_models(), ids=lambda model: model._meta.label)
def test_case_models_show_only_codes_ids_and_dates(model: type[models.Model]) -> None:
    """A registration may show a field's values only when they are codes, ids or dates: never text."""
    typed = [field.name for field in _shown(model) if not _is_code(model, field)]
    assert typed == [], f"{model._meta.label} keeps values of {typed} in the audit trail"


def _marker(field: models.Field, n: int) -> tuple[Any, str] | None:
    """A value for the field that can be recognised in the trail, and the text to look for."""
    if field.primary_key or field.many_to_one or field.one_to_one or field.choices:
        return None
    if isinstance(field, models.BooleanField):
        return None
    # Numbers and dates are looked for as whole words (see _found), so a random token cannot match.
    if isinstance(field, models.DateTimeField):
        return datetime(1931, 2, 3, 4, 5, tzinfo=UTC), "1931"
    if isinstance(field, models.DateField):
        return date(1931, 2, 3), "1931"
    if isinstance(field, models.IntegerField):
        return 31931, "31931"
    if isinstance(field, models.EmailField):
        return f"marker{n}@example.invalid", f"marker{n}@"
    if isinstance(field, models.JSONField):
        return [f"Marker{n}Zq"], f"Marker{n}Zq"
    if isinstance(field, models.CharField | models.TextField):
        return f"Marker{n}Zq", f"Marker{n}Zq"
    return None


@pytest.mark.parametrize("model", _case_models(), ids=lambda model: model._meta.label)
def test_every_content_field_change_is_stored_without_its_value(model: type[models.Model]) -> None:
    """The diff auditlog stores for a change of each masked field names the field and holds no value."""
    masked = set(auditlog.get_model_fields(model)["mask_fields"])
    for n, field in enumerate(model._meta.concrete_fields):
        if field.name not in masked:
            continue
        marker = _marker(field, n)
        if marker is None:
            continue
        value, needle = marker
        old, new = model(), model()
        setattr(new, field.attname, value)
        diff = model_instance_diff(old, new)
        assert field.name in diff, f"{model._meta.label}.{field.name} is not in the trail at all"
        assert needle not in json.dumps(diff, default=str), f"{model._meta.label}.{field.name} leaks its value"
        assert list(diff[field.name]) == [NOT_RECORDED, NOT_RECORDED]


# --- End to end: a realistic month, then every content field overwritten with a marker -----------

FIXTURE_TEXT = ["Verity", "Quillfeather", "Underhill", "ZX9 4QT", "intimidation", "front door damaged", "Guestworth"]


def _instances(housing_case: Case, co_chair: User, housing: Agency, housing_lead: User, coordinator: User) -> None:
    """At least one row of every registered case model, made through the services."""
    case_set_risk_level(case=housing_case, risk_level="high", by=co_chair, reason="Threats to kill reported")
    case_event_record(case=housing_case, kind=CaseEvent.Kind.DISCUSSED, by=co_chair, description="Talked of Verity")
    SubmittedReferralFactory()
    meeting: Meeting = PastMeetingFactory()
    item = meeting_services.agenda_add_item(meeting=meeting, case=housing_case, item_type="new", by=co_chair)
    meeting_services.invite_agency_to_item(item=item, agency=housing, by=co_chair)
    meeting_services.agency_information_save(
        item=item,
        agency=housing,
        by=housing_lead,
        fields={"research_summary": "Tenancy of Verity Quillfeather since 2019"},
        revision=None,
    )
    meeting_services.attendance_record(
        meeting=meeting, agency=housing, status="attended", attendee=housing_lead, attendee_name="", notes="Late"
    )
    meeting_services.guest_add(meeting=meeting, name="Gale Guestworth", organisation="Mediation charity")
    meeting_services.confidentiality_confirm(meeting=meeting, by=co_chair)
    meeting_services.acknowledgement_record(
        meeting=meeting, name="Gale Guestworth", agency_name="Mediation charity", by=coordinator
    )
    from meetings.packs import pack_request

    pack_request(meeting=meeting, kind="pack", recipient=co_chair)
    # A correction of approved minutes, at another meeting (an approved one is locked).
    approved: Meeting = PastMeetingFactory()
    heard = meeting_services.agenda_add_item(meeting=approved, case=housing_case, item_type="review", by=co_chair)
    meeting_services.confidentiality_confirm(meeting=approved, by=co_chair)
    meeting_services.minutes_circulate(meeting=approved, by=co_chair)
    meeting_services.minutes_approve(meeting=approved, by=co_chair)
    meeting_services.minutes_correct(
        meeting=approved, item=heard, by=co_chair, kind="discussion", text="Verity was visited",
        reason="Verity's visit was left out", revision=None,
    )  # fmt: skip
    action = ActionFactory(case=housing_case, owner=housing, by=co_chair, description="Visit Verity at home")
    from actions.services import action_update

    action_update(action=action, by=housing_lead, status="in-progress", text="Verity was out", revision=None)
    assert AgendaItem.objects.filter(pk=item.pk).exists()
    from cmarac.governance.retention_services import retention_hold_save
    from cmarac.governance.subject_access_models import SubjectAccessExport

    retention_hold_save(
        kind="case",
        reference=housing_case.reference,
        by=coordinator,
        grounds=RetentionHold.Grounds.values[0],
        reason="Verity's solicitor asked us to keep it",
        review_on=date(2031, 1, 1),
        revision=0,
    )
    SubjectAccessExport.objects.create(
        request_reference="SAR-2026-001", note="Identity of Verity checked", made_by=coordinator
    )
    from cmarac.accounts.services import person_update, role_grant_propose
    from tests.factories.accounts import UserFactory

    leaver = UserFactory(agency=housing)
    person_update(
        person=leaver, by=coordinator, revision=0, full_name="Lee Leaver", job_title="", phone="", agency=None
    )
    role_grant_propose(
        person=housing_lead, role="co-chair", by=coordinator, reason="Chairs when Verity's case is heard"
    )


def _overwrite_content(model: type[models.Model], counter: list[int]) -> list[str]:
    """Give every masked content field of one row of this model a marker value, saved as a change."""
    instance = model.objects.order_by("pk").first()
    assert instance is not None, f"no {model._meta.label} row: add one to _instances"
    masked = set(auditlog.get_model_fields(model)["mask_fields"])
    needles = []
    for field in model._meta.concrete_fields:
        if field.name not in masked or getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            continue
        counter[0] += 1
        marker = _marker(field, counter[0])
        if marker is None:
            continue
        value, needle = marker
        if isinstance(field, models.CharField) and field.max_length and len(str(value)) > field.max_length:
            continue
        setattr(instance, field.attname, value)
        needles.append(needle)
    instance.save()
    return needles


@pytest.fixture
def month_of_changes(housing_case, co_chair, housing, housing_lead, coordinator) -> list[str]:
    _instances(housing_case, co_chair, housing, housing_lead, coordinator)
    case_close(case=housing_case, by=co_chair, reason="Verity moved away")
    counter = [100]
    needles = list(FIXTURE_TEXT)
    for model in _case_models():
        needles += _overwrite_content(model, counter)
    return needles


def _found(needle: str, text: str) -> bool:
    """Whether the needle is in the text as a word of its own: a number is not found inside a longer
    number (a year in a timestamp's microseconds, say)."""
    end = r"(?![0-9])" if needle[-1].isdigit() else ""
    return re.search(rf"(?<![A-Za-z0-9_-]){re.escape(needle)}{end}", text) is not None


def _all_pages(client, url: str) -> str:
    pages = []
    response = client.get(url)
    assert response.status_code == 200
    pages.append(response.content.decode())
    count = response.context["page"].paginator.num_pages
    for number in range(2, count + 1):
        pages.append(client.get(url, {"page": number}).content.decode())
    return "\n".join(pages)


@pytest.mark.parametrize("reader", ["auditor", "coordinator"])
def test_the_trail_page_and_csv_hold_no_content(request, as_user, month_of_changes: list[str], reader: str) -> None:
    client = as_user(request.getfixturevalue(reader))
    page = _all_pages(client, reverse("audit:trail"))
    csv = b"".join(client.get(reverse("audit:export")).streaming_content).decode()
    for needle in month_of_changes:
        assert not _found(needle, page), f"{needle!r} on the audit trail page"
        assert not _found(needle, csv), f"{needle!r} in the audit trail CSV"
    # The fields that changed are named, and so is the record, by reference.
    assert "Summary" in csv or "summary" in csv
    assert "subject " in csv


def test_the_stored_entries_hold_no_content(month_of_changes: list[str]) -> None:
    """A dump of the audit table is no copy of the case file."""
    columns = ["object_repr", "changes", "changes_text", "additional_data", "serialized_data"]
    dump = json.dumps(list(LogEntry.objects.values_list(*columns)), default=str)
    for needle in month_of_changes:
        assert not _found(needle, dump), f"{needle!r} stored in the audit table"


def test_change_entries_name_fields_and_show_codes(housing_case: Case, co_chair: User) -> None:
    case_set_risk_level(case=housing_case, risk_level="high", by=co_chair, reason="Threats reported")
    housing_case.refresh_from_db()
    housing_case.summary = "Marker summary"
    housing_case.save()
    entry = LogEntry.objects.get_for_object(housing_case).filter(action=LogEntry.Action.UPDATE).first()
    described = describe_changes(entry)
    assert "summary" in described.lower()
    assert "Marker" not in described
    risk_entry = next(e for e in LogEntry.objects.get_for_object(housing_case) if "risk_level" in (e.changes or {}))
    assert f"risk level: {risk_entry.changes['risk_level'][0]} to high" in [str(c) for c in changed_fields(risk_entry)]


def test_descriptions_use_references_not_names(housing_case: Case) -> None:
    subject = housing_case.subjects.select_related("person").first()
    assert str(subject) == f"subject {subject.pk} of {housing_case.reference}"
    assert str(subject.person) == f"person {subject.person.pk}"
    assert subject.person.full_name not in str(subject)


def test_case_search_text_is_not_recorded(as_user, co_chair, housing_case) -> None:
    client = as_user(co_chair)
    client.post(reverse("cases:list"), {"q": "Quillfeather"}, follow=True)
    dump = json.dumps(list(LogEntry.objects.values_list("changes", "changes_text")), default=str)
    assert "Quillfeather" not in dump


def test_entries_stored_before_hold_their_content_no_longer(housing_case: Case) -> None:
    """The migration rewrites entries written before the rule: values, names and search text go."""
    from importlib import import_module

    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType

    person = housing_case.subjects.first().person
    old = LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Person),
        object_pk=str(person.pk),
        object_id=person.pk,
        object_repr="Verity Quillfeather",
        action=LogEntry.Action.UPDATE,
        changes={"family_name": ["Quill", "Quillfeather"], "gender": ["female", "female"]},
    )
    subject_entry = LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(CaseSubject),
        object_pk="7",
        object_repr="Verity Quillfeather (Victim) in 1",
        action=LogEntry.Action.CREATE,
        changes={"role": ["None", "victim"]},
    )
    search = LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Case),
        object_pk="",
        object_repr="Case list",
        action=LogEntry.Action.ACCESS,
        changes={"criteria": {"q": "Quillfeather", "status": "open"}, "shown": []},
        changes_text=" ",
    )
    migration = import_module("cmarac.audit.migrations.0002_stored_entries_hold_no_content")
    # The migration's own statements, on the test's connection (SQLite's schema editor cannot open
    # inside the test's transaction).
    editor = SimpleNamespace(connection=connection, execute=lambda sql: connection.cursor().execute(sql))
    migration.forwards(apps, editor)
    old.refresh_from_db()
    subject_entry.refresh_from_db()
    search.refresh_from_db()
    assert old.object_repr == f"person {person.pk}"
    assert old.changes == {"family_name": [NOT_RECORDED, NOT_RECORDED], "gender": [NOT_RECORDED, NOT_RECORDED]}
    assert subject_entry.object_repr == "subject 7"
    assert subject_entry.changes == {"role": ["None", "victim"]}  # a code: kept
    assert search.changes["criteria"] == {"q": NOT_RECORDED, "status": "open"}
