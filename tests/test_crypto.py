"""Children's ID numbers at rest (emis.core.crypto, emis.core.fields): the database, its change log and its
backups hold tokens and keyed hashes, never a number; exact matching works through the hash, partial search
is gone; keys rotate."""

from __future__ import annotations

import base64
import datetime as dt
import hmac
import re
import types

import pytest
from django.apps import apps
from django.core.exceptions import FieldError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from emis.admissions.models import CatchmentException
from emis.common.idnumbers import GENDER_FEMALE, GENDER_MALE
from emis.core import backup, crypto
from emis.core.access import Role
from emis.core.crypto_migrations import encrypt_columns
from emis.core.fields import encrypted_fields
from emis.core.imports import service
from emis.core.imports.engine import run_import
from emis.core.imports.masking import open_report
from emis.core.imports.registry import get_spec
from emis.core.models import ObjectChange
from emis.population.models import PopulationRecord
from emis.rounds.models import Applicant
from emis.staff.models import Staff
from emis.students.models import Student
from emis.testing import build_rounds, id_for, make_student, write_table_file

# An 18-character ID number (or a G/J 学籍号's tail) anywhere in a cell.
ID_RUN = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
HEADER = ["学校标识码", "年级", "班级", "姓名", "性别", "出生日期", "身份证件号", "全国学籍号", "学籍状态"]
NEW_KEY = "b:" + "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI="  # 32 bytes of "B"
NEW_HASH_KEY = "SEhISEhISEhISEhISEhISEhISEhISEhISEhISEhISEg="


def raw_rows(table: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
        return cursor.fetchall()


# A file's SHA-256, a stored upload's name and an API token's SHA-512 digest are hex: a run of 18 decimal digits
# turns up in one now and then.
HEX_DIGEST = re.compile(r"(?<![0-9a-f])(?=[0-9]*[a-f])[0-9a-f]{32,128}(?![0-9a-f])")


# A decimal inside JSON text (a report's duration_seconds) can show 18 digits after its point by chance: drop
# fractions only, so that an ID number written as a float (421224200909253446.0) is still caught.
DECIMAL = re.compile(r"\.\d+")


def plaintext_ids(table: str) -> list[str]:
    # Floats (a duration) are skipped too: their digits are no number's, and an ID number cannot hide in one.
    cells = (
        DECIMAL.sub("", HEX_DIGEST.sub("", str(cell)))
        for row in raw_rows(table)
        for cell in row
        if cell is not None and not isinstance(cell, float)
    )
    return [cell for cell in cells if ID_RUN.search(cell)]


def stored_tokens(model, field: str = "id_number") -> list[str]:
    column = model._meta.get_field(field).column
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {model._meta.db_table} WHERE {column} IS NOT NULL")
        return [value for (value,) in cursor.fetchall() if value]


# Nothing readable at rest -----------------------------------------------------------------------------------


def test_no_table_holds_an_id_number_in_the_clear(county, login, tmp_path):
    # On top of the county built through the ORM: a 中考 round (applicants written in bulk, solved, published),
    # a student import (bulk SQL paths and bulk change records) and a page edit.
    build_rounds(county)
    imported = id_for(dt.date(2018, 2, 2), GENDER_FEMALE)
    path = write_table_file(
        tmp_path, HEADER, [["2142000101", "一年级", "1班", "吴新", "女", "2018-02-02", imported, "", "在读"]]
    )
    report = run_import(get_spec("students"), path, user=county.users[Role.SECTION], school_year=2024, dry_run=False)
    assert report.committed and Student.objects.get(id_number=imported).name == "吴新"
    # An import batch whose report keeps a rejected row's number (the value of its issue) and a sample's.
    refused = id_for(dt.date(2018, 3, 3), GENDER_MALE, sequence=923)
    rows = [
        ["2142000101", "一年级", "1班", "甲", "男", "2018-03-04", refused, f"G{refused}", "在读"],
        ["2142000101", "一年级", "1班", "吴新", "女", "2018-02-02", imported, "", "休学"],
    ]
    upload = SimpleUploadedFile("batch.xlsx", write_table_file(tmp_path, HEADER, rows).read_bytes())
    batch = service.import_batch_create(
        kind="students", upload=upload, school_year=2024, dry_run=True, acting_user=county.users[Role.SECTION]
    )
    batch = service.import_batch_run(batch_id=batch.pk)
    assert batch.report["samples"] and refused in [i["value"] for i in open_report(batch.report)["issues"]]
    client = login(Role.SCHOOL)
    zhang = county.students["张三丰"]
    new_id = id_for(zhang.birth_date, zhang.gender, sequence=77)
    response = client.post(
        reverse("students:student_edit", args=[zhang.pk]),
        {
            "name": zhang.name,
            "gender": zhang.gender,
            "birth_date": zhang.birth_date.isoformat(),
            "id_number": new_id,
            "student_no": f"G{new_id}",
            "current_school": county.school_a1.pk,
        },
    )
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    assert Student.objects.get(pk=zhang.pk).id_number == new_id

    existing = set(connection.introspection.table_names())
    tables = {m._meta.db_table for m in backup.project_models()} & existing
    leaks = {table: plaintext_ids(table) for table in sorted(tables)}
    assert {table: cells for table, cells in leaks.items() if cells} == {}
    # ...while the student table and the change log do hold the numbers, as tokens.
    assert len(stored_tokens(Student)) == len(county.students) + 1
    assert len(stored_tokens(Applicant)) == len(county.applicants) == 4
    assert all(crypto.is_token(t) for t in stored_tokens(Student) + stored_tokens(Student, "student_no"))
    change = ObjectChange.objects.filter(object_id=zhang.pk, changes__has_key="id_number").latest("id")
    assert [crypto.reveal(v) for v in change.changes["id_number"]] == [zhang.id_number, new_id]


def test_an_import_writes_tokens_and_hashes_and_its_rollback_restores_them(county, tmp_path):
    section = county.users[Role.SECTION]
    birth = dt.date(2018, 4, 4)
    old_id = id_for(birth, GENDER_MALE, sequence=611)
    new_id = id_for(birth, GENDER_MALE, sequence=613)
    child = make_student("周小安", county.school_a1, birth=birth, id_number=old_id, student_no="L421224201804040001")
    from emis.testing import make_enrollment

    make_enrollment(child, county.classes["A1"])
    rows = [
        ["2142000101", "一年级", "1班", "周小安", "男", birth.isoformat(), new_id, "L421224201804040001", "在读"],
        [
            "2142000101",
            "一年级",
            "1班",
            "吴新",
            "女",
            "2018-02-02",
            id_for(dt.date(2018, 2, 2), GENDER_FEMALE),
            "",
            "在读",
        ],
    ]
    path = write_table_file(tmp_path, HEADER, rows)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(path.name, path.read_bytes())
    batch = service.import_batch_create(
        kind="students", upload=upload, school_year=2024, dry_run=False, acting_user=section
    )
    batch = service.import_batch_run(batch_id=batch.pk)
    assert batch.counts["changed"] == 1, batch.report
    assert Student.objects.get(id_number=new_id).pk == child.pk
    assert not Student.objects.filter(id_number=old_id).exists()
    assert plaintext_ids(Student._meta.db_table) == [] and plaintext_ids(ObjectChange._meta.db_table) == []

    service.import_batch_rollback(batch=batch, acting_user=section)
    assert Student.objects.get(id_number=old_id).pk == child.pk  # the number and its hash are back
    assert not Student.objects.filter(id_number=new_id).exists()
    assert plaintext_ids(Student._meta.db_table) == [] and plaintext_ids(ObjectChange._meta.db_table) == []


# Matching by hash -------------------------------------------------------------------------------------------


def test_exact_lookups_go_through_the_hash(county):
    zhang = county.students["张三丰"]
    assert Student.objects.get(id_number=zhang.id_number).pk == zhang.pk
    assert Student.objects.get(id_number=zhang.id_number.lower()).pk == zhang.pk  # a final x in either case
    assert Student.objects.get(student_no=zhang.student_no).pk == zhang.pk
    both = [zhang.id_number, county.students["王芳"].id_number, id_for(dt.date(2018, 1, 1), GENDER_MALE)]
    assert Student.objects.filter(id_number__in=both).count() == 2
    # Joins between tables compare hashes: the register entry of the same child.
    assert PopulationRecord.objects.filter(id_number=zhang.id_number).count() == 1
    assert Student.objects.filter(id_number=None).count() == 0
    row = Student.objects.filter(pk=zhang.pk).values("id_number", "id_number_hash").get()
    assert row == {"id_number": zhang.id_number, "id_number_hash": crypto.blind_index(zhang.id_number)}


def test_saving_only_the_number_keeps_its_hash_in_step(county):
    staff = county.staff["孙强"]
    new_id = id_for(staff.birth_date, staff.gender, sequence=333)
    staff.id_number = new_id
    staff.save(update_fields=["id_number"])
    assert Staff.objects.get(id_number=new_id).pk == staff.pk


@pytest.mark.parametrize("lookup", ["startswith", "contains", "icontains", "endswith", "gt", "regex"])
def test_partial_search_on_an_id_number_is_refused(lookup, county):
    with pytest.raises(FieldError):
        list(Student.objects.filter(**{f"id_number__{lookup}": "421224"}))


def test_a_duplicate_id_number_is_reported_on_its_field(county, login):
    client = login(Role.ADMIN)
    taken = county.staff["刘建国"]
    response = client.post(
        reverse("staff:staff_add"),
        {
            "name": "冒名",
            "gender": taken.gender,
            "birth_date": taken.birth_date.isoformat(),
            "id_number": taken.id_number,
            "establishment": taken.establishment,
            "post_school": taken.post_school_id,
            "qualification": taken.qualification,
            "title": taken.title,
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert "id_number" in response.context["form"].errors
    assert Staff.objects.filter(id_number=taken.id_number).count() == 1


# Migration and rotation -------------------------------------------------------------------------------------


def test_the_data_migration_encrypts_rows_written_in_the_clear(county):
    zhang = county.students["张三丰"]
    table = Student._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET id_number = %s, id_number_hash = NULL WHERE id = %s", [zhang.id_number, zhang.pk]
        )
    change = ObjectChange.objects.filter(object_id=zhang.pk, content_type__model="student").latest("id")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {ObjectChange._meta.db_table} SET changes = %s WHERE id = %s",
            [
                ObjectChange._meta.get_field("changes").get_db_prep_save(
                    {"id_number": [None, zhang.id_number]}, connection
                ),
                change.pk,
            ],
        )
    assert plaintext_ids(table)

    # The migration's function, run on the current schema (it reads only the editor's connection).
    editor = types.SimpleNamespace(connection=connection)
    encrypt_columns("students", "Student", {"id_number": "id_number_hash", "student_no": "student_no_hash"}).code(
        apps, editor
    )
    assert plaintext_ids(table) == [] and plaintext_ids(ObjectChange._meta.db_table) == []
    assert Student.objects.get(id_number=zhang.id_number).pk == zhang.pk


def test_rotation_reencrypts_under_the_new_key_and_rehashes(county, settings):
    zhang = county.students["张三丰"]
    old_keys = settings.EMIS_DATA_KEYS
    settings.EMIS_DATA_KEYS = f"{NEW_KEY},{old_keys}"
    # Until the rotation, old tokens still open with the old key, now second in the list.
    assert Student.objects.get(pk=zhang.pk).id_number == zhang.id_number
    call_command("rotate_data_key")
    models = [m for m in apps.get_models() if encrypted_fields(m)]
    for model in models:
        for field in encrypted_fields(model):
            assert {crypto.token_key_id(t) for t in stored_tokens(model, field.name)} <= {"b"}
    changes = ObjectChange.objects.filter(changes__has_key="id_number")
    assert {crypto.token_key_id(v) for c in changes for v in c.changes["id_number"] if v} == {"b"}

    settings.EMIS_DATA_KEYS = NEW_KEY  # the old key retired: everything still opens
    assert Student.objects.get(pk=zhang.pk).id_number == zhang.id_number
    assert CatchmentException.objects.count() == 0 or CatchmentException.objects.first().id_number

    settings.EMIS_HASH_KEY = NEW_HASH_KEY
    assert not Student.objects.filter(id_number=zhang.id_number).exists()  # hashes still under the old key
    call_command("rotate_data_key")
    assert Student.objects.get(id_number=zhang.id_number).pk == zhang.pk
    assert Staff.objects.filter(id_number=county.staff["周红"].id_number).count() == 1

    # A second run has nothing left to do.
    from emis.core.crypto_rotation import rotate

    assert all(r.resealed == 0 and r.rehashed == 0 for r in rotate())


def test_a_token_under_an_unknown_key_fails_loudly(county, settings):
    settings.EMIS_DATA_KEYS = NEW_KEY
    with pytest.raises(crypto.DecryptionError):
        Student.objects.get(pk=county.students["张三丰"].pk)


def test_tokens_differ_for_equal_numbers_and_hashes_do_not():
    number = id_for(dt.date(2018, 3, 5), GENDER_MALE)
    assert crypto.encrypt(number) != crypto.encrypt(number)
    assert crypto.reveal(crypto.encrypt(number)) == number
    assert crypto.blind_index(number) == crypto.blind_index(number.lower()) != crypto.blind_index("G" + number)


def test_a_value_that_only_looks_like_a_token_is_encrypted_not_stored_as_given(county):
    staff = county.staff["孙强"]
    Staff.objects.filter(pk=staff.pk).update(**{"id_number": "dev$not-a-token", "id_number_hash": None})
    assert Staff.objects.get(pk=staff.pk).id_number == "dev$not-a-token"
    assert crypto.is_token(stored_tokens(Staff)[0]) and "not-a-token" not in "".join(stored_tokens(Staff))


def test_remembered_blind_indexes_hash_each_number_once_with_the_same_result(monkeypatch):
    """An import hashes a chunk's numbers for its lookups and again for its writes: inside
    blind_indexes_remembered the second pass costs no HMAC, and every hash is the one blind_index gives."""
    numbers = ["420102201001011234", "42010220100101123X", "", None, "420102201001011234", "42010220100101123x"]
    expected = [crypto.blind_index(n) for n in numbers]
    computed = []
    real_hashing = crypto._blind_indexes
    monkeypatch.setattr(
        crypto, "_blind_indexes", lambda values: computed.extend(v for v in values if v) or real_hashing(values)
    )
    with crypto.blind_indexes_remembered():
        assert crypto.blind_indexes(numbers) == expected
        assert crypto.blind_indexes(reversed(numbers)) == expected[::-1]
    # Three distinct non-empty spellings (the two X's are different inputs that hash alike): three HMACs in all.
    assert len(computed) == 3
    assert expected[1] == expected[5]
    computed.clear()
    assert crypto.blind_indexes(numbers) == expected  # outside: nothing remembered, every value hashed again
    assert len(computed) == 4


@pytest.mark.parametrize("key_bytes", [32, 64, 100])
def test_many_numbers_hash_as_hmac_sha256_of_the_key_whatever_its_length(key_bytes):
    """blind_indexes feeds the key's pads once and copies them; keys longer than SHA-256's block are hashed first
    (RFC 2104). Each result is the one hmac.digest gives."""
    key = bytes(range(7, 7 + key_bytes))
    numbers = [id_for(dt.date(2018, 3, 5), GENDER_MALE, sequence=n) for n in range(5)] + ["g42010220100101123x "]
    with override_settings(EMIS_HASH_KEY=base64.b64encode(key).decode()):
        expected = [
            base64.urlsafe_b64encode(hmac.digest(key, n.strip().upper().encode(), "sha256")[:16]).rstrip(b"=").decode()
            for n in numbers
        ]
        assert crypto.blind_indexes(numbers) == expected
        assert [crypto.blind_index(n) for n in numbers] == expected


def test_reveal_many_opens_a_column_as_reveal_opens_each_value():
    numbers = [id_for(dt.date(2018, 3, 5), GENDER_MALE, sequence=n) for n in range(40)]
    column = [crypto.encrypt(n) for n in numbers] + [None, "", "G" + numbers[0], "plain"]
    assert crypto.reveal_many(column) == [crypto.reveal(v) for v in column]
    assert crypto.reveal_many(column[:40]) == numbers
    token = crypto.encrypt(numbers[0])
    kid, _sep, body = token.partition("$")
    spoiled = kid + "$" + body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
    # A body with a character outside base64url, ASCII or not, is refused like a spoiled one.
    for bad in (spoiled, "nokey$" + body, kid + "$" + body[:-1] + "é", kid + "$" + body[:-1] + "*"):
        with pytest.raises(crypto.DecryptionError):
            crypto.reveal(bad)
        with pytest.raises(crypto.DecryptionError):
            crypto.reveal_many([numbers[1], bad])
