"""One measured run in its own process (bench/pickers/run.py): migrate an empty database, generate a registry of N
pupils in SQL (bench/indicators/generate.py, with varied Chinese names), then time the form pages and the picker's
endpoint through Django's test client and print one line of JSON."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench" / "indicators"))

# Names from characters: a surname and two given-name characters chosen from the pupil's number (kept below 2**31,
# PostgreSQL's integer), so that 8M pupils share names as a province's do; their initials from emis.common.text.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾"
    "肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏飞"
    "鑫宇浩然子轩梓涵欣怡诗雨佳琪思博文俊凯晨阳辰嘉乐瑞天睿泽宁"
)


def _initials(chars: str) -> str:
    from emis.common.text import pinyin_initials

    initials = "".join(pinyin_initials(ch) for ch in chars)
    assert len(initials) == len(chars) == len(set(chars)), chars
    return initials


def name_sql(number: str) -> tuple[str, str]:
    """SQL expressions for (name, initials) of row ``number`` (substr is the same on SQLite and PostgreSQL)."""
    s, g = len(SURNAMES), len(GIVEN)
    parts = (
        (SURNAMES, _initials(SURNAMES), f"({number}) % {s}"),
        (GIVEN, _initials(GIVEN), f"(({number}) / {s}) % {g}"),
        (GIVEN, _initials(GIVEN), f"(({number}) / {s * g}) % {g}"),
    )
    name = " || ".join(f"substr('{chars}', {index} + 1, 1)" for chars, _i, index in parts)
    initials = " || ".join(f"substr('{inits}', {index} + 1, 1)" for _c, inits, index in parts)
    return name, initials


def statements(vendor: str, pupils: int) -> list[tuple[str, str]]:
    from generate import statements as registry_statements

    out = []
    for label, sql in registry_statements(vendor, pupils):
        if label == "students":
            old = "'学生' || n, 'xs'"
            assert old in sql, "bench/indicators/generate.py changed its pupils' names"
            sql = sql.replace(old, "{}, {}".format(*name_sql("(n % 200003) * 7919")))
        elif label == "staff":
            old = "'教师' || n, 'js'"
            assert old in sql, "bench/indicators/generate.py changed its staff names"
            sql = sql.replace(old, "{}, {}".format(*name_sql("(n % 20011) * 104729 + 13")))
        out.append((label, sql))
    return out


def generate(cursor, connection, pupils: int) -> None:
    if connection.vendor == "postgresql":
        cursor.execute("SET session_replication_role = replica")
    for _label, sql in statements(connection.vendor, pupils):
        cursor.execute(sql)
    if connection.vendor == "postgresql":
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute("VACUUM ANALYZE")
    else:
        cursor.execute("ANALYZE")


def timed(fn, repeat: int) -> dict:
    fn()
    fn()  # warm-up
    times, size = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        response = fn()
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (response.status_code, response.content[:300])
        size = len(response.content)
    times.sort()
    return {
        "p50": statistics.median(times),
        "p95": times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
        "bytes": size,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--pupils", type=int, required=True)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--dropdown", action="store_true", help="also time the forms as they were: every row a option")
    parser.add_argument("--generated", action="store_true", help="the database already holds the data: measure only")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ["EMIS_DEBUG"] = "0"
    import django

    django.setup()
    from dataclasses import replace

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from emis.core import registry
    from emis.core.access import Role
    from emis.orgs.models import Division, School
    from emis.staff.models import Staff
    from emis.students.models import Enrollment, Student
    from emis.testing import make_user

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    settings.EMIS_ID_LOOKUP_RATE = "100000/h"
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    if args.generated:
        from emis.accounts.models import User

        User.objects.filter(username__startswith="bench_").delete()  # the accounts of an earlier measurement
    else:
        with connection.cursor() as cursor:
            generate(cursor, connection, args.pupils)
    generate_seconds = time.perf_counter() - started

    county = Division.objects.filter(level="county").order_by("code").first()
    school = School.objects.filter(category="primary", township__code__startswith=county.code).order_by("pk").first()
    users = {
        "admin": make_user("bench_admin", Role.ADMIN),
        "county": make_user(
            "bench_section", Role.SECTION, divisions=[county], domains=["students", "staff"]
        ),  # a county's 股室 account: its 100k pupils
        "school": make_user("bench_school", Role.SCHOOL, schools=[school]),
    }
    clients = {}
    for key, user in users.items():
        clients[key] = Client()
        clients[key].force_login(user)
    enrollment = Enrollment.objects.filter(school=school, is_current=True, school_class__isnull=False).first()
    pupil = Student.objects.filter(current_school=school).order_by("pk").first()
    rare = Student.objects.order_by("-pk").values_list("name", flat=True).first()

    def get(who, url):
        return lambda: clients[who].get(url)

    def pick(who, name, q, **extra):
        return lambda: clients[who].post(f"/core/pick/{name}/", {"q": q, **extra})

    pages = {
        "baseline: 学年 add form (no picker)": get("admin", "/orgs/schoolyear/add/"),
        "enrollment add (admin)": get("admin", "/students/enrollment/add/"),
        "enrollment edit (admin)": get("admin", f"/students/enrollment/{enrollment.pk}/edit/"),
        "enrollment add (county)": get("county", "/students/enrollment/add/"),
        "enrollment add (school)": get("school", "/students/enrollment/add/"),
        "posting add (admin)": get("admin", "/staff/posting/add/"),
        "student add (admin)": get("admin", "/students/student/add/"),
        "pick student 张 (admin)": pick("admin", "student", "张"),
        "pick student zs (admin)": pick("admin", "student", "zs"),
        f"pick student {rare} (admin)": pick("admin", "student", rare),
        "pick student 张伟 (county)": pick("county", "student", "张伟"),
        "pick student w (school)": pick("school", "student", "w"),
        "pick student ID number (admin)": pick("admin", "student", "420001200801010016"),
        "pick staff 王 (admin)": pick("admin", "staff", "王"),
        "pick school 学校1 (admin)": pick("admin", "school", "学校1"),
        "pick class of a school (county)": pick(
            "county", "schoolclass", "", f_school=school.pk, f_school_year=enrollment.school_year_id
        ),
    }
    results = {}
    for label, fn in pages.items():
        results[label] = timed(fn, args.repeat)
    if args.dropdown:
        # The forms as they were: pupils and staff from a dropdown of every row in scope (one run each: slow).
        saved = {r.app: r for r in registry.registrations()}
        with registry.override(*(replace(saved[app], pickables=()) for app in ("students", "staff"))):
            for label, fn in (
                ("before: enrollment add, full dropdown (admin)", get("admin", "/students/enrollment/add/")),
                ("before: posting add, full dropdown (admin)", get("admin", "/staff/posting/add/")),
            ):
                results[label] = timed(fn, 1)
    print(
        json.dumps(
            {
                "pupils": Student.objects.count(),
                "staff": Staff.objects.count(),
                "schools": School.objects.count(),
                "vendor": connection.vendor,
                "generate_seconds": generate_seconds,
                "results": results,
                "pupil": pupil.pk,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
