"""Import batch reports keep no ID number in the clear (issue 10, item 6: children's data at rest).

A batch's report (row issues with their values, 变更示例, reasons per rejected row) and its error are stored
with every ID number and 学籍号 sealed; the batch page and the error workbook open them, in full for the
importing school, masked for 督学 and 局领导. Existing reports are sealed by migration core 0006 and follow a
data key rotation.
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
import re
import types

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from emis.common.idnumbers import GENDER_MALE, mask_id_number
from emis.core import crypto
from emis.core.access import Role
from emis.core.imports import masking, service
from emis.core.imports.engine import _clip
from emis.core.imports.registry import get_spec
from emis.core.models import ImportBatch, ImportStatus
from emis.testing import id_for, make_student, make_user, write_table_file, xlsx_rows

B1 = "2142000301"
HEADER = ["学校标识码", "年级", "班级", "姓名", "性别", "出生日期", "身份证件号", "全国学籍号", "学籍状态"]
# 18 characters of an ID number (or of a 学籍号's tail) anywhere in a stored text.
ID_RUN = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
NEW_KEY = "b:" + "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI="
MIGRATION = importlib.import_module("emis.core.migrations.0006_seal_id_numbers_in_import_reports")


def stored(batch: ImportBatch) -> str:
    """The batch's report and error as the database holds them, less its file's SHA-256 (hex digits may run)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT report, error_message FROM {ImportBatch._meta.db_table} WHERE id = %s", [batch.pk])
        text = " ".join(str(cell) for cell in cursor.fetchone())
    return text.replace(batch.sha256, "")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def b1_batch(county, tmp_path):
    """A dry run by B1's administrator: a row rejected with its valid ID number as the issue's value, and a row
    giving a pupil stored without an ID number one (a sample whose change is the number)."""
    user = make_user("school_b1", Role.SCHOOL, schools=[county.school_b1])
    lin = make_student(
        "林一", county.school_b1, birth=dt.date(2018, 2, 2), id_number=None, student_no="L421224201802020001"
    )
    lin_id = id_for(lin.birth_date, GENDER_MALE, sequence=921)
    bad_id = id_for(dt.date(2018, 3, 3), GENDER_MALE, sequence=923)
    rows = [
        [B1, "一年级", "1班", "甲", "男", "2018-03-04", bad_id, f"G{bad_id}", "在读"],  # birth date disagrees
        [B1, "一年级", "1班", "林一", "男", "2018-02-02", lin_id, lin.student_no, "在读"],
    ]
    path = write_table_file(tmp_path, HEADER, rows)
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    batch = service.import_batch_create(
        kind="students", upload=upload, school_year=2024, dry_run=True, acting_user=user
    )
    batch = service.import_batch_run(batch_id=batch.pk)
    assert batch.status == ImportStatus.REJECTED, batch.report
    return batch, user, (bad_id, lin_id)


def test_a_batch_report_holds_no_id_number_at_rest(b1_batch):
    batch, _user, (bad_id, lin_id) = b1_batch
    at_rest = stored(batch)
    assert not ID_RUN.search(at_rest), at_rest
    assert masking.OPEN_MARK in str(ImportBatch.objects.get(pk=batch.pk).report)
    # ...and the numbers are all there, for whoever may read them.
    opened = masking.open_report(ImportBatch.objects.get(pk=batch.pk).report)
    assert bad_id in [issue["value"] for issue in opened["issues"]]
    assert {"row": 3, "changes": {"id_number": [None, lin_id]}} in opened["samples"]
    assert opened["rejected_rows"]["2"]


def test_the_importing_school_reads_the_numbers_and_reasons_in_full(b1_batch):
    batch, user, (bad_id, lin_id) = b1_batch
    client = client_for(user)
    html = client.get(reverse("core:importbatch_detail", args=[batch.pk])).content.decode()
    assert bad_id in html and lin_id in html and masking.OPEN_MARK not in html
    rows = xlsx_rows(client.get(reverse("core:import_errors", args=[batch.pk])).content)
    [reason_row] = rows[1:]
    assert reason_row[0] == masking.open_text(batch.report["rejected_rows"]["2"]) and "出生日期" in reason_row[0]
    assert bad_id in reason_row


@pytest.mark.parametrize("role", [Role.INSPECTOR, Role.LEADER])
def test_masked_roles_read_the_opened_report_masked(role, b1_batch, county):
    batch, _user, (bad_id, lin_id) = b1_batch
    client = client_for(county.users[role])
    html = client.get(reverse("core:importbatch_detail", args=[batch.pk])).content.decode()
    assert mask_id_number(bad_id) in html and mask_id_number(lin_id) in html
    assert bad_id not in html and lin_id not in html and masking.OPEN_MARK not in html
    cells = [
        str(cell)
        for row in xlsx_rows(client.get(reverse("core:import_errors", args=[batch.pk])).content)
        for cell in row
    ]
    assert "出生日期" in cells[len(HEADER) + 2] and masking.OPEN_MARK not in "".join(cells)
    assert not any(bad_id in cell or lin_id in cell for cell in cells)


def test_sealing_covers_free_text_and_the_sensitive_columns_and_opens_back_exactly():
    number = id_for(dt.date(2018, 3, 3), GENDER_MALE, sequence=925)
    report = {
        "kind": "students",
        "issues": [
            {"row": 2, "column": "身份证件号", "value": number[:17], "reason": "号码位数不对", "level": "error"},
            {"row": 3, "column": "备注", "value": f"见 {number}，学籍号 G{number}", "reason": "x", "level": "warning"},
            {"row": 4, "column": "姓名", "value": "a$b ⟦k$forged⟧", "reason": f"与第 2 行（{number}）重复"},
        ],
        "samples": [{"row": 5, "changes": {"id_number": ["", number], "status": ["enrolled", "suspended"]}}],
        "unknown_columns": [number],  # a file without its header row
        "rejected_rows": {"2": f"身份证件号：{number.lower()}不存在"},
        "file_error": "",
        "counts": {"new": 0},
    }
    sealed = masking.seal_report(report, get_spec("students"))
    assert not ID_RUN.search(str(sealed)) and number[:17] not in str(sealed)  # a sensitive cell whatever it holds
    assert masking.open_report(sealed) == report
    assert masking.seal_report(sealed, get_spec("students")) == sealed  # sealing twice changes nothing
    assert sealed["issues"][2]["value"] == "a$b ⟦k$forged⟧"  # text of the file is never taken for a token


def test_a_clipped_text_keeps_no_part_of_a_number():
    number = id_for(dt.date(2018, 3, 3), GENDER_MALE, sequence=927)
    clipped = _clip("原因" * 45 + number + "。", 100)
    assert clipped.endswith("…") and len(clipped) <= 100 and not re.search(r"[0-9]{7}", clipped)


def test_the_import_command_prints_the_numbers_readably(county, tmp_path):
    bad_id = id_for(dt.date(2018, 3, 3), GENDER_MALE, sequence=929)
    path = write_table_file(
        tmp_path, HEADER, [["2142000101", "一年级", "1班", "甲", "男", "2018-03-04", bad_id, "", "在读"]]
    )
    out = io.StringIO()
    section = county.users[Role.SECTION].username
    with pytest.raises(CommandError):  # a rejected file: the command exits non-zero after printing the report
        call_command("import", "students", str(path), "--year", "2024", "--dry-run", "--as", section, stdout=out)
    assert bad_id in out.getvalue() and masking.OPEN_MARK not in out.getvalue()


def test_the_migration_seals_existing_reports_and_backwards_opens_them(county):
    number = id_for(dt.date(2018, 3, 3), GENDER_MALE, sequence=931)
    plain = {
        "issues": [{"row": 2, "column": "身份证件号", "value": number, "reason": "出生日期不一致", "level": "error"}],
        "samples": [{"row": 3, "changes": {"id_number": [None, number]}}],
        "rejected_rows": {"2": f"身份证件号：{number}"},
    }
    old = ImportBatch.objects.create(
        kind="students",
        file_name="old.xlsx",
        sha256="",
        division_code="421224",
        status=ImportStatus.REJECTED,
        report=plain,
        error_message=f"列“{number}”出现了不止一次。",
    )
    assert ID_RUN.search(stored(old))
    editor = types.SimpleNamespace(connection=connection)
    MIGRATION.seal(apps, editor)
    assert not ID_RUN.search(stored(old))
    MIGRATION.seal(apps, editor)  # run twice: nothing sealed twice
    old.refresh_from_db()
    assert masking.open_report(old.report) == plain and masking.open_text(old.error_message).startswith(f"列“{number}")
    assert number in client_for(county.users[Role.SECTION]).get(old.get_absolute_url()).content.decode()
    MIGRATION.unseal(apps, editor)
    old.refresh_from_db()
    assert old.report == plain


def test_rotation_reseals_reports_under_the_new_key(b1_batch, settings):
    batch, user, (bad_id, _lin_id) = b1_batch
    old_keys = settings.EMIS_DATA_KEYS
    settings.EMIS_DATA_KEYS = f"{NEW_KEY},{old_keys}"
    call_command("rotate_data_key", stdout=io.StringIO())
    batch.refresh_from_db()
    tokens = masking.SEALED.findall(str(batch.report))
    assert tokens and {crypto.token_key_id(token) for token in tokens} == {"b"}
    settings.EMIS_DATA_KEYS = NEW_KEY  # the old key retired: the page still opens the numbers
    assert bad_id in client_for(user).get(reverse("core:importbatch_detail", args=[batch.pk])).content.decode()
