"""Time 四查三比对 (emis.dropouts.detection.detect) over a 1M-child register, 900k roll pupils and 50k 县外就读 records
(issue 15 item 7: PostgreSQL 10 s or less, SQLite 20 s or less), beside a plain anti-join of the same data.

    .venv/bin/python bench/dropouts/detect.py                    # SQLite (a fresh temporary file)
    .venv/bin/python bench/dropouts/detect.py --postgres postgres://postgres@127.0.0.1:5432/emis_bench_det
    .venv/bin/python bench/dropouts/detect.py --children 100000  # a smaller run

A fresh database is migrated (on PostgreSQL the named database is dropped and created again: give one of your own),
then one county of 20 townships and 300 schools is written in bulk (executemany, ID numbers sealed and hashed by
the bulk helpers of emis.core.crypto), for school year 2021, per 1,000,000 register children:

- 880,000 on a roll of the county (在读), 48,000 verified 县外就读 only, 3,000 辍学, 2,000 休学, 5,000 转出 (2,000
  of them verified outside);
- 6,000 whose roll entry carries another ID: 3,000 with a homophone name (same birth date and gender), 2,000 with
  one digit of the ID mistyped, 1,000 with two adjacent digits swapped;
- 1,000 pupils on two rolls (a second entry with the same name, birth date and gender and a one-digit-off ID);
- 3,000 migrant pupils on the rolls and on no register; 5% of the register outside the age window;
- the rest (about 51,000) on no roll: 适龄未入学.

Then, in the same run: the baseline, a plain anti-join in one SQL statement (the register children of the window
on no roll by ID hash and not verified outside, their ids fetched), best of three; and detect() for the county,
fuzzy matching and duplicates included, best of three. Prints seconds, the ratio to the baseline and the counts.
No threshold here; tests never assert timings.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

COUNTY = "421224"
YEAR = 2021
TOWNSHIPS = 20
SCHOOLS = 300
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
    "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红飞鹏辉建波宁浩宇欣怡子涵梓轩睿博文雅思琪嘉晨俊豪梦瑶佳诗"
# Characters with another of the same reading (tones aside): the homophones of the bench.
HOMOPHONES = {
    "伟": "玮",
    "芳": "方",
    "静": "靖",
    "丽": "莉",
    "军": "君",
    "杰": "洁",
    "明": "鸣",
    "华": "骅",
    "玉": "钰",
    "飞": "菲",
    "鹏": "朋",
    "辉": "晖",
    "宁": "凝",
    "浩": "皓",
    "宇": "雨",
    "欣": "馨",
    "文": "雯",
    "雅": "亚",
    "思": "斯",
    "琪": "琦",
    "嘉": "佳",
    "晨": "辰",
    "俊": "骏",
    "梦": "孟",
    "瑶": "遥",
    "诗": "师",
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", default="")
    parser.add_argument("--children", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--sqlite", default="", help="SQLite file to use (default: a fresh temporary one)")
    parser.add_argument("--reuse", action="store_true", help="time the data already in the database (no rebuild)")
    args = parser.parse_args()
    if args.postgres and not args.reuse:
        parsed = urlparse(args.postgres)
        admin = [
            "-h",
            parsed.hostname or "127.0.0.1",
            "-p",
            str(parsed.port or 5432),
            "-U",
            parsed.username or "postgres",
        ]
        name = parsed.path.lstrip("/")
        subprocess.run(["dropdb", *admin, "--if-exists", name], check=True)
        subprocess.run(["createdb", *admin, name], check=True)
    if args.postgres:
        os.environ["DATABASE_URL"] = args.postgres
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{args.sqlite or tempfile.mkdtemp() + '/bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if args.reuse:
        from emis.orgs.models import SchoolYear

        year = SchoolYear.objects.get(start_year=YEAR)
    else:
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        year = build(args.children)
        print(
            f"data written in {time.perf_counter() - started:.0f} s ({connection.vendor}, {args.children:,} children)"
        )
    print(f"database: {connection.settings_dict['NAME']} ({connection.vendor})")

    from emis.dropouts.detection import detect

    def best(fn):
        """Best wall time of the runs, with the CPU time of this process in that run (SQLite works in-process: on
        a machine shared with other jobs its CPU time varies less than the wall time)."""
        times, value = [], None
        for _run in range(args.runs):
            start, cpu = time.perf_counter(), time.process_time()
            value = fn()
            times.append((time.perf_counter() - start, time.process_time() - cpu))
        return min(times), value

    (base, base_cpu), missing = best(lambda: baseline(year))
    if args.profile:
        import cProfile
        import pstats

        profile = cProfile.Profile()
        profile.enable()
        detect(year, county_code=COUNTY)
        profile.disable()
        pstats.Stats(profile).sort_stats("cumtime").print_stats(25)
    (seconds, cpu), result = best(lambda: detect(year, county_code=COUNTY))
    print(f"register children of the window: {detect(year, county_code=COUNTY, count_examined=True).examined:,}")
    print(
        f"baseline  plain anti-join (ids of {missing:,} children on no roll, not outside): "
        f"{base:.2f} s (cpu {base_cpu:.2f} s)"
    )
    print(
        f"detect()  {len(result.flags):,} flagged, {len(result.duplicates):,} duplicates: "
        f"{seconds:.2f} s (cpu {cpu:.2f} s)"
    )
    print(f"ratio     {seconds / base:.1f} x baseline")
    print("counts    " + ", ".join(f"{k} {v:,}" for k, v in result.counts().items()))


def baseline(year) -> int:
    """The register children of the window with no on-roll enrolment by ID hash and no 县外就读 record: one SQL
    statement, its ids fetched."""
    from django.db import connection

    from emis.dropouts.detection import age_window

    low, high = age_window(year.start_year)
    # On SQLite "+" keeps the (school year, birth date) index out: a straight read of the table is faster for a
    # window holding nine in ten of the rows (detect() reads it so too); PostgreSQL's planner chooses itself.
    birth = "+p.birth_date" if connection.vendor == "sqlite" else "p.birth_date"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT p.id FROM population_populationrecord p
            WHERE p.school_year_id = %s AND {birth} BETWEEN %s AND %s
              AND NOT EXISTS (
                SELECT 1 FROM students_student s JOIN students_enrollment e ON e.student_id = s.id
                WHERE s.id_number_hash = p.id_number_hash AND e.school_year_id = %s AND e.is_current
                  AND e.status IN ('enrolled', 'transferred_in'))
              AND NOT EXISTS (
                SELECT 1 FROM population_outsideenrollment o
                WHERE o.school_year_id = %s AND o.id_number_hash = p.id_number_hash)
            """,
            [year.pk, low, high, year.pk, year.pk],
        )
        return len(cursor.fetchall())


def _ids(rng, n: int, window: tuple[dt.date, dt.date]):
    """n distinct valid ID numbers of the county with their birth dates and genders."""
    from emis.common.idnumbers import id_check_digit

    low, high = window
    span = (high - low).days + 1
    seen = set()
    out = []
    while len(out) < n:
        birth = low + dt.timedelta(days=rng.randrange(span))
        seq = rng.randrange(1000)
        first17 = f"{COUNTY}{birth:%Y%m%d}{seq:03d}"
        if first17 in seen:
            continue
        seen.add(first17)
        out.append((first17 + id_check_digit(first17), birth, "1" if seq % 2 else "2"))
    return out, seen


def _other_id(rng, number: str, seen: set, how: str) -> str:
    from emis.common.idnumbers import id_check_digit

    while True:
        if how == "typo":
            position = rng.randrange(6, 17)
            new = number[:position] + str((int(number[position]) + rng.randrange(1, 10)) % 10) + number[position + 1 :]
        elif how == "swap":
            position = rng.randrange(6, 16)
            if number[position] == number[position + 1]:
                continue
            new = number[:position] + number[position + 1] + number[position] + number[position + 2 :]
        else:  # a fresh number with the same birth date and gender
            new = number[:14] + f"{(int(number[14:17]) + 2 * rng.randrange(1, 400)) % 1000:03d}"
        first17 = new[:17]
        if first17 in seen:
            continue
        seen.add(first17)
        # A typo or swap in the check digit's input keeps the written check digit: the ID stays one edit away.
        return first17 + (number[17] if how in ("typo", "swap") else id_check_digit(first17))


def _insert(model, rows: list[dict], batch: int = 20_000) -> None:
    """executemany of `rows` (dicts with the same keys) into model's table; other columns take their defaults."""
    from django.db import connection
    from django.utils import timezone

    if not rows:
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    given = set(rows[0])
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    fixed = {}
    for f in fields:
        if f.attname in given:
            continue
        if f.name in ("created_at", "updated_at"):
            fixed[f.attname] = now
        elif f.has_default():
            fixed[f.attname] = f.get_db_prep_save(f.get_default(), connection)
        elif f.null:
            fixed[f.attname] = None
        else:
            fixed[f.attname] = ""
    columns = [f.attname for f in fields]
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        connection.ops.quote_name(model._meta.db_table),
        ", ".join(connection.ops.quote_name(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            cursor.executemany(
                sql, [[row[c] if c in row else fixed[c] for c in columns] for row in rows[start : start + batch]]
            )


def build(n: int):
    from django.db import connection, transaction

    from emis.common.text import pinyin_initials, pinyin_key, pinyin_sort_key
    from emis.core import crypto
    from emis.dropouts.detection import age_window
    from emis.orgs.models import Division, School, SchoolYear
    from emis.population.models import OutsideEnrollment, PopulationRecord
    from emis.students.models import Enrollment, Student

    rng = random.Random(15)
    scale = n / 1_000_000
    counts = {
        key: int(value * scale)
        for key, value in {
            "on_roll": 880_000,
            "outside": 48_000,
            "dropped_out": 3_000,
            "suspended": 2_000,
            "transferred_outside": 2_000,
            "transferred_out": 3_000,
            "homophone": 3_000,
            "typo": 2_000,
            "swap": 1_000,
        }.items()
    }
    duplicates, migrants = int(1_000 * scale), int(3_000 * scale)
    with transaction.atomic():
        province = Division.objects.create(code="42", name="湖北省", level="province")
        city = Division.objects.create(code="4212", name="咸宁市", level="city", parent=province)
        county = Division.objects.create(code=COUNTY, name="通山县", level="county", parent=city)
        townships = [
            Division.objects.create(code=f"{COUNTY}{100 + i:03d}", name=f"第{i + 1}镇", level="township", parent=county)
            for i in range(TOWNSHIPS)
        ]
        villages = [
            Division.objects.create(code=f"{t.code}{j + 1:03d}", name=f"{t.name}{j + 1}村", level="village", parent=t)
            for t in townships
            for j in range(10)
        ]
        schools = [
            School.objects.create(
                code=f"{2142000000 + i:010d}",
                name=f"第{i + 1}学校",
                category="nine_year" if i % 5 == 0 else ("primary" if i % 2 else "junior"),
                township=townships[i % TOWNSHIPS],
                urban_rural="rural",
            )
            for i in range(SCHOOLS)
        ]
        year = SchoolYear.objects.create(start_year=YEAR, census_date=dt.date(YEAR, 9, 1), is_current=True)

    low, high = age_window(YEAR)
    people, seen = _ids(rng, n, (low - dt.timedelta(days=200), high + dt.timedelta(days=200)))
    given = GIVEN
    names = [rng.choice(SURNAMES) + "".join(rng.choice(given) for _ in range(rng.choice((1, 2, 2)))) for _ in range(n)]
    keys = {}

    def key_of(name):
        if name not in keys:
            keys[name] = (pinyin_initials(name), pinyin_key(name), pinyin_sort_key(name))
        return keys[name]

    students, enrolments, outside = [], [], []
    order = list(range(n))
    rng.shuffle(order)
    cursor_at = 0

    def take(k):
        nonlocal cursor_at
        chosen = order[cursor_at : cursor_at + k]
        cursor_at += k
        return chosen

    def student(number, name, birth, gender, school, status="enrolled", student_no="auto"):
        initials, full, sort = key_of(name)
        students.append(
            {
                "name": name,
                "name_initials": initials,
                "name_pinyin": full,
                "name_sort": sort,
                "gender": gender,
                "birth_date": birth.isoformat(),
                "id_number": number,
                "student_no": ("G" + number) if student_no == "auto" and number else student_no,
                "current_school_id": school.pk,
                "county_code": COUNTY,
            }
        )
        enrolments.append((status, school.pk, birth))

    for status, key in (
        ("enrolled", "on_roll"),
        ("dropped_out", "dropped_out"),
        ("suspended", "suspended"),
        ("transferred_out", "transferred_outside"),
        ("transferred_out", "transferred_out"),
    ):
        for i in take(counts[key]):
            number, birth, gender = people[i]
            student(number, names[i], birth, gender, schools[i % SCHOOLS], status)
            if key == "transferred_outside":
                outside.append(i)
    outside.extend(take(counts["outside"]))
    for how in ("homophone", "typo", "swap"):
        for i in take(counts[how]):
            number, birth, gender = people[i]
            name = names[i]
            if how == "homophone":
                name = names[i][0] + "".join(HOMOPHONES.get(c, c) for c in names[i][1:])
                if name == names[i]:
                    names[i] = names[i][0] + "伟"
                    name = names[i][0] + "玮"
                other = _other_id(rng, number, seen, "fresh")
                student(other, name, birth, gender, schools[i % SCHOOLS])
            else:
                other = _other_id(rng, number, seen, how)
                student(other, name, birth, gender, schools[i % SCHOOLS], student_no="G" + other)
    # Duplicates: a second roll entry of an on-roll child, same name, birth date and gender, ID one digit off.
    for k in range(duplicates):
        first = students[k * 7]
        other = _other_id(rng, first["id_number"], seen, "typo")
        student(
            other,
            first["name"],
            dt.date.fromisoformat(first["birth_date"]),
            first["gender"],
            schools[(k + 1) % SCHOOLS],
        )
    for _k in range(migrants):
        number = f"420100{2012:04d}0101{rng.randrange(1000):03d}"
        number = number[:17] + "0"
        if number[:17] in seen:
            continue
        seen.add(number[:17])
        student(number, rng.choice(SURNAMES) + rng.choice(given), dt.date(2012, 1, 1), "1", schools[0])

    def sealed(values):
        return crypto.seal_many(values), crypto.blind_indexes(values)

    started = time.perf_counter()
    with transaction.atomic():
        for start in range(0, n, 100_000):
            chunk = range(start, min(n, start + 100_000))
            tokens, hashes = sealed([people[i][0] for i in chunk])
            rows = []
            for j, i in enumerate(chunk):
                number, birth, gender = people[i]
                township = townships[i % TOWNSHIPS]
                rows.append(
                    {
                        "school_year_id": year.pk,
                        "name": names[i],
                        "name_initials": key_of(names[i])[0],
                        "gender": gender,
                        "birth_date": birth.isoformat(),
                        "id_number": tokens[j],
                        "id_number_hash": hashes[j],
                        "hukou_township_id": township.pk,
                        "hukou_village_id": villages[(i % TOWNSHIPS) * 10 + (i // TOWNSHIPS) % 10].pk,
                        "source": "police",
                    }
                )
            _insert(PopulationRecord, rows)
        print(f"  register written ({time.perf_counter() - started:.0f} s)")
        for start in range(0, len(students), 100_000):
            chunk = students[start : start + 100_000]
            tokens, hashes = sealed([s["id_number"] for s in chunk])
            numbers, number_hashes = sealed([s["student_no"] for s in chunk])
            for j, s in enumerate(chunk):
                s.update(
                    id_number=tokens[j],
                    id_number_hash=hashes[j],
                    student_no=numbers[j],
                    student_no_hash=number_hashes[j],
                )
            _insert(Student, chunk)
        print(f"  {len(students):,} pupils written ({time.perf_counter() - started:.0f} s)")
        with connection.cursor() as cursor:
            cursor.execute("SELECT min(id) FROM students_student")
            first_id = cursor.fetchone()[0]
        census = dt.date(YEAR, 9, 1)
        rows = []
        for k, (status, school_id, birth) in enumerate(enrolments):
            age = YEAR - birth.year - (1 if (birth.month, birth.day) > (8, 31) else 0)
            grade_index = min(max(age - 6, 0), 8)
            grade = ("P1", "P2", "P3", "P4", "P5", "P6", "J1", "J2", "J3")[grade_index]
            rows.append(
                {
                    "student_id": first_id + k,
                    "school_id": school_id,
                    "school_year_id": year.pk,
                    "grade": grade,
                    "level": "primary" if grade_index < 6 else "junior",
                    "status": status,
                    "status_date": census.isoformat(),
                    "is_current": True,
                }
            )
        _insert(Enrollment, rows)
        print(f"  enrolments written ({time.perf_counter() - started:.0f} s)")
        tokens, hashes = sealed([people[i][0] for i in outside])
        _insert(
            OutsideEnrollment,
            [
                {
                    "school_year_id": year.pk,
                    "id_number": tokens[j],
                    "id_number_hash": hashes[j],
                    "name": names[i],
                    "name_initials": key_of(names[i])[0],
                    "county_code": COUNTY,
                    "hukou_township_id": townships[i % TOWNSHIPS].pk,
                    "school_name": "武汉市某学校",
                    "region": "湖北省武汉市",
                    "verified_on": census.isoformat(),
                }
                for j, i in enumerate(outside)
            ],
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"  {len(outside):,} outside records written, analysed ({time.perf_counter() - started:.0f} s)")
    return year


if __name__ == "__main__":
    main()
