"""A generated province written with COPY into a fresh, migrated PostgreSQL database (issue 17 item 2).

湖北省 (42) > cities of 50 counties (4201, 4202, ...) > N counties (420101, ...), each with 14 townships and
200 schools (60 kindergartens, 100 primary schools, 28 junior, 6 senior, 6 vocational), `per_county` pupils on the
roll of the current school year (2025) in classes of up to 45, each with one current enrolment, a population
register holding every pupil plus 8% children not in school, and one staff member per 13 pupils
(600k for 8M) with a posting.

Names are drawn as the demo counties draw them (emis.demo.names.NameMaker) with their pinyin keys
(emis.common.text), so name and initial searches hit realistic numbers of rows. ID numbers are valid (county
code, birth date, sequence, check digit), sealed and hashed through emis.core.crypto.seal_many / blind_indexes
as the importers write them; they are never printed.
"""

from __future__ import annotations

import datetime as dt
import random
import time

YEAR = 2025
TOWNSHIPS = 14
# (level, share of the county's pupils, category, schools, grades, age of the first grade)
LEVELS = (
    ("preschool", 0.17, "kindergarten", 60, ("K1", "K2", "K3"), 3),
    ("primary", 0.48, "primary", 100, ("P1", "P2", "P3", "P4", "P5", "P6"), 6),
    ("junior", 0.22, "junior", 28, ("J1", "J2", "J3"), 12),
    ("senior", 0.08, "senior", 6, ("S1", "S2", "S3"), 15),
    ("vocational", 0.05, "vocational", 6, ("V1", "V2", "V3"), 15),
)
SCHOOLS = sum(level[3] for level in LEVELS)
CLASS_SIZE = 45
PROVINCE = "42"
# Cities of 50 counties each (a county's code has two digits within its city): 4201.., 4202.., ...
COUNTIES_PER_CITY = 50


def city_code(c: int) -> str:
    return f"{PROVINCE}{c // COUNTIES_PER_CITY + 1:02d}"


def county_code(c: int) -> str:
    return f"{city_code(c)}{c % COUNTIES_PER_CITY + 1:02d}"


class Copier:
    """COPY rows into a model's table; columns not given take the field's default (as bench/dropouts does)."""

    def __init__(self, model, given: tuple[str, ...]):
        from django.db import connection
        from django.utils import timezone

        fields = [f for f in model._meta.concrete_fields]
        now = timezone.now()
        self.fixed = {}
        for f in fields:
            if f.attname in given:
                continue
            if f.name in ("created_at", "updated_at"):
                self.fixed[f.column] = now
            elif f.has_default():
                value = f.get_db_prep_save(f.get_default(), connection)
                self.fixed[f.column] = getattr(value, "dumps", lambda v: v)(getattr(value, "obj", value))
            elif f.null:
                self.fixed[f.column] = None
            else:
                self.fixed[f.column] = ""
        self.table = model._meta.db_table
        self.given = given
        columns = {f.attname: f.column for f in fields}
        self.columns = [columns[g] for g in given] + list(self.fixed)
        self.tail = tuple(self.fixed.values())

    def write(self, rows) -> int:
        from django.db import connection

        n = 0
        sql = f'COPY "{self.table}" ({", ".join(chr(34) + c + chr(34) for c in self.columns)}) FROM STDIN'
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row + self.tail)
                n += 1
        return n


def build(counties: int, per_county: int, *, seed: int = 17, log=print) -> dict:
    """Write the province; returns counts. Call in an empty migrated database."""
    from django.db import connection, transaction

    from emis.common.idnumbers import id_check_digit
    from emis.common.text import pinyin_initials, pinyin_key, pinyin_sort_key
    from emis.core import crypto
    from emis.demo.names import NameMaker
    from emis.orgs.models import Division, School, SchoolYear
    from emis.population.models import PopulationRecord
    from emis.staff.models import Posting, Staff
    from emis.students.models import Enrollment, SchoolClass, Student
    from emis.students.services import ENROLLMENT_COLUMNS

    rng = random.Random(seed)
    names = NameMaker(rng)
    keys: dict[str, tuple[str, str, str]] = {}

    def key_of(name):
        k = keys.get(name)
        if k is None:
            k = keys[name] = (pinyin_initials(name), pinyin_key(name), pinyin_sort_key(name))
        return k

    started = time.perf_counter()
    counts: dict[str, int] = {}
    with transaction.atomic():
        province = Division.objects.create(code=PROVINCE, name="湖北省", level="province")
        cities = {
            code: Division.objects.create(code=code, name=f"第{code[2:]}市", level="city", parent=province)
            for code in sorted({city_code(c) for c in range(counties)})
        }
        year = SchoolYear.objects.create(start_year=YEAR, census_date=dt.date(YEAR, 9, 1), is_current=True)
        county_divisions = Division.objects.bulk_create(
            Division(code=county_code(c), name=f"第{c + 1}县", level="county", parent=cities[city_code(c)])
            for c in range(counties)
        )
        townships = Division.objects.bulk_create(
            Division(code=f"{county_code(c)}{100 + t:03d}", name=f"第{c + 1}县{t + 1}镇", level="township", parent=cd)
            for c, cd in enumerate(county_divisions)
            for t in range(TOWNSHIPS)
        )
        schools = []
        for c in range(counties):
            slot = 0
            for _level, _share, category, n_schools, _grades, _age in LEVELS:
                for _k in range(n_schools):
                    schools.append(
                        School(
                            code=f"{county_code(c)}{slot:04d}",
                            name=f"第{c + 1}县第{slot + 1}{'幼儿园' if category == 'kindergarten' else '学校'}",
                            category=category,
                            township=townships[c * TOWNSHIPS + slot % TOWNSHIPS],
                            urban_rural=("urban", "town", "rural")[slot % 3],
                        )
                    )
                    slot += 1
        schools = School.objects.bulk_create(schools, batch_size=5000)
    log(f"  divisions and schools   {time.perf_counter() - started:6.1f} s")

    student_copy = Copier(
        Student,
        (
            "id",
            "name",
            "name_initials",
            "name_pinyin",
            "name_sort",
            "gender",
            "birth_date",
            "id_number",
            "id_number_hash",
            "hukou_township_id",
            "current_school_id",
            "county_code",
        ),
    )
    enrol_copy = Copier(Enrollment, ("id", *ENROLLMENT_COLUMNS))
    class_copy = Copier(SchoolClass, ("id", "school_id", "school_year_id", "grade", "name"))
    population_copy = Copier(
        PopulationRecord,
        (
            "id",
            "name",
            "name_initials",
            "gender",
            "birth_date",
            "school_year_id",
            "id_number",
            "id_number_hash",
            "hukou_township_id",
            "source",
        ),
    )
    staff_copy = Copier(
        Staff,
        (
            "id",
            "name",
            "name_initials",
            "gender",
            "birth_date",
            "id_number",
            "id_number_hash",
            "post_school_id",
            "is_active",
        ),
    )
    posting_copy = Copier(Posting, ("id", "staff_id", "school_id", "kind", "start_date"))
    census = dt.date(YEAR, 9, 1)
    pupil_id = population_id = staff_id = class_id = 0
    for c in range(counties):
        t0 = time.perf_counter()
        code = county_code(c)
        county_schools = schools[c * SCHOOLS : (c + 1) * SCHOOLS]
        pupils, classes = [], []
        used: set[str] = set()

        def new_id(birth: dt.date, gender: str, code=code, used=used) -> str:
            while True:
                seq = rng.randrange(0, 500) * 2 + (1 if gender == "1" else 0)
                first17 = f"{code}{birth:%Y%m%d}{seq:03d}"
                if first17 not in used:
                    used.add(first17)
                    return first17 + id_check_digit(first17)

        slot = 0
        for level, share, _category, n_schools, grades, age in LEVELS:
            per_school_grade = max(1, round(share * per_county / n_schools / len(grades)))
            for s in range(n_schools):
                school = county_schools[slot + s]
                for g, grade in enumerate(grades):
                    for k in range(0, per_school_grade, CLASS_SIZE):
                        class_id += 1
                        classes.append((class_id, school.pk, year.pk, grade, f"{g + 1}年级{k // CLASS_SIZE + 1}班"))
                        for _i in range(min(CLASS_SIZE, per_school_grade - k)):
                            gender = "1" if rng.random() < 0.52 else "2"
                            birth = census - dt.timedelta(days=365 * (age + g) + rng.randrange(1, 365))
                            pupils.append((school, class_id, grade, level, gender, birth))
            slot += n_schools
        with transaction.atomic():
            class_copy.write(classes)
            numbers = [new_id(p[5], p[4]) for p in pupils]
            tokens, hashes = crypto.seal_many(numbers), crypto.blind_indexes(numbers)
            student_rows, enrol_rows, population_rows = [], [], []
            for i, (school, klass, grade, level, gender, birth) in enumerate(pupils):
                pupil_id += 1
                population_id += 1
                name = names.name(gender, birth.year)
                initials, full, sort = key_of(name)
                student_rows.append(
                    (
                        pupil_id,
                        name,
                        initials,
                        full,
                        sort,
                        gender,
                        birth,
                        tokens[i],
                        hashes[i],
                        school.township_id,
                        school.pk,
                        code,
                    )
                )
                status = "suspended" if i % 97 == 0 else "enrolled"
                enrol_rows.append((pupil_id, pupil_id, school.pk, year.pk, klass, grade, level, status, census, True))
                population_rows.append(
                    (
                        population_id,
                        name,
                        initials,
                        gender,
                        birth,
                        year.pk,
                        tokens[i],
                        hashes[i],
                        school.township_id,
                        "police",
                    )
                )
            counts["students"] = counts.get("students", 0) + student_copy.write(student_rows)
            counts["enrolments"] = counts.get("enrolments", 0) + enrol_copy.write(enrol_rows)
            # 8% more children of the register on no roll.
            extra = []
            for _k in range(len(pupils) * 8 // 100):
                gender = "1" if rng.random() < 0.52 else "2"
                birth = census - dt.timedelta(days=rng.randrange(3 * 365, 18 * 365))
                extra.append((gender, birth, new_id(birth, gender)))
            extra_tokens = crypto.seal_many([e[2] for e in extra])
            extra_hashes = crypto.blind_indexes([e[2] for e in extra])
            for k, (gender, birth, _number) in enumerate(extra):
                population_id += 1
                name = names.name(gender, birth.year)
                population_rows.append(
                    (
                        population_id,
                        name,
                        key_of(name)[0],
                        gender,
                        birth,
                        year.pk,
                        extra_tokens[k],
                        extra_hashes[k],
                        county_schools[k % SCHOOLS].township_id,
                        "police",
                    )
                )
            counts["population"] = counts.get("population", 0) + population_copy.write(population_rows)
            staff_rows, posting_rows = [], []
            staff_births = [
                census - dt.timedelta(days=rng.randrange(22 * 365, 60 * 365)) for _ in range(len(pupils) // 13)
            ]
            staff_numbers = [new_id(b, "2") for b in staff_births]
            staff_tokens, staff_hashes = crypto.seal_many(staff_numbers), crypto.blind_indexes(staff_numbers)
            for k, birth in enumerate(staff_births):
                staff_id += 1
                name = names.name("2", birth.year)
                school = county_schools[k % SCHOOLS]
                staff_rows.append(
                    (staff_id, name, key_of(name)[0], "2", birth, staff_tokens[k], staff_hashes[k], school.pk, True)
                )
                posting_rows.append((staff_id, staff_id, school.pk, "recruitment", dt.date(2015, 9, 1)))
            counts["staff"] = counts.get("staff", 0) + staff_copy.write(staff_rows)
            posting_copy.write(posting_rows)
        log(
            f"  county {code}: {len(pupils):,} pupils, {len(classes):,} classes, {len(staff_rows):,} staff "
            f"{time.perf_counter() - t0:6.1f} s",
        )
    with connection.cursor() as cursor:
        for model in (Student, Enrollment, SchoolClass, PopulationRecord, Staff, Posting):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{model._meta.db_table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {model._meta.db_table}))"
            )
    counts["classes"] = class_id
    counts["seconds"] = round(time.perf_counter() - started, 1)
    return counts


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
