"""List exports (emis.core.exports): the import template's columns first, so that a file exported, corrected and
imported back changes what was corrected; read-only columns after them, skipped by the importer; ID numbers masked
as the role sees them and refused when imported back masked; large exports in the background with their progress,
downloaded only by the user who asked, audited, and cleaned up."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from emis.common.idnumbers import mask_id_number
from emis.core import exports
from emis.core.access import Role
from emis.core.imports.engine import READ_ONLY_MARK, run_import
from emis.core.imports.registry import get_spec, kinds
from emis.core.models import AuditEvent, ExportJob, ExportStatus
from emis.orgs.models import Division, School
from emis.population.models import OutsideEnrollment, PopulationRecord
from emis.staff.models import Staff
from emis.students.models import SchoolClass, Student
from emis.testing import body_bytes, csv_rows, make_student, report_counts, write_table_file, xlsx_rows

# Each import kind: the list exported, the role that exports and imports it back, the filters, and the edit made
# (the row's key column and value, the column changed and its new value) with how to read the change back.
ROUND_TRIPS = {
    "students": ("students:student_list", Role.SCHOOL, {}, ("姓名", "李小梅"), ("班级", "2班")),
    "staff": ("staff:staff_list", Role.SCHOOL, {}, ("姓名", "刘建国"), ("任教学科", "数学")),
    "population": ("population:populationrecord_list", Role.TOWNSHIP, {}, ("姓名", "张三丰"), ("姓名", "张三峰")),
    "outside": (
        "population:outsideenrollment_list",
        Role.TOWNSHIP,
        {},
        ("姓名", "吴外读"),
        ("就读学校名称", "咸宁市实验小学"),
    ),
    "schools": ("orgs:school_list", Role.ADMIN, {}, ("学校标识码", "2142000101"), ("学位数", "900")),
    "divisions": ("orgs:division_list", Role.ADMIN, {}, ("区划代码", "421224101001"), ("名称", "石门社区")),
    "aid_eligibility": ("aid:recognition_list", Role.ADMIN, {}, ("姓名", "张三丰"), ("认定来源", "民政")),
    "tutoring_institutions": (
        "tutoring:institution_list",
        Role.ADMIN,
        {},
        ("机构名称", "通羊学而思培训学校"),
        ("黑白名单", "白名单"),
    ),
}


def _aid_recognition(county):
    from emis.aid.models import Recognition

    child = county.students["张三丰"]
    return Recognition.objects.create(
        id_number=child.id_number,
        name=child.name,
        category="poverty",
        recognised_on=dt.date(2024, 9, 10),
        source="rural",
        county_code="421224",
        township_code="421224100",
    )


# Rows a kind's list needs beyond the small county's (made at the start of the test).
def _tutoring_institutions(county):
    from emis.tutoring.tests.conftest import setup_institutions

    return setup_institutions(county)


SETUP = {"aid_eligibility": _aid_recognition, "tutoring_institutions": _tutoring_institutions}


def _export_url(list_name: str, fmt: str = "xlsx") -> str:
    return reverse(list_name.replace("_list", "_export"), args=[fmt])


def _changed(kind, county):
    """The stored value the round trip's edit should have changed."""
    if kind == "students":
        enrollment = county.students["李小梅"].enrollments.get(is_current=True, school_year=county.year)
        return enrollment.school_class.name
    if kind == "staff":
        return Staff.objects.get(pk=county.staff["刘建国"].pk).subject
    if kind == "population":
        return PopulationRecord.objects.get(pk=county.population["张三丰"].pk).name
    if kind == "outside":
        return OutsideEnrollment.objects.get(pk=county.outside["A"].pk).school_name
    if kind == "schools":
        return School.objects.get(pk=county.school_a1.pk).capacity
    if kind == "tutoring_institutions":
        from emis.tutoring.models import Institution

        return Institution.objects.get(name="通羊学而思培训学校").get_list_mark_display()
    if kind == "aid_eligibility":
        from emis.aid.models import Recognition

        return Recognition.objects.get(name="张三丰").get_source_display()
    return Division.objects.get(pk=county.village_b.pk).name


EXPECTED_AFTER = {
    "students": "2班",
    "staff": "数学",
    "population": "张三峰",
    "outside": "咸宁市实验小学",
    "schools": 900,
    "divisions": "石门社区",
    "aid_eligibility": "民政",
    "tutoring_institutions": "白名单",
}


def test_every_import_kind_is_round_tripped_here():
    assert set(ROUND_TRIPS) == set(kinds())


@pytest.mark.parametrize("kind", sorted(ROUND_TRIPS))
def test_export_has_the_template_columns_first_then_read_only_ones(kind, county, login):
    if kind in SETUP:
        SETUP[kind](county)
    list_name, role, params, _key, _edit = ROUND_TRIPS[kind]
    spec = get_spec(kind)
    for fmt in ("xlsx", "csv"):
        response = login(role).get(_export_url(list_name, fmt), params)
        assert response.status_code == 200
        rows = xlsx_rows(response) if fmt == "xlsx" else csv_rows(response)
        header = rows[0]
        template = [column.header for column in spec.columns]
        assert header[: len(template)] == template
        extras = header[len(template) :]
        assert extras == [f"{name}{READ_ONLY_MARK}" for _key, name in spec.export_extras]
        assert len(rows) > 1


@pytest.mark.parametrize("kind", sorted(ROUND_TRIPS))
def test_an_exported_file_corrected_and_imported_back_changes_what_was_corrected(kind, county, login, tmp_path):
    if kind in SETUP:
        SETUP[kind](county)
    list_name, role, params, (key_column, key_value), (column, value) = ROUND_TRIPS[kind]
    user = county.users[role]
    rows = xlsx_rows(login(role).get(_export_url(list_name), params))
    header, body = rows[0], rows[1:]
    key_at, edit_at = header.index(key_column), header.index(column)
    edited = [
        [value if i == edit_at and row[key_at] == key_value else cell for i, cell in enumerate(row)] for row in body
    ]
    assert edited != body, f"{key_value} not in the export"
    path = write_table_file(tmp_path, header, edited)
    spec = get_spec(kind)
    school_year = county.year.start_year
    dry = run_import(spec, path, user=user, school_year=school_year, dry_run=True)
    assert not dry.file_error, dry.file_error
    assert dry.counts["rejected"] == 0, [(i.row, i.column, i.reason) for i in dry.issues]
    assert dry.counts["changed"] == 1 and dry.counts["new"] == 0, report_counts(dry)
    # The read-only columns are skipped, not reported as unknown.
    assert dry.unknown_columns == []
    report = run_import(spec, path, user=user, school_year=school_year, dry_run=False)
    assert report.committed and report.counts["rejected"] == 0
    assert _changed(kind, county) == EXPECTED_AFTER[kind]
    # And the file imported again changes nothing more.
    again = run_import(spec, path, user=user, school_year=school_year, dry_run=True)
    assert again.counts["changed"] == 0 and again.counts["rejected"] == 0, report_counts(again)


def test_student_rows_are_written_as_the_importer_reads_them(county, login):
    rows = xlsx_rows(login(Role.SCHOOL).get(_export_url("students:student_list"), {"q": "zsf"}))
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    student = county.students["张三丰"]
    assert row["学校标识码"] == county.school_a1.code
    assert row["年级"] == "一年级" and row["班级"] == "1班" and row["学籍状态"] == "在读"
    assert row["性别"] == "男" and row["出生日期"] == student.birth_date.isoformat()
    assert row["身份证件号"] == student.id_number and row["全国学籍号"] == student.student_no
    assert row["是否寄宿"] == "否"
    assert row[f"学年{READ_ONLY_MARK}"] == str(county.year)
    assert row[f"当前学校{READ_ONLY_MARK}"] == county.school_a1.name


def test_a_school_exports_only_its_own_pupils(county, login):
    rows = xlsx_rows(login(Role.SCHOOL).get(_export_url("students:student_list")))
    names = sorted(row[rows[0].index("姓名")] for row in rows[1:])
    assert names == ["张三丰", "李小梅"]
    codes = {row[0] for row in rows[1:]}
    assert codes == {county.school_a1.code}


def test_the_export_honours_the_list_filters(county, login):
    client = login(Role.ADMIN)
    everyone = xlsx_rows(client.get(_export_url("students:student_list")))
    girls = xlsx_rows(client.get(_export_url("students:student_list"), {"gender": "2"}))
    school = xlsx_rows(client.get(_export_url("students:student_list"), {"current_school": county.school_b1.pk}))
    assert len(everyone) - 1 == Student.objects.count()
    name = everyone[0].index("姓名")
    assert sorted(r[name] for r in girls[1:]) == sorted(s.name for s in Student.objects.filter(gender="2"))
    assert sorted(r[name] for r in school[1:]) == ["王芳", "赵思飞"]


@pytest.mark.parametrize("role", [Role.LEADER, Role.INSPECTOR])
def test_id_numbers_are_masked_in_exports_for_roles_that_see_them_masked(role, county, login):
    response = login(role).get(_export_url("students:student_list"))
    rows = xlsx_rows(response)
    student = county.students["赵思飞"]
    ids = [row[rows[0].index("身份证件号")] for row in rows[1:]]
    assert mask_id_number(student.id_number) in ids
    assert all("*" in value for value in ids)
    assert student.id_number.encode() not in body_bytes(response)


def test_a_masked_export_imported_back_is_refused_with_a_clear_message(county, login, tmp_path, settings):
    """A role that writes pupils but sees ID numbers masked (by settings) cannot round-trip the ID columns: every
    row is refused on them, in Chinese, and nothing is written (a masked number never reaches the database)."""
    settings.EMIS_ROLES_SEEING_FULL_ID = ("section", "township")
    rows = xlsx_rows(login(Role.SCHOOL).get(_export_url("students:student_list")))
    assert all("*" in row[rows[0].index("身份证件号")] for row in rows[1:])
    path = write_table_file(tmp_path, rows[0], rows[1:])
    before = sorted(Student.objects.values_list("pk", "id_number", "student_no"))
    report = run_import(get_spec("students"), path, user=county.users[Role.SCHOOL], school_year=2024, dry_run=False)
    assert not report.committed and report.counts["rejected"] == len(rows) - 1
    reasons = {(issue.column, issue.reason) for issue in report.issues}
    assert any(column == "身份证件号" and "隐去" in reason for column, reason in reasons), reasons
    assert any(column == "全国学籍号" and "隐去" in reason for column, reason in reasons), reasons
    assert sorted(Student.objects.values_list("pk", "id_number", "student_no")) == before


# Background exports -----------------------------------------------------------------------------------------


@pytest.fixture
def small_sync_limit(settings):
    settings.EMIS_EXPORT_SYNC_MAX_ROWS = 0


def test_a_large_export_runs_as_a_task_with_progress_and_a_download(
    county, login, small_sync_limit, django_capture_on_commit_callbacks
):
    client = login(Role.SCHOOL)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(_export_url("students:student_list"), {"gender": "1"})
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert job.status == ExportStatus.DONE and job.rows_done == 1 and job.user == county.users[Role.SCHOOL]
    page = client.get(job.get_absolute_url())
    assert page.status_code == 200 and reverse("core:export_download", args=[job.pk]) in page.content.decode()
    events = AuditEvent.objects.filter(event=exports.DOWNLOAD_EVENT).count()
    download = client.get(reverse("core:export_download", args=[job.pk]))
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    rows = xlsx_rows(download)
    assert [row[rows[0].index("姓名")] for row in rows[1:]] == ["张三丰"]  # the filter holds in the task too
    assert AuditEvent.objects.filter(event=exports.DOWNLOAD_EVENT).count() == events + 1
    event = AuditEvent.objects.filter(event=exports.DOWNLOAD_EVENT).latest("pk")
    assert event.data["job"] == job.pk and event.data["rows"] == 1 and event.school_id == county.school_a1.pk
    # Anyone else: 404, the administrator included.
    for role in (Role.ADMIN, Role.TOWNSHIP, Role.LEADER):
        other = login(role)
        assert other.get(job.get_absolute_url()).status_code == 404
        assert other.get(reverse("core:export_download", args=[job.pk])).status_code == 404
    assert job.get_absolute_url() in client.get(reverse("core:export_list")).content.decode()


def test_the_list_page_button_shows_the_progress_in_place(county, login, small_sync_limit):
    """From the list page (htmx) a large export answers its progress card, which polls itself while it runs."""
    client = login(Role.ADMIN)
    response = client.get(_export_url("students:student_list"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    job = ExportJob.objects.get()
    html = response.content.decode()
    assert 'data-testid="export-card"' in html and f'hx-get="{job.get_absolute_url()}"' in html
    # Running: the rows written so far, from the shared cache.
    ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.RUNNING, rows_total=5)
    cache.set(exports._progress_key(job.pk), 3)
    card = client.get(job.get_absolute_url(), headers={"HX-Request": "true"}).content.decode()
    assert 'data-testid="export-progress"' in card and "width: 60%" in card and "3 / 5" in card
    # Clicking again while it runs gives the same job, not a second one.
    client.get(_export_url("students:student_list"), headers={"HX-Request": "true"})
    assert ExportJob.objects.count() == 1
    exports.export_job_run(job_id=job.pk)  # not pending any more: left as it is
    ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.PENDING)
    done = exports.export_job_run(job_id=job.pk)
    assert done.status == ExportStatus.DONE and done.rows_done == Student.objects.count()
    card = client.get(job.get_absolute_url(), headers={"HX-Request": "true"}).content.decode()
    assert "hx-get" not in card and 'data-testid="export-download"' in card


def test_a_small_export_from_the_button_is_fetched_by_the_browser(county, login):
    response = login(Role.SCHOOL).get(
        _export_url("students:student_list"), {"q": "zsf"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 204 and response["HX-Redirect"].endswith("?q=zsf")
    assert not ExportJob.objects.exists()


def test_a_job_is_written_in_the_scope_its_user_has_when_it_runs(county, login, small_sync_limit):
    client = login(Role.TOWNSHIP)
    client.get(_export_url("students:student_list"))
    job = ExportJob.objects.get()
    exports.export_job_run(job_id=job.pk)
    rows = xlsx_rows(client.get(reverse("core:export_download", args=[job.pk])))
    assert {row[0] for row in rows[1:]} <= {county.school_a1.code, county.teaching_point.code, county.school_a2.code}
    assert sorted(row[rows[0].index("姓名")] for row in rows[1:]) == ["张三丰", "李小梅", "陈明"]


def test_csv_exports_run_in_the_background_too(county, login, small_sync_limit):
    client = login(Role.ADMIN)
    client.get(_export_url("staff:staff_list", "csv"))
    job = exports.export_job_run(job_id=ExportJob.objects.get().pk)
    rows = csv_rows(client.get(reverse("core:export_download", args=[job.pk])))
    assert rows[0][0] == "身份证件号" and len(rows) - 1 == Staff.objects.count()


def test_old_export_files_are_purged(county, login, small_sync_limit):
    from emis.core import files

    client = login(Role.SCHOOL)
    client.get(_export_url("students:student_list"))
    job = exports.export_job_run(job_id=ExportJob.objects.get().pk)
    name = job.file.name
    assert files.exists(name)
    assert exports.purge_expired_exports()["expired_files"] == 0
    ExportJob.objects.filter(pk=job.pk).update(finished_at=timezone.now() - timedelta(days=2))
    assert exports.purge_expired_exports()["expired_files"] == 1
    job.refresh_from_db()
    assert job.status == ExportStatus.EXPIRED and not files.exists(name)
    assert client.get(reverse("core:export_download", args=[job.pk])).status_code == 404
    # A job a dead worker left running for hours is closed.
    stuck = ExportJob.objects.create(user=county.users[Role.SCHOOL], list_name="x", fmt="xlsx", title="x")
    ExportJob.objects.filter(pk=stuck.pk).update(created_at=timezone.now() - timedelta(days=1))
    assert exports.purge_expired_exports()["stalled_jobs"] == 1


def test_a_former_pupil_has_no_enrolment_columns_and_the_import_says_why(county, login, tmp_path):
    """A pupil with no enrolment in the exported year leaves 学校标识码 and 年级 empty: imported back, the row is
    refused on those required columns (never an enrolment invented from an earlier year)."""
    make_student("周以前", None, birth=dt.date(2010, 1, 1))
    # A former pupil is listed (and exported) when the list asks for everyone, not only pupils in school.
    rows = xlsx_rows(login(Role.ADMIN).get(_export_url("students:student_list"), {"q": "周以前", "roll": ""}))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["学校标识码"] == "" and row["年级"] == "" and row[f"学年{READ_ONLY_MARK}"] == ""
    assert SchoolClass.objects.filter(name="2班").count() == 0


def test_one_user_may_queue_only_a_few_exports(county, login, small_sync_limit, settings):
    settings.EMIS_EXPORT_MAX_QUEUED_PER_USER = 2
    client = login(Role.ADMIN)
    for gender in ("1", "2"):
        client.get(_export_url("students:student_list"), {"gender": gender})
    refused = client.get(_export_url("students:student_list"), {"q": "王"}, headers={"HX-Request": "true"})
    assert refused.status_code == 200 and "上限 2 个" in refused.content.decode()
    page = client.get(_export_url("staff:staff_list"), follow=True)
    assert "上限 2 个" in page.content.decode()
    assert ExportJob.objects.count() == 2


def test_text_rows_are_written_as_text_whatever_they_hold():
    """The fast row writer (safe_export.TextRowWorksheet) escapes as XlsxWriter does, and more: markup is text."""
    import io
    import xml.dom.minidom
    import zipfile

    from emis.core.safe_export import TextRowWorksheet, safe_workbook

    values = ['=HYPERLINK("http://x","y")', "<r><t>x</t></r>", "a & b < c", " lead", "ctl\x01x", "_x0041_", 42, 3.5]
    buffer = io.BytesIO()
    workbook = safe_workbook(buffer, constant_memory=True)
    sheet = workbook.add_worksheet("s", worksheet_class=TextRowWorksheet)
    sheet.write_row(0, 0, [f"h{i}" for i in range(len(values))])
    sheet.write_text_row(1, [*values[:-2], "", None, *values[-2:]])
    workbook.close()
    xml.dom.minidom.parseString(zipfile.ZipFile(io.BytesIO(buffer.getvalue())).read("xl/worksheets/sheet1.xml"))
    row = xlsx_rows(buffer.getvalue())[1]
    assert row == [*values[:-2], "", "", 42.0, 3.5]
