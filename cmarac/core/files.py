"""Where generated files (meeting packs, subject access exports) are kept: one storage, the
"private" alias of settings.STORAGES, that every web and worker machine reaches (ADR 0038).

The code names files, never paths: `save_private_file(name, bytes)`, `private_storage().open(name)`,
`delete_private_file(name)`. Which storage that is comes from PRIVATE_FILES_STORAGE (settings):

- `database` (the default): the bytes in the database (StoredFile), so nothing needs setting up
  and every machine that reaches the database reaches the files;
- `folder`: a folder at PRIVATE_FILES_DIR, which must be the same shared (mounted) folder on every
  machine when there is more than one;
- `s3`: an S3-compatible bucket through django-storages, private, with no public URLs.

None of them is ever served by URL: downloads go through the views that check who may have them.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db import IntegrityError, transaction
from django.utils.deconstruct import deconstructible

ALIAS = "private"


def private_storage() -> Storage:
    return storages[ALIAS]


def save_private_file(name: str, content: bytes) -> str:
    """Store these bytes under exactly this name (names are made unique by the caller, uuid4)."""
    stored = private_storage().save(name, ContentFile(content))
    if stored != name:  # a storage that renamed rather than overwrote: never expected
        private_storage().delete(stored)
        raise FileExistsError(f"{name} is already stored")
    return stored


def delete_private_file(name: str) -> None:
    """Delete the file if it is there: deleting twice (expiry after withdrawal) is no error."""
    private_storage().delete(name)


@deconstructible
class DatabaseStorage(Storage):
    """Files as rows of StoredFile. A file is read whole into memory when opened: meeting packs and
    exports are a few megabytes. Names are never reused (uuid4), so a name already taken is an
    error rather than a new name."""

    def _model(self) -> Any:
        from cmarac.core.models import StoredFile

        return StoredFile

    def _open(self, name: str, mode: str = "rb") -> File:
        if "w" in mode or "a" in mode or "+" in mode:
            raise ValueError("files in the database are written with save(), not opened for writing")
        try:
            content = self._model().objects.values_list("content", flat=True).get(name=name)
        except self._model().DoesNotExist as missing:
            raise FileNotFoundError(name) from missing
        return File(io.BytesIO(bytes(content)), name=name)

    def _save(self, name: str, content: File) -> str:
        content.seek(0)
        data = content.read()
        if isinstance(data, str):
            data = data.encode()
        try:
            with transaction.atomic():
                self._model().objects.create(name=name, content=data, size=len(data))
        except IntegrityError as taken:
            raise FileExistsError(name) from taken
        return name

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        return name  # uuid4 names; _save refuses one already taken

    def delete(self, name: str) -> None:
        self._model().objects.filter(name=name).delete()

    def exists(self, name: str) -> bool:
        return self._model().objects.filter(name=name).exists()

    def size(self, name: str) -> int:
        try:
            return int(self._model().objects.values_list("size", flat=True).get(name=name))
        except self._model().DoesNotExist as missing:
            raise FileNotFoundError(name) from missing

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        prefix = f"{path.strip('/')}/" if path.strip("/") else ""
        names = self._model().objects.filter(name__startswith=prefix).values_list("name", flat=True)
        directories, files = set(), []
        for name in names:
            rest = name[len(prefix) :]
            if "/" in rest:
                directories.add(rest.split("/", 1)[0])
            else:
                files.append(rest)
        return sorted(directories), sorted(files)

    def url(self, name: str | None) -> str:
        raise NotImplementedError("private files have no URL: they are downloaded through the service's views")


@deconstructible
class PrivateFolderStorage(FileSystemStorage):
    """A folder, PRIVATE_FILES_DIR unless a location is given, files readable by the service alone
    (0600 in 0700 folders) and no URL. With more than one machine it must be one shared folder."""

    def __init__(self, location: str | os.PathLike[str] | None = None, **options: Any) -> None:
        options.setdefault("file_permissions_mode", 0o600)
        options.setdefault("directory_permissions_mode", 0o700)
        super().__init__(location=location, base_url=None, **options)

    @property  # type: ignore[override]
    def base_location(self) -> str:
        return str(self._location or settings.PRIVATE_FILES_DIR)

    @property  # type: ignore[override]
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        raise NotImplementedError("private files have no URL: they are downloaded through the service's views")


def move_folder_to_storage(folder: Path, directories: tuple[str, ...], *, dry_run: bool = False) -> list[str]:
    """Files left under the old private folder (before ADR 0038), copied into the private storage
    under the same names (packs/..., subject-access/...) and removed from the disk. A name already
    stored is not copied again. Returns the names moved."""
    moved = []
    for directory in directories:
        base = folder / directory
        if not base.is_dir():
            continue
        for path in sorted(base.iterdir()):
            if not path.is_file():
                continue
            name = f"{directory}/{path.name}"
            if dry_run:
                moved.append(name)
                continue
            if not private_storage().exists(name):
                with path.open("rb") as source:
                    save_private_file(name, source.read())
            path.unlink()
            moved.append(name)
    return moved


def open_private_file(name: str) -> IO[bytes]:
    """For a download: the storage's file object, streamed by FileResponse."""
    return private_storage().open(name, "rb")
