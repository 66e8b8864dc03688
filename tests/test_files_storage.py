"""Uploaded files go through one Django storage, by name (emis.core.files, docs/adr/0009).

No model keeps a filesystem path; a file uploaded on one app server is read by a task worker on another (a shared
directory mounted elsewhere, or an S3-compatible bucket); deleting a row deletes its file; backups carry the
storage. The S3 tests run against moto's S3 server in this process (the `s3` extra and moto, a dev dependency).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import io
import shutil
import tarfile
import uuid
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from emis.core import backup, files
from emis.core.access import Role
from emis.core.imports import samples, service
from emis.core.imports.reader import read_bytes_as_table
from emis.core.models import ImportBatch, ImportStatus
from emis.reports.services import annual_report_upload
from emis.testing import body_bytes, id_for


def roster(county, good: int = 3) -> SimpleUploadedFile:
    """A students file of `good` valid rows and one row with a wrong ID number."""
    births = [dt.date(2016, 1, 1) + dt.timedelta(days=n) for n in range(1, good + 1)]
    rows = [samples.STUDENT_HEADER]
    rows += [
        [county.school_a1.code, "三年级", "9班", f"存储{n}", "男", b.isoformat(), id_for(b, "1")]
        for n, b in enumerate(births)
    ]
    rows.append([county.school_a1.code, "三年级", "9班", "错号", "男", "2016-05-05", "12345"])
    return SimpleUploadedFile("学生名单.csv", "\n".join(",".join(row) for row in rows).encode())


def upload_on_the_web_server(login, county) -> ImportBatch:
    """The import page as a web server answers it: the file stored, the batch queued (not run: the worker is
    elsewhere; tests' on-commit callbacks never run here)."""
    response = login(Role.ADMIN).post(
        reverse("core:import_list"),
        {"kind": "students", "school_year": county.year.start_year, "file": roster(county)},
    )
    assert response.status_code == 302, response.content.decode()[:500]
    batch = ImportBatch.objects.latest("id")
    assert batch.status == ImportStatus.PENDING
    return batch


def assert_is_a_storage_name(name: str, *local_roots) -> None:
    assert name.startswith("imports/") and not name.startswith("/")
    assert not any(str(root) in name for root in local_roots)


def run_on_the_worker_and_check(batch: ImportBatch, login) -> None:
    service.import_batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.REJECTED, batch.error_message
    assert batch.counts["rejected"] == 1 and batch.progress_total == 4
    assert len(batch.sha256) == 64
    # The error workbook, in a web process, reads the file by name as well.
    response = login(Role.ADMIN).get(reverse("core:import_errors", args=[batch.pk]))
    rows = [row for _, row in read_bytes_as_table(body_bytes(response), "errors.xlsx").rows]
    assert len(rows) == 1 and "错号" in rows[0]


# No path in the database -----------------------------------------------------------------------------------


def project_models():
    return [m for m in apps.get_models() if m.__module__.startswith("emis.") and not m._meta.proxy]


def test_no_model_has_a_field_for_a_filesystem_path():
    offenders = []
    for model in project_models():
        for field in model._meta.concrete_fields:
            label = f"{model._meta.label}.{field.name}"
            if isinstance(field, models.FilePathField):
                offenders.append(label)
            elif isinstance(field, models.FileField):
                # Every file field keeps a name in the uploads storage (private), not in the default media.
                if getattr(field, "_storage_callable", None) is not files.upload_storage:
                    offenders.append(f"{label} (storage)")
            elif isinstance(field, (models.CharField, models.TextField)) and "path" in field.name.lower():
                offenders.append(label)
    assert offenders == []


def test_no_row_holds_a_filesystem_path_after_uploads(county, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    upload_on_the_web_server(login, county)
    annual_report_upload(
        division=county.county,
        school_year=county.year,
        upload=docx_upload(),
        acting_user=county.users[Role.ADMIN],
    )
    found = []
    for model in project_models():
        for field in model._meta.concrete_fields:
            if type(field) not in (models.CharField, models.TextField, models.FileField):
                continue
            looks_local = Q(**{f"{field.attname}__startswith": "/"}) | Q(
                **{f"{field.attname}__contains": str(tmp_path)}
            )
            found += [
                (model._meta.label, field.name, value)
                for value in model._base_manager.filter(looks_local).values_list(field.attname, flat=True)
            ]
    assert found == []


# Several app servers ---------------------------------------------------------------------------------------


def test_a_batch_uploaded_on_one_server_is_run_by_a_worker_on_another(county, login, settings, tmp_path):
    """The shared directory is mounted at another place on the worker's machine: the batch names the file, so
    the worker finds it (an absolute path, as kept before, named the web server's mount)."""
    web, worker = tmp_path / "web-mount", tmp_path / "worker-mount"
    settings.MEDIA_ROOT = web
    batch = upload_on_the_web_server(login, county)
    assert_is_a_storage_name(batch.file.name, web)
    shutil.copytree(web, worker)
    shutil.rmtree(web)
    settings.MEDIA_ROOT = worker
    run_on_the_worker_and_check(batch, login)


def test_deleting_batches_deletes_their_file_with_the_last_one(
    county, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path / "media"
    name = files.save(ContentFile(b"a,b\n1,2\n"), folder=service.IMPORTS_FOLDER, suffix=".csv")
    dry_run = ImportBatch.objects.create(kind="students", file_name="a.csv", file=name)
    commit = ImportBatch.objects.create(kind="students", file_name="a.csv", file=name, dry_run=False)
    with django_capture_on_commit_callbacks(execute=True):
        dry_run.delete()
    assert files.exists(name)  # the commit still names it
    with django_capture_on_commit_callbacks(execute=True):
        commit.delete()
    assert not files.exists(name)


def test_a_transient_local_path_of_a_stored_file(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    name = files.save(ContentFile(b"x"), folder="imports", suffix=".CSV")
    assert name.endswith(".csv") and name.count("/") == 1
    with files.local_path(name) as path:
        assert path.read_bytes() == b"x"
    files.delete(name)
    with pytest.raises(FileNotFoundError), files.local_path(name):
        pass
    with pytest.raises(FileNotFoundError), files.local_path(""):
        pass


def test_the_migration_turns_stored_paths_into_names():
    migration = importlib.import_module("emis.core.migrations.0007_import_batch_file_in_storage")
    assert migration.path_to_name("/srv/emis/var/media/imports/0a1b.xlsx") == "imports/0a1b.xlsx"
    assert migration.path_to_name("") == ""


# An S3-compatible store ------------------------------------------------------------------------------------

S3_MISSING = [
    name for name in ("boto3", "storages", "moto", "flask", "flask_cors") if importlib.util.find_spec(name) is None
]


@pytest.fixture(scope="module")
def s3_endpoint():
    if S3_MISSING:
        pytest.skip(
            f"needs the s3 extra and moto's server ({', '.join(S3_MISSING)} not installed): pip install -e '.[s3,dev]'"
        )
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(s3_endpoint, settings, monkeypatch):
    """The uploads storage in a fresh bucket, configured as a deployment does it (EMIS_STORAGE=s3)."""
    import boto3

    from config.settings.base import uploads_storage

    bucket = f"emis-{uuid.uuid4().hex[:12]}"
    environment = {
        "EMIS_S3_BUCKET": bucket,
        "EMIS_S3_ENDPOINT_URL": s3_endpoint,
        "EMIS_S3_REGION": "us-east-1",
        "EMIS_S3_ACCESS_KEY_ID": "testing",
        "EMIS_S3_SECRET_ACCESS_KEY": "testing",
    }
    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_bucket(Bucket=bucket)
    settings.STORAGES = {**settings.STORAGES, "uploads": uploads_storage("s3")}
    assert files.upload_storage().__class__.__name__ == "S3Storage"

    def keys() -> list[str]:
        return [item["Key"] for item in client.list_objects_v2(Bucket=bucket).get("Contents", [])]

    return keys


def test_s3_an_upload_on_one_server_is_run_by_a_worker_on_another(s3, county, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "web"
    batch = upload_on_the_web_server(login, county)
    assert_is_a_storage_name(batch.file.name, tmp_path)
    assert s3() == [f"emis/{batch.file.name}"]
    assert not (tmp_path / "web").exists()  # nothing on the web server's disk
    settings.MEDIA_ROOT = tmp_path / "worker"
    run_on_the_worker_and_check(batch, login)


def test_s3_retention_and_commit(s3, county, login, settings):
    batch = upload_on_the_web_server(login, county)
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.VALIDATED)
    batch.refresh_from_db()
    assert service.batch_file_exists(batch)
    later = timezone.now() + timedelta(days=settings.EMIS_IMPORT_RETENTION_DAYS + 1)
    assert service.purge_expired_imports(now=later)["deleted_files"] == 1
    assert s3() == [] and not service.batch_file_exists(batch)
    with pytest.raises(service.BatchActionRefused, match="保留期限"):
        service.import_batch_commit(batch=batch, acting_user=county.users[Role.ADMIN])


def test_s3_the_annual_report_draft_is_stored_and_downloaded_through_its_view(s3, county, login):
    report = annual_report_upload(
        division=county.county,
        school_year=county.year,
        upload=docx_upload(),
        acting_user=county.users[Role.ADMIN],
    )
    assert s3() == [f"emis/{report.file.name}"]
    response = login(Role.ADMIN).get(reverse("reports:annual_file", args=[report.pk]))
    assert response.status_code == 200 and body_bytes(response) == DOCX
    assert login(Role.SCHOOL).get(reverse("reports:annual_file", args=[report.pk])).status_code == 404


def test_s3_backup_carries_the_storage_and_restore_puts_it_back(s3, tmp_path):
    name = files.save(ContentFile(b"PK\x03\x04 uploaded"), folder="imports", suffix=".xlsx")
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w") as tar:
        backup._add_media(tar, backup._media_files())
    files.delete(name)
    assert s3() == []
    archive.seek(0)
    with tarfile.open(fileobj=archive) as tar:
        assert tar.getnames() == [backup.MEDIA_PREFIX + name]
        member = tar.getmember(backup.MEDIA_PREFIX + name)
        member.name = name
        tar.extract(member, tmp_path / "restored", filter="data")
    backup._restore_media(tmp_path / "restored")
    assert s3() == [f"emis/{name}"]
    with files.upload_storage().open(name) as handle:
        assert handle.read() == b"PK\x03\x04 uploaded"


def _docx() -> bytes:
    from docx import Document

    document = Document()
    document.add_paragraph("修改后的报告")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


DOCX = _docx()


def docx_upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("通山县2024年度工作报告（修改稿）.docx", DOCX)


def test_the_storage_setting_refuses_what_it_cannot_use(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from config.settings.base import uploads_storage

    with pytest.raises(ImproperlyConfigured, match="local or s3"):
        uploads_storage("ftp")
    monkeypatch.delenv("EMIS_S3_BUCKET", raising=False)
    with pytest.raises(ImproperlyConfigured, match="EMIS_S3_BUCKET|s3 extra"):
        uploads_storage("s3")
