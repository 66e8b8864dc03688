"""`emis backup` / `emis restore`: a round trip gives back every row of every table, on SQLite and PostgreSQL."""

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from emis.core import backup
from emis.students.models import Student
from emis.testing import build_county

pytestmark = pytest.mark.django_db(transaction=True)


def canonical_dump() -> dict[str, list[tuple]]:
    """Every row of every table the project owns, in primary-key order, as the database returns them."""
    return {
        model._meta.db_table: list(model._base_manager.order_by("pk").values_list())
        for model in backup.project_models()
    }


@pytest.fixture
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    upload = settings.MEDIA_ROOT / "imports" / "2024" / "学生名单.xlsx"
    upload.parent.mkdir(parents=True)
    upload.write_bytes(b"PK\x03\x04 uploaded file")
    return upload


def test_round_trip_restores_every_row_and_the_uploads(tmp_path, media):
    county = build_county()
    before = canonical_dump()
    assert sum(len(rows) for rows in before.values()) > 100
    archive = tmp_path / "emis.tar.gz"

    call_command("backup", out=str(archive))
    assert backup.is_encrypted(archive)  # by default, with a key derived from the data key
    assert "张三丰".encode() not in archive.read_bytes()
    manifest = backup.read_manifest(archive)
    assert manifest.schema["students"] and manifest.tables["students_student"] == len(county.students)

    call_command("flush", interactive=False)
    media.unlink()
    assert canonical_dump()["students_student"] == []

    call_command("restore", str(archive))
    assert canonical_dump() == before
    assert media.read_bytes() == b"PK\x03\x04 uploaded file"
    # Sequences came back too: a new row takes a fresh id instead of colliding with a restored one.
    template = Student.objects.order_by("pk").last()
    template.pk = None
    template.id_number = None
    template.student_no = "L" + "1" * 18
    template.save()
    assert template.pk > max(pk for pk, *_ in before["students_student"])


def test_restore_refuses_a_database_that_has_data(tmp_path, media):
    build_county(with_users=False)
    archive = tmp_path / "emis.tar.gz"
    call_command("backup", out=str(archive), no_media=True, no_encrypt=True)
    assert not backup.is_encrypted(archive)
    before = canonical_dump()
    with pytest.raises(CommandError, match="目标数据库已有数据"):
        call_command("restore", str(archive))
    call_command("restore", str(archive), force=True)
    assert canonical_dump() == before


def test_restore_refuses_another_schema_or_engine(tmp_path):
    build_county(with_users=False)
    archive = tmp_path / "emis.tar.gz"
    call_command("backup", out=str(archive), no_media=True)
    manifest = backup.read_manifest(archive)

    newer = backup.Manifest(**{**manifest.__dict__, "migrations": [*manifest.migrations, "students.9999_future"]})
    with pytest.raises(backup.BackupError, match="数据库结构与当前系统版本不一致.*students.9999_future"):
        backup.check_restorable(newer, force=True)
    older = backup.Manifest(**{**manifest.__dict__, "migrations": manifest.migrations[:-1]})
    with pytest.raises(backup.BackupError, match="数据库结构与当前系统版本不一致"):
        backup.check_restorable(older, force=True)
    other = "postgresql" if manifest.engine == "sqlite" else "sqlite"
    foreign = backup.Manifest(**{**manifest.__dict__, "engine": other})
    with pytest.raises(backup.BackupError, match="不能恢复到"):
        backup.check_restorable(foreign, force=True)


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    bogus = tmp_path / "x.tar.gz"
    bogus.write_bytes(b"not a tar file")
    with pytest.raises(CommandError, match="无法读取备份文件"):
        call_command("restore", str(bogus))


def test_an_encrypted_archive_that_was_altered_truncated_or_needs_another_key_is_refused(
    tmp_path, monkeypatch, settings
):
    monkeypatch.setattr(backup, "CHUNK", 4096)  # many chunks, so that their order and the last one matter
    build_county(with_users=False)
    archive = tmp_path / "emis.emisbak"
    call_command("backup", out=str(archive), no_media=True)
    data = archive.read_bytes()
    assert len(data) > 3 * 4096
    before = canonical_dump()

    altered = tmp_path / "altered.emisbak"
    altered.write_bytes(data[:5000] + bytes([data[5000] ^ 1]) + data[5001:])
    truncated = tmp_path / "truncated.emisbak"
    truncated.write_bytes(cut_after_two_chunks(data))
    for bad in (altered, truncated):
        with pytest.raises(CommandError, match="已损坏、被截断或被改动"):
            call_command("restore", str(bad), force=True)

    with override_settings(EMIS_DATA_KEYS="other:QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI="):
        with pytest.raises(CommandError, match="EMIS_DATA_KEYS 中没有该密钥"):
            call_command("restore", str(archive), force=True)
    assert canonical_dump() == before  # nothing was touched


def cut_after_two_chunks(data: bytes) -> bytes:
    """The archive cut after its second full chunk: every remaining chunk authenticates, but none is the last."""
    kid_length = data[len(backup.MAGIC)]
    header = len(backup.MAGIC) + 1 + kid_length + 16 + 7
    return data[: header + 2 * (4096 + backup.TAG)]
