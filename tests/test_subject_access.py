"""Subject access: finding a person across cases and referrals, and gathering every record about
them from every app, with passages that name other people flagged."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, timedelta

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.utils import timezone
from pypdf import PdfReader

from cmarac.governance.subject_access import Criteria, Subjects, collect, others_named, search
from cmarac.governance.subject_access_models import SubjectAccessExport
from cmarac.governance.subject_access_services import (
    data_name,
    export_is_ready,
    export_read,
    pdf_name,
    subject_access_export_request,
    subject_access_exports_expire,
)
from tests.private_files import stored_names
from tests.subject_access_scenario import NOT_THEIRS, THEIRS, World, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(housing, police, fire, coordinator, co_chair, housing_lead, police_referrer) -> World:
    return build_world(
        housing=housing, police=police, fire=fire, coordinator=coordinator, co_chair=co_chair,
        housing_lead=housing_lead, police_referrer=police_referrer,
    )  # fmt: skip


@pytest.fixture
def make_export(auditor, django_capture_on_commit_callbacks):
    """Ask for an export as the auditor, and run the queued task as the commit would."""

    def make(subjects: Subjects, reference: str = "SAR-2026-017", note: str = "") -> SubjectAccessExport:
        with django_capture_on_commit_callbacks(execute=True):
            export = subject_access_export_request(
                made_by=auditor, request_reference=reference, note=note, subjects=subjects
            )
        export.refresh_from_db()
        return export

    return make


@pytest.fixture
def private_dir(settings, tmp_path):
    settings.PRIVATE_FILES_DIR = tmp_path / "private"
    return settings.PRIVATE_FILES_DIR


def keys(criteria: Criteria) -> list[str]:
    return [match.key for match in search(criteria)]


@pytest.mark.parametrize("name", ["quill", "QUILLFEATHER", "verity quill", "Verity"])
def test_search_by_part_of_the_name_ignoring_case(world: World, name: str) -> None:
    found = keys(Criteria(name=name))
    assert f"person:{world.verity.pk}" in found
    assert f"referral-subject:{world.unlinked_subject.pk}" in found
    assert f"person:{world.pax.pk}" not in found


def test_search_by_date_of_birth_and_by_postcode(world: World) -> None:
    assert keys(Criteria(date_of_birth=date(1988, 4, 2))) == [f"person:{world.verity.pk}"]
    assert keys(Criteria(date_of_birth=date(1988, 4, 3))) == []
    by_postcode = keys(Criteria(postcode="zx9 4qt"))
    assert f"person:{world.verity.pk}" in by_postcode
    assert f"referral-subject:{world.unlinked_subject.pk}" in by_postcode  # typed without a space
    assert f"person:{world.pax.pk}" not in by_postcode
    assert f"person:{world.pax.pk}" in keys(Criteria(postcode="ZX9"))


def test_every_part_given_must_match(world: World) -> None:
    assert keys(Criteria(name="verity", postcode="ZF1")) == []
    assert keys(Criteria(name="pax", postcode="ZX9 4QU")) == [f"person:{world.pax.pk}"]


def test_the_result_counts_cases_and_referrals(world: World) -> None:
    matches = {m.key: m for m in search(Criteria(name="quillfeather"))}
    verity = matches[f"person:{world.verity.pk}"]
    assert (verity.name, verity.date_of_birth, verity.postcode) == ("Verity Quillfeather", date(1988, 4, 2), "ZX9 4QT")
    assert (verity.cases, verity.referrals) == (1, 1)
    assert matches[f"referral-subject:{world.unlinked_subject.pk}"].referrals == 1


def test_the_search_takes_the_same_queries_however_many_match(world: World, django_assert_num_queries) -> None:
    # persons with their cases (1), referral subjects (1), case counts (1), referral counts (1)
    with django_assert_num_queries(4):
        search(Criteria(name="e"))


def test_the_records_hold_everything_naming_the_person_and_nothing_else(world: World) -> None:
    records = collect(Subjects(frozenset({world.verity.pk}), frozenset({world.unlinked_subject.pk})))
    text = json.dumps([r.as_data() for r in records], default=str)
    for marker in THEIRS.values():
        assert marker in text, marker
    for marker in NOT_THEIRS:
        assert marker not in text, marker
    kinds = {r.kind for r in records}
    assert kinds == {"Person", "Case", "Referral", "Agenda item", "Agency information", "Meeting minutes", "Action"}
    assert {r.reference for r in records if r.kind == "Referral"} == {
        world.referral.reference,
        world.unlinked_referral.reference,
    }
    case = next(r for r in records if r.kind == "Case")
    assert case.reference == world.case.reference
    assert {"Partnership Policing Team", "Council Housing"} <= set(case.agencies)
    action = next(r for r in records if r.kind == "Action")
    assert action.agencies == ["Council Housing"]
    assert dict(action.dates)["Due"] == world.action.due_on


def test_passages_naming_another_subject_of_the_same_case_are_flagged(world: World) -> None:
    records = collect(Subjects(frozenset({world.verity.pk})))
    by_text = {p.text: p for r in records for p in r.passages}
    concerns = by_text["Pax Underhill waits on the stairs and shouts."]
    assert concerns.names_others == ["Pax Underhill (alleged perpetrator)"]
    risks = by_text["Underhill has visited at night."]
    assert risks.flagged
    general = next(p for text, p in by_text.items() if THEIRS["general minutes"] in text)
    assert general.names_others == ["Pax Underhill (alleged perpetrator)"]
    summary = next(p for text, p in by_text.items() if THEIRS["case"] in text)
    assert not summary.flagged
    # Her own name never flags a passage about her.
    assert not any("Verity" in name for p in by_text.values() for name in p.names_others)


def test_a_referral_subject_alone_brings_their_referral_and_minutes_naming_them(world: World) -> None:
    records = collect(Subjects(referral_subject_ids=frozenset({world.unlinked_subject.pk})))
    assert {(r.kind, r.reference) for r in records} == {
        ("Referral", world.unlinked_referral.reference),
        ("Meeting minutes", records[-1].reference),
    }
    assert "OTHER-GENERAL-MINUTES-MARKER" not in json.dumps([r.as_data() for r in records], default=str)


def test_the_other_subject_is_no_longer_other_when_both_are_chosen(world: World) -> None:
    records = collect(Subjects(frozenset({world.verity.pk, world.pax.pk})))
    assert not any(p.flagged for r in records for p in r.passages)


def test_names_are_matched_as_whole_words_ignoring_case() -> None:
    others = {"Pax Underhill": ["Pax", "Underhill"]}
    assert others_named("saw PAX at noon", others) == ["Pax Underhill"]
    assert others_named("paxton road", others) == []
    assert others_named("", others) == []


def test_collecting_takes_the_same_queries_however_many_records(world: World, django_assert_num_queries) -> None:
    subjects = Subjects(frozenset({world.verity.pk}), frozenset({world.unlinked_subject.pk}))
    # actions: actions, case subjects, updates (3); cases: people, cases, subjects, involvements and their
    # agencies, risk history, events (7); meetings: people's and referral subjects' names, meetings naming them,
    # their corrections, items and subjects (6), then items, subjects, invitations, information,
    # corrections (5); referrals: referrals, subjects (2)
    with django_assert_num_queries(23):
        collect(subjects)


def test_an_export_is_made_stored_privately_and_expires(world: World, make_export, private_dir) -> None:
    export = make_export(Subjects(frozenset({world.verity.pk})))
    assert export.status == SubjectAccessExport.Status.READY
    assert export_is_ready(export)
    assert stored_names("subject-access") == sorted([pdf_name(export), data_name(export)])
    assert not private_dir.exists() or not any(private_dir.rglob("*.*"))  # nothing on this machine's disk
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(export_read(pdf_name(export)))).pages]
    for number, page in enumerate(pages, start=1):
        assert page.count("OFFICIAL-SENSITIVE") >= 2, number
        assert "Prepared for Ari Auditor" in page, number
        assert f"Page {number} of {len(pages)}" in page, number
    text = "\n".join(pages)
    assert "SAR-2026-017" in text
    assert "NAMES OTHER PEOPLE: Pax Underhill (alleged perpetrator)" in " ".join(text.split())
    for marker in THEIRS.values():
        if marker != THEIRS["unlinked referral"]:
            assert marker in text, marker
    for marker in NOT_THEIRS:
        assert marker not in text, marker
    with zipfile.ZipFile(io.BytesIO(export_read(data_name(export)))) as archive:
        data = json.loads(archive.read("subject-access.json"))
    assert data["request_reference"] == "SAR-2026-017"
    assert any(p["flagged"] for r in data["records"] for p in r["passages"])
    assert export.records == len(data["records"])

    assert subject_access_exports_expire(now=export.expires_at - timedelta(seconds=1)) == 0
    assert subject_access_exports_expire(now=export.expires_at) == 1
    export.refresh_from_db()
    assert export.status == SubjectAccessExport.Status.EXPIRED
    assert stored_names("subject-access") == []
    assert not export_is_ready(export)


def test_exports_expire_after_their_own_retention_period(world: World, make_export, private_dir, settings) -> None:
    settings.SUBJECT_ACCESS_RETENTION_DAYS = 3
    export = make_export(Subjects(frozenset({world.verity.pk})))
    assert export.expires_at - export.finished_at == timedelta(days=3)


def test_the_trail_holds_the_request_reference_and_never_the_note(world: World, make_export, private_dir) -> None:
    export = make_export(Subjects(frozenset({world.verity.pk})), "SAR-2026-018", "Identity checked; Verity")
    entries = LogEntry.objects.get_for_object(export)
    created = entries.get(action=LogEntry.Action.CREATE)
    assert created.changes["request_reference"][1] == "SAR-2026-018"
    assert "Verity" not in json.dumps([e.changes for e in entries])


@pytest.mark.parametrize("person", ["coordinator", "co_chair", "housing_lead", "administrator"])
def test_only_the_auditor_makes_exports(world: World, person, request, private_dir) -> None:
    with pytest.raises(ValidationError):
        subject_access_export_request(
            made_by=request.getfixturevalue(person), request_reference="SAR-1", note="",
            subjects=Subjects(frozenset({world.verity.pk})),
        )  # fmt: skip
    assert not SubjectAccessExport.objects.exists()


def test_an_export_needs_a_person_and_a_reference(auditor, private_dir) -> None:
    with pytest.raises(ValidationError):
        subject_access_export_request(made_by=auditor, request_reference="SAR-1", note="", subjects=Subjects())
    with pytest.raises(ValidationError):
        subject_access_export_request(
            made_by=auditor, request_reference="  ", note="", subjects=Subjects(frozenset({1}))
        )
    assert not SubjectAccessExport.objects.exists()


def test_a_failed_build_leaves_no_file(world: World, make_export, private_dir, monkeypatch) -> None:
    from cmarac.governance import subject_access_services

    def broken(context):
        raise RuntimeError("layout failed")

    monkeypatch.setattr(subject_access_services, "export_pdf", broken)
    with pytest.raises(RuntimeError):
        make_export(Subjects(frozenset({world.verity.pk})))
    export = SubjectAccessExport.objects.get()
    assert export.status == SubjectAccessExport.Status.FAILED
    assert stored_names("subject-access") == []


def test_the_expiry_job_is_scheduled(settings) -> None:
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "governance.remove_expired_subject_access_exports" in tasks
    assert timezone.now()  # the schedule is read from settings, not the clock
