"""Generated files in tests: they are in the private storage (the database by default), not at a
path, so a test that hands one to poppler's tools copies it to a temporary file first."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from cmarac.core.files import private_storage
from cmarac.core.models import StoredFile
from meetings.models import MeetingPack
from meetings.packs import pack_read, pack_stored_name


def pdf_copy(pack: MeetingPack) -> Path:
    """A copy of the pack's stored PDF in a file (PRIVATE_FILES_DIR is a temporary folder in tests)."""
    path = Path(settings.PRIVATE_FILES_DIR) / "copies" / f"{pack.pk}.pdf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pack_read(pack))
    return path


def stored(pack: MeetingPack) -> bool:
    """Whether the pack's file is in the private storage."""
    return bool(pack.file_name) and private_storage().exists(pack_stored_name(pack))


def stored_names(prefix: str) -> list[str]:
    """Every name in the private storage under this prefix (the default storage: the database)."""
    return sorted(StoredFile.objects.filter(name__startswith=f"{prefix}/").values_list("name", flat=True))
