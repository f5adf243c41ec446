"""Generated files are kept where every web and worker machine reaches them (ADR 0038): the
database by default, a shared folder or S3-compatible storage by choice, and never at a path one
machine alone has. Downloads still go through the views that check who may have them."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache, caches
from django.core.files.base import ContentFile
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from pypdf import PdfReader

from cmarac.core.files import (
    DatabaseStorage,
    PrivateFolderStorage,
    delete_private_file,
    private_storage,
    save_private_file,
)
from cmarac.core.models import StoredFile
from cmarac.governance.subject_access import Subjects
from cmarac.governance.subject_access_models import SubjectAccessExport
from cmarac.governance.subject_access_services import (
    data_name,
    pdf_name,
    subject_access_export_request,
    subject_access_exports_expire,
)
from meetings import services
from meetings.models import MeetingPack
from meetings.packs import pack_build, pack_read, pack_stored_name, pack_withdraw, packs_remove_expired
from tests.factories.cases import CaseFactory
from tests.factories.meetings import MeetingFactory
from tests.private_files import stored, stored_names
from tests.subject_access_scenario import World, build_world

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
ROOT = Path(__file__).resolve().parent.parent


# --- The database storage -----------------------------------------------------------------


def test_the_default_private_storage_is_the_database() -> None:
    assert django_settings.PRIVATE_FILES_STORAGE == "database"
    assert isinstance(private_storage(), DatabaseStorage)


def test_the_database_storage_saves_opens_lists_and_deletes() -> None:
    storage = DatabaseStorage()
    payload = bytes(range(256)) * 40  # every byte value, so nothing is decoded or trimmed on the way
    assert storage.save("packs/a.pdf", ContentFile(payload)) == "packs/a.pdf"
    storage.save("packs/b.pdf", ContentFile(b"%PDF-"))
    storage.save("subject-access/c.zip", ContentFile(b"PK"))
    assert storage.exists("packs/a.pdf")
    assert storage.size("packs/a.pdf") == len(payload)
    with storage.open("packs/a.pdf") as stored_file:
        assert stored_file.read() == payload
    assert storage.listdir("packs") == ([], ["a.pdf", "b.pdf"])
    assert storage.listdir("") == (["packs", "subject-access"], [])
    storage.delete("packs/a.pdf")
    storage.delete("packs/a.pdf")  # twice (expiry after a withdrawal) is no error
    assert not storage.exists("packs/a.pdf")
    with pytest.raises(FileNotFoundError):
        storage.open("packs/a.pdf")
    assert StoredFile.objects.count() == 2


def test_a_name_is_never_stored_twice_and_files_have_no_url() -> None:
    save_private_file("packs/x.pdf", b"first")
    with pytest.raises(FileExistsError):
        save_private_file("packs/x.pdf", b"second")
    assert pack_bytes("packs/x.pdf") == b"first"
    with pytest.raises(NotImplementedError):
        private_storage().url("packs/x.pdf")
    with pytest.raises(ValueError, match="save"):
        private_storage().open("packs/x.pdf", "wb")


def pack_bytes(name: str) -> bytes:
    with private_storage().open(name) as stored_file:
        return stored_file.read()


# --- A shared folder ----------------------------------------------------------------------


def test_the_folder_storage_writes_files_only_the_service_reads_and_follows_the_setting(settings, tmp_path) -> None:
    settings.PRIVATE_FILES_DIR = tmp_path / "one"
    storage = PrivateFolderStorage()
    assert storage.save("packs/a.pdf", ContentFile(b"%PDF-")) == "packs/a.pdf"
    path = tmp_path / "one" / "packs" / "a.pdf"
    assert path.read_bytes() == b"%PDF-"
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert oct(path.parent.stat().st_mode & 0o777) == "0o700"
    with pytest.raises(NotImplementedError):
        storage.url("packs/a.pdf")
    settings.PRIVATE_FILES_DIR = tmp_path / "shared"  # the location is read when used, not once
    assert not storage.exists("packs/a.pdf")


def test_packs_can_be_kept_in_a_shared_folder(settings, tmp_path, co_chair, as_user) -> None:
    shared = tmp_path / "shared"
    settings.PRIVATE_FILES_DIR = shared
    with override_settings(STORAGES={**settings.STORAGES, "private": {"BACKEND": PRIVATE_FOLDER}}):
        pack = built_pack(co_chair)
        assert (shared / pack_stored_name(pack)).is_file()
        assert not StoredFile.objects.exists()
        response = as_user(co_chair).get(reverse("meetings:pack-download", args=[pack.pk]))
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == (shared / pack_stored_name(pack)).read_bytes()
        assert packs_remove_expired(now=pack.expires_at) == 1
        assert not (shared / pack_stored_name(pack)).exists()


PRIVATE_FOLDER = "cmarac.core.files.PrivateFolderStorage"


# --- Packs: made on one machine, downloaded on another ------------------------------------


def built_pack(person) -> MeetingPack:
    meeting = MeetingFactory()
    services.agenda_add_item(meeting=meeting, case=CaseFactory(), item_type="new", by=person)
    pack = MeetingPack.objects.create(meeting=meeting, kind="pack", recipient=person)
    return pack_build(str(pack.pk), now=datetime(2026, 12, 1, 9, 30, tzinfo=LONDON))


def test_a_pack_built_with_one_private_folder_is_downloaded_with_another(co_chair, as_user, tmp_path) -> None:
    with override_settings(PRIVATE_FILES_DIR=tmp_path / "worker"):
        pack = built_pack(co_chair)
    assert pack.status == MeetingPack.Status.READY
    made = pack_read(pack)
    with override_settings(PRIVATE_FILES_DIR=tmp_path / "web"):
        client = as_user(co_chair)
        page = client.get(reverse("meetings:pack", args=[pack.pk], query={"format": "json"})).json()
        assert page["download"] == reverse("meetings:pack-download", args=[pack.pk])
        response = client.get(page["download"])
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert "no-store" in response["Cache-Control"]
        downloaded = b"".join(response.streaming_content)
    assert downloaded == made
    assert len(PdfReader(io.BytesIO(downloaded)).pages) == pack.pages
    for folder in ("worker", "web"):  # nothing was written on either machine's disk
        assert not (tmp_path / folder).exists() or not any((tmp_path / folder).rglob("*"))


def test_a_pack_is_deleted_from_the_storage_when_it_expires(co_chair) -> None:
    pack = built_pack(co_chair)
    assert stored_names("packs") == [pack_stored_name(pack)]
    assert packs_remove_expired(now=pack.expires_at) == 1
    assert stored_names("packs") == []


def test_a_withdrawn_pack_is_deleted_from_the_storage_once_the_withdrawal_commits(
    co_chair, as_user, django_capture_on_commit_callbacks
) -> None:
    pack = built_pack(co_chair)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        pack_withdraw(pack, reason=MeetingPack.WithdrawnReason.ACCESS_CHANGED)
    assert stored(pack)  # not before the commit
    for callback in callbacks:
        callback()
    assert not stored(pack)
    assert as_user(co_chair).get(reverse("meetings:pack-download", args=[pack.pk])).status_code == 404


def test_a_pack_whose_file_is_gone_is_not_offered_and_not_downloaded(co_chair, as_user) -> None:
    pack = built_pack(co_chair)
    delete_private_file(pack_stored_name(pack))
    client = as_user(co_chair)
    assert client.get(reverse("meetings:pack", args=[pack.pk], query={"format": "json"})).json()["download"] is None
    assert client.get(reverse("meetings:pack-download", args=[pack.pk])).status_code == 404


# --- Subject access exports -----------------------------------------------------------------


@pytest.fixture
def world(housing, police, fire, coordinator, co_chair, housing_lead, police_referrer) -> World:
    return build_world(
        housing=housing, police=police, fire=fire, coordinator=coordinator, co_chair=co_chair,
        housing_lead=housing_lead, police_referrer=police_referrer,
    )  # fmt: skip


def make_export(auditor, world: World, capture) -> SubjectAccessExport:
    with capture(execute=True):
        export = subject_access_export_request(
            made_by=auditor, request_reference="SAR-2026-031", note="", subjects=Subjects(frozenset({world.verity.pk}))
        )
    export.refresh_from_db()
    return export


def test_an_export_made_with_one_private_folder_is_downloaded_with_another(
    world: World, auditor, as_user, tmp_path, django_capture_on_commit_callbacks
) -> None:
    with override_settings(PRIVATE_FILES_DIR=tmp_path / "worker"):
        export = make_export(auditor, world, django_capture_on_commit_callbacks)
    assert export.status == SubjectAccessExport.Status.READY
    with override_settings(PRIVATE_FILES_DIR=tmp_path / "web"):
        client = as_user(auditor)
        pdf = client.get(reverse("governance:subject_access_export_download", args=[export.pk, "pdf"]))
        data = client.get(reverse("governance:subject_access_export_download", args=[export.pk, "data"]))
    assert (pdf.status_code, data.status_code) == (200, 200)
    pages = PdfReader(io.BytesIO(b"".join(pdf.streaming_content))).pages
    assert len(pages) == export.pages
    with zipfile.ZipFile(io.BytesIO(b"".join(data.streaming_content))) as archive:
        assert json.loads(archive.read("subject-access.json"))["request_reference"] == "SAR-2026-031"
    assert subject_access_exports_expire(now=export.expires_at) == 1
    assert stored_names("subject-access") == []
    assert not (tmp_path / "worker").exists() or not any((tmp_path / "worker").rglob("*"))


def test_an_export_whose_second_file_fails_keeps_neither(
    world: World, auditor, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    from cmarac.governance import subject_access_services

    saved = []

    def save_then_fail(name: str, content: bytes) -> str:
        if name.endswith(".zip"):
            raise OSError("storage unreachable")
        saved.append(save_private_file(name, content))
        return name

    monkeypatch.setattr(subject_access_services, "save_private_file", save_then_fail)
    with pytest.raises(OSError, match="unreachable"):
        make_export(auditor, world, django_capture_on_commit_callbacks)
    assert len(saved) == 1  # the PDF was stored, then removed
    assert stored_names("subject-access") == []
    assert SubjectAccessExport.objects.get().status == SubjectAccessExport.Status.FAILED


def test_export_names_are_in_the_storage_not_paths(world: World, auditor, django_capture_on_commit_callbacks) -> None:
    export = make_export(auditor, world, django_capture_on_commit_callbacks)
    assert stored_names("subject-access") == sorted([pdf_name(export), data_name(export)])
    assert "/" not in export.pdf_file_name
    assert not os.path.isabs(pdf_name(export))


# --- Files left on the disk by an earlier version ----------------------------------------------


def test_files_left_in_the_old_folder_are_moved_into_the_storage(co_chair, as_user, settings, tmp_path) -> None:
    from django.core.management import call_command

    pack = built_pack(co_chair)
    content = pack_read(pack)
    delete_private_file(pack_stored_name(pack))  # as an earlier version left it: on the disk only
    old = tmp_path / "old"
    (old / "packs").mkdir(parents=True)
    (old / "packs" / pack.file_name).write_bytes(content)
    out = io.StringIO()
    call_command("move_private_files", "--folder", str(old), "--dry-run", stdout=out)
    assert "would move 1 file" in out.getvalue()
    assert not stored(pack)
    call_command("move_private_files", "--folder", str(old), stdout=out)
    assert stored(pack)
    assert not (old / "packs" / pack.file_name).exists()
    response = as_user(co_chair).get(reverse("meetings:pack-download", args=[pack.pk]))
    assert b"".join(response.streaming_content) == content


# --- Settings: object storage, cache and sessions ---------------------------------------------


def test_object_storage_is_configured_from_the_environment_and_is_private() -> None:
    """PRIVATE_FILES_STORAGE=s3: django-storages, a private bucket, no credentials in settings."""
    script = (
        "import django, json; django.setup();"
        "from django.conf import settings; from django.core.files.storage import storages;"
        "s = storages['private'];"
        "print(json.dumps({'class': type(s).__name__, 'bucket': s.bucket_name, 'acl': s.default_acl,"
        " 'endpoint': s.endpoint_url, 'prefix': s.location, 'overwrite': s.file_overwrite,"
        " 'key': s.access_key, 'options': settings.STORAGES['private']['OPTIONS']}))"
    )
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "PRIVATE_FILES_STORAGE": "s3",
        "PRIVATE_FILES_S3_BUCKET": "cmarac-files",
        "PRIVATE_FILES_S3_ENDPOINT_URL": "https://objects.example.org",
        "AWS_ACCESS_KEY_ID": "read-by-boto3-not-settings",
    }
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script], env=environment, cwd=ROOT, capture_output=True, text=True, timeout=60,
        check=True,
    )  # fmt: skip
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["class"] == "S3Storage"
    assert (found["bucket"], found["acl"], found["endpoint"]) == (
        "cmarac-files",
        "private",
        "https://objects.example.org",
    )
    assert found["prefix"] == "cmarac-private"
    assert found["overwrite"] is False
    assert "read-by-boto3-not-settings" not in json.dumps(found["options"])  # the key never enters settings


def test_a_storage_without_its_bucket_refuses_to_start() -> None:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "PRIVATE_FILES_STORAGE": "s3"}
    environment.pop("PRIVATE_FILES_S3_BUCKET", None)
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], env=environment, cwd=ROOT, capture_output=True,
        text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode != 0
    assert "PRIVATE_FILES_S3_BUCKET" in result.stderr


def test_the_cache_is_shared_by_every_process() -> None:
    """Redis when REDIS_URL is set, otherwise a table in the database: never one process's memory."""
    backend = django_settings.CACHES["default"]["BACKEND"]
    assert "locmem" not in backend.lower()
    if django_settings.REDIS_URL:
        assert backend == "django.core.cache.backends.redis.RedisCache"
        return
    assert backend == "django.core.cache.backends.db.DatabaseCache"
    cache.set("shared-check", "seen", 60)
    with connection.cursor() as cursor:  # in the table migrate made, where another process reads it
        cursor.execute("SELECT COUNT(*) FROM cmarac_cache")
        assert cursor.fetchone()[0] == 1
    caches["default"].close()
    assert cache.get("shared-check") == "seen"


def test_sessions_are_kept_in_the_database() -> None:
    from importlib import import_module

    from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

    store = import_module(django_settings.SESSION_ENGINE).SessionStore
    assert issubclass(store, DatabaseSessionStore)
    assert not issubclass(store, tuple(_local_session_stores()))


def _local_session_stores() -> list[type]:
    from django.contrib.sessions.backends.cache import SessionStore as CacheStore
    from django.contrib.sessions.backends.file import SessionStore as FileStore
    from django.contrib.sessions.backends.signed_cookies import SessionStore as CookieStore

    return [CacheStore, FileStore, CookieStore]
