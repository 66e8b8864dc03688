"""One measured run in its own process: set up a database, import a file twice, print JSON."""

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--file", required=True)
    parser.add_argument("--mode", choices=["parse", "import", "floor"], required=True)
    # The change records the floor writes: compact creations, as imports write them since ADR 0016, or full
    # records with every value (before it), to show what the compact form saves.
    parser.add_argument("--records", choices=["compact", "full"], default="compact")
    args = parser.parse_args()
    if args.mode == "parse":
        print(json.dumps(parse_only(Path(args.file))))
        return
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    user = setup_county()
    if args.mode == "floor":
        print(json.dumps(write_floor(Path(args.file), user, compact=args.records == "compact")))
        return
    from emis.core.imports.engine import run_import
    from emis.core.imports.registry import get_spec
    from emis.core.models import ObjectChange
    from emis.core.stages import collecting

    started = time.perf_counter()
    with collecting() as first_stages:
        first = run_import(get_spec("students"), args.file, user=user, school_year=2020, dry_run=False)
    first_seconds = time.perf_counter() - started
    writes_before = ObjectChange.objects.count()
    started = time.perf_counter()
    with collecting() as second_stages:
        second = run_import(get_spec("students"), args.file, user=user, school_year=2020, dry_run=False)
    second_seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "rows": first.rows_total,
                "first_counts": first.counts,
                "first_seconds": first_seconds,
                "second_counts": second.counts,
                "second_seconds": second_seconds,
                "second_writes": ObjectChange.objects.count() - writes_before,
                "file_error": first.file_error or second.file_error,
                "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "first_stages": first_stages,
                "second_stages": second_stages,
            }
        )
    )


def parse_only(path: Path) -> dict:
    started = time.perf_counter()
    count = 0
    if path.suffix == ".csv":
        import csv

        with open(path, encoding="utf-8-sig", newline="") as handle:
            for _ in csv.reader(handle):
                count += 1
    else:
        import python_calamine

        sheet = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
        for _ in sheet.iter_rows():
            count += 1
    return {
        "rows": count - 1,
        "seconds": time.perf_counter() - started,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def write_floor(path: Path, user, *, compact: bool = True) -> dict:
    """The bare writes of a first import of `path`: its students, enrolments and one change record for each,
    inserted with the same bulk path (COPY on PostgreSQL) from tuples built beforehand, with no parsing, checks
    or lookups, in one transaction. No importer can write these rows faster; the import is compared with it.
    `compact`: the change records are compact creations (what an import writes since ADR 0016); otherwise full
    records with every value, as before it."""
    import datetime as dt

    import orjson
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from django.utils import timezone

    from emis.core.audit import CHANGE_COLUMNS, compact_creation
    from emis.core.bulk import IndexesSetAside, allocate_ids, db_value, insert_rows
    from emis.core.models import ObjectChange
    from emis.core.stages import collecting
    from emis.orgs.models import Division, School, SchoolYear
    from emis.students.importers import STUDENT_FIELDS
    from emis.students.models import Enrollment, Student
    from emis.students.services import ENROLLMENT_COLUMNS, ENROLLMENT_FIELDS

    schools = dict(School.objects.values_list("code", "pk"))
    townships = dict(Division.objects.filter(level="township").values_list("code", "pk"))
    year = SchoolYear.objects.get(start_year=2020)
    grades = {"一年级": "P1", "二年级": "P2", "三年级": "P3", "四年级": "P4", "五年级": "P5", "六年级": "P6"}
    grades |= {"七年级": "J1", "八年级": "J2", "九年级": "J3"}
    if path.suffix == ".csv":
        import csv

        with open(path, encoding="utf-8-sig", newline="") as handle:
            source = list(csv.reader(handle))[1:]
    else:
        import python_calamine

        source = list(python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).iter_rows())[1:]
    student_ids = list(range(1, len(source) + 1))
    students, enrolments, changes = [], [], []
    now = db_value(ObjectChange, "time", timezone.now())
    student_type = ContentType.objects.get_for_model(Student).pk
    enrolment_type = ContentType.objects.get_for_model(Enrollment).pk
    compact_student = compact_creation(STUDENT_FIELDS)
    compact_enrolment = compact_creation(ENROLLMENT_FIELDS)
    for pk, row in zip(student_ids, source, strict=True):
        school = schools[row[0]]
        grade = grades[row[1]]
        birth = dt.date.fromisoformat(str(row[5])[:10])
        gender = "1" if row[4] == "男" else "2"
        student = (
            pk,
            row[3],
            gender,
            birth,
            row[6],
            row[7],
            townships[row[9]],
            False,
            False,
            False,
            school,  # the last of STUDENT_FIELDS: current_school_id
            "",  # name_initials
            "421224",  # county_code
        )
        students.append(student)
        level = "junior" if grade[0] == "J" else "primary"
        enrolments.append((pk, pk, school, year.pk, None, grade, level, "enrolled", year.census_date, True))
        if compact:
            fields, enrolment = compact_student, compact_enrolment
        else:
            fields = {"name": [None, row[3]], "gender": [None, gender], "birth_date": [None, str(birth)]}
            enrolment = {"school_id": [None, school]}
        for object_type, content in ((student_type, fields), (enrolment_type, enrolment)):
            changes.append(
                (
                    now,
                    user.pk,
                    user.username,
                    "import",
                    "",
                    "create",
                    object_type,
                    pk,
                    row[3],
                    orjson.dumps(content).decode(),  # the compact form: the same text each row
                    school,
                    row[9],
                    None,
                )
            )
    started = time.perf_counter()
    with collecting() as stages:
        with transaction.atomic():
            # The plain indexes set aside and built again, as an import decides it (ADR 0020).
            indexes = IndexesSetAside()
            indexes.set_aside((Student, Enrollment, ObjectChange), len(students))
            allocate_ids(Student, len(students))
            insert_rows(Student, ("id", *STUDENT_FIELDS, "name_initials", "county_code"), students)
            insert_rows(Enrollment, ("id", *ENROLLMENT_COLUMNS), enrolments)
            insert_rows(ObjectChange, CHANGE_COLUMNS, changes, prepared=("time", "changes"))
            indexes.restore()
            committed = time.perf_counter()
        stages["commit"] = time.perf_counter() - committed
    return {"seconds": time.perf_counter() - started, "rows": len(source), "stages": stages}


def setup_county():
    """A county with the generator's townships and 200 schools, the 2020 school year and an admin."""
    import datetime as dt

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from generate import SCHOOLS, TOWNSHIPS, school_code

    from emis.accounts.models import User
    from emis.orgs.models import Division, School, SchoolYear

    province = Division.objects.create(code="42", name="湖北省", level="province")
    city = Division.objects.create(code="4212", name="咸宁市", level="city", parent=province)
    county = Division.objects.create(code="421224", name="通山县", level="county", parent=city)
    townships = [
        Division.objects.create(code=code, name=f"乡镇{code[-3:]}", level="township", parent=county)
        for code in TOWNSHIPS
    ]
    SchoolYear.objects.create(start_year=2020, census_date=dt.date(2020, 9, 1), is_current=True)
    School.objects.bulk_create(
        School(
            code=school_code(i),
            name=f"第{i}学校",
            category="nine_year",
            urban_rural="rural",
            township=townships[i % len(townships)],
        )
        for i in range(SCHOOLS)
    )
    return User.objects.create(username="bench", role="admin", is_superuser=True)


if __name__ == "__main__":
    main()
