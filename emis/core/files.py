"""Uploaded files: stored and opened through one Django storage, kept in the database by name, never by path.

`UPLOADS` names the storage in `settings.STORAGES` (ADR 0009): a directory under MEDIA_ROOT by default, an
S3-compatible bucket with `EMIS_STORAGE=s3`. Every app server and task worker reaches the same files by the same
name, so a file uploaded on one server is read by a worker on another. The storage is private: no URL serves it
(MEDIA_URL is not routed, the bucket has no public access), and a file reaches a user only through a view that
checks the user's scope (an import batch's error workbook, the annual report's download).

Readers that need a path (the import guard opens an .xlsx as a zip and probes it in a child process) get one
only for the length of a `with`: the stored file itself when the storage is a local directory, a private
temporary copy otherwise.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from django.core.files.storage import Storage, storages
from django.core.signals import setting_changed
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty

UPLOADS = "uploads"
COPY_CHUNK = 1 << 20


class _UploadStorage(LazyObject):
    """storages[UPLOADS], looked up when first used rather than when a model is defined, and again after a test
    changes STORAGES (a FileField keeps the storage object it was given)."""

    def _setup(self):
        self._wrapped = storages[UPLOADS]


_upload_storage = _UploadStorage()


@receiver(setting_changed)
def _storages_changed(*, setting, **kwargs):
    if setting == "STORAGES":
        _upload_storage._wrapped = empty


def upload_storage() -> Storage:
    """The storage of uploaded files (also the `storage` of every FileField; a callable keeps it out of
    migrations)."""
    return _upload_storage


def save(content, *, folder: str, suffix: str = "") -> str:
    """Store `content` (an upload or any django File) as `folder/<random>.<suffix>`; returns its storage name.
    The name is random so that it says nothing of the file (a name may hold a child's ID number) and cannot
    reach outside `folder`."""
    suffix = PurePosixPath(f"x{suffix}").suffix.lower()[:8]
    return upload_storage().save(f"{folder}/{uuid.uuid4().hex}{suffix}", content)


def exists(name: str) -> bool:
    return bool(name) and upload_storage().exists(name)


def delete(name: str) -> None:
    """Delete a stored file; a file already gone is not an error."""
    if name:
        upload_storage().delete(name)


def names(folder: str) -> Iterator[str]:
    """Every stored name under `folder`, subfolders included."""
    storage = upload_storage()
    try:
        directories, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for file_name in files:
        yield f"{folder}/{file_name}" if folder else file_name
    for directory in directories:
        yield from names(f"{folder}/{directory}" if folder else directory)


@contextmanager
def local_path(name: str, *, suffix: str = "") -> Iterator[Path]:
    """A local path to the stored file `name` for the length of the `with`. FileNotFoundError when it is gone."""
    if not name:
        raise FileNotFoundError("no file stored")
    storage = upload_storage()
    try:
        path = Path(storage.path(name))
    except NotImplementedError:  # a remote store: a private copy, removed afterwards
        suffix = suffix or PurePosixPath(name).suffix
        with storage.open(name, "rb") as source, tempfile.NamedTemporaryFile(suffix=suffix) as copy:
            shutil.copyfileobj(source, copy, COPY_CHUNK)
            copy.flush()
            yield Path(copy.name)
        return
    if not path.is_file():
        raise FileNotFoundError(name)
    yield path


@contextmanager
def local_copy(upload, file_name: str) -> Iterator[Path]:
    """An upload read once within the request and never kept (an admission round's applicant file): a private
    temporary file named `file_name` (readers name the file in their messages), removed after the `with`."""
    with tempfile.TemporaryDirectory(prefix="emis-upload-") as directory:
        path = Path(directory) / Path(file_name).name
        with open(path, "wb") as out:
            for chunk in upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(COPY_CHUNK), b""):
                out.write(chunk)
        yield path


def delete_with_rows(model, field: str) -> None:
    """Delete a row's stored file when the row is deleted (after commit) and no other row of `model` names it
    (a committed import batch shares its dry run's file)."""

    def on_delete(sender, instance, **kwargs):
        name = str(getattr(instance, field) or "")
        if not name:
            return

        def delete_unless_named_elsewhere():
            if not model._base_manager.filter(**{field: name}).exists():
                delete(name)

        transaction.on_commit(delete_unless_named_elsewhere)

    post_delete.connect(on_delete, sender=model, weak=False, dispatch_uid=f"emis.files.{model._meta.label}.{field}")


__all__ = [
    "UPLOADS",
    "delete",
    "delete_with_rows",
    "exists",
    "local_copy",
    "local_path",
    "names",
    "save",
    "upload_storage",
]
