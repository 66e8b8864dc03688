"""One measured step in its own process (so that its peak memory is its own), printing one line of JSON.

--mode setup      migrate an empty database, generate the pupils (bench/indicators/generate.py, SQL only), seal
                  their ID numbers and 学籍号 as real data holds them (AES-GCM tokens), add an administrator
--mode baseline   the same rows read with values_list and written with the csv module: the floor of any export
--mode old        main's export before issue 14 (d75d293), replicated: ObjectExportView's export_columns getters
                  over select_related objects, the whole workbook built in a BytesIO for the response
--mode xlsx|csv   the export now: emis.core.exports, a background job (export_job_create + export_job_run, i.e.
                  the import template's columns, values in chunks, XlsxWriter constant_memory, stored file)
"""

import argparse
import io
import json
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench" / "indicators"))


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--mode", choices=["setup", "baseline", "old", "xlsx", "csv"], required=True)
    parser.add_argument("--pupils", type=int, default=93_000)
    parser.add_argument("--tracemalloc", action="store_true")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ["EMIS_DEBUG"] = "0"
    import django

    django.setup()
    if args.mode == "setup":
        print(json.dumps(setup(args.pupils)))
        return
    from django.urls import get_resolver

    from emis.accounts.models import User

    # As in a web process or a worker that has served before: every app's pages loaded (a background export looks
    # its list up among them), so that the figures below are the export's own.
    get_resolver().url_patterns  # noqa: B018
    user = User.objects.get(username="bench-admin")
    before = rss_mb()
    if args.tracemalloc:
        tracemalloc.start()
    started = time.perf_counter()
    rows, size = MODES[args.mode](user)
    seconds = time.perf_counter() - started
    peak_traced = tracemalloc.get_traced_memory()[1] / 2**20 if args.tracemalloc else None
    print(
        json.dumps(
            {
                "mode": args.mode,
                "rows": rows,
                "seconds": seconds,
                "bytes": size,
                "rss_before_mb": before,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "peak_traced_mb": peak_traced,
            }
        )
    )


def setup(pupils: int) -> dict:
    from django.core.management import call_command
    from django.db import connection, transaction
    from generate import statements

    from emis.accounts.models import User
    from emis.core import crypto
    from emis.students.models import Student

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for _label, sql in statements(connection.vendor, pupils, pupils):
            cursor.execute(sql)
    # The generator writes numbers in the clear; real rows hold tokens that every export decrypts.
    table = Student._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SELECT id, id_number, student_no FROM {table}")
        sealed = [(crypto.seal(i), crypto.seal(n) if n else None, pk) for pk, i, n in cursor.fetchall()]
        cursor.executemany(f"UPDATE {table} SET id_number = %s, student_no = %s WHERE id = %s", sealed)
        cursor.execute("ANALYZE")
    User.objects.create_superuser("bench-admin", password="x", role="admin")
    return {"pupils": Student.objects.count(), "seconds": time.perf_counter() - started}


def student_queryset(user):
    from emis.students.ui import StudentUI

    return StudentUI.queryset(user)


def baseline(user) -> tuple[int, int]:
    import csv
    import tempfile

    fields = (
        "name", "gender", "birth_date", "id_number", "student_no", "current_school__code", "current_school__name",
        "hukou_township__name", "boarder", "poverty_family", "disabled",
    )  # fmt: skip
    rows = 0
    with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(fields)
        for row in student_queryset(user).values_list(*fields).iterator(chunk_size=2000):
            writer.writerow(row)
            rows += 1
        return rows, handle.tell()


def old(user) -> tuple[int, int]:
    """main at d75d293: StudentUI.export_columns and emis.core.exports.xlsx_response, as they were."""
    from emis.core import access
    from emis.core.safe_export import safe_workbook

    columns = [
        ("姓名", lambda o: o.name),
        ("性别", lambda o: o.get_gender_display()),
        ("出生日期", lambda o: o.birth_date),
        ("身份证件号", lambda o: access.display_id(user, o.id_number)),
        ("全国学籍号", lambda o: access.display_id(user, o.student_no)),
        ("学校标识码", lambda o: o.current_school.code if o.current_school else ""),
        ("当前学校", lambda o: o.current_school.name if o.current_school else ""),
        ("户籍乡镇", lambda o: o.hukou_township.name if o.hukou_township else ""),
        ("是否寄宿", lambda o: o.boarder),
        ("是否脱贫家庭", lambda o: o.poverty_family),
        ("是否残疾", lambda o: o.disabled),
    ]

    def cell(value):
        if value is None:
            return ""
        if isinstance(value, bool):
            return "是" if value else "否"
        return value if isinstance(value, int | float) else str(value)

    buffer = io.BytesIO()
    workbook = safe_workbook(buffer, constant_memory=True, in_memory=False)
    sheet = workbook.add_worksheet("学生")
    for col, (title, _) in enumerate(columns):
        sheet.write(0, col, title)
    rows = 0
    for rows, obj in enumerate(student_queryset(user).order_by("pk").iterator(chunk_size=2000), start=1):
        for col, (_, getter) in enumerate(columns):
            sheet.write(rows, col, cell(getter(obj)))
    workbook.close()
    content = buffer.getvalue()  # HttpResponse(buffer.getvalue()): a second copy of the file
    return rows, len(content)


def background(fmt: str):
    def run(user) -> tuple[int, int]:
        from emis.core import exports
        from emis.students.ui import StudentUI

        request = exports.filter_request(user, "")
        total = exports.export_table(StudentUI, request).count()
        job = exports.export_job_create(ui=StudentUI, request=request, fmt=fmt, total=total)
        job = exports.export_job_run(job_id=job.pk)
        if job.status != "done":
            raise SystemExit(job.error_message)
        from emis.core import files

        files.delete(job.file.name)
        return job.rows_done, job.size

    return run


MODES = {"baseline": baseline, "old": old, "xlsx": background("xlsx"), "csv": background("csv")}


if __name__ == "__main__":
    main()
