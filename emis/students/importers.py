"""Import of the national 学籍 system's student export: one row = one student's enrolment in a year.

Natural key: 全国学籍号, else 身份证件号. A row creates or updates the Student, the year's current
Enrollment (a status change keeps the old row as history) and, when needed, the SchoolClass.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from emis.common.idnumbers import id_number_problems, student_no_warning, validate_student_no
from emis.common.schoolyear import age_on
from emis.common.text import pinyin_initials, pinyin_key, pinyin_sort_key
from emis.core import access
from emis.core.audit import compact_creation, record_changes_bulk
from emis.core.bulk import allocate_ids, insert_rows, select_where_in, update_rows
from emis.core.crypto import blind_indexes, reveal_many
from emis.core.imports.cells import (
    choice_parser,
    parse_date,
    parse_gender,
    parse_id_number,
    parse_optional_bool,
    parse_text,
)
from emis.core.imports.engine import CHANGED, NEW, UNCHANGED, Column, ImportSpec, Row
from emis.core.imports.reader import FileRejected
from emis.core.imports.scope import OUT_OF_SCOPE_STUDENT, pks_in_scope
from emis.core.models import ChangeAction
from emis.orgs.area import county_of
from emis.orgs.importing import Places, school_year_hint
from emis.orgs.models import School, SchoolYear

from . import services
from .apps import DOMAIN
from .choices import GRADE_TYPICAL_AGE, ON_ROLL_STATUSES, EnrollmentStatus, Grade
from .models import Enrollment, SchoolClass, Student
from .services import ENROLLMENT_FIELDS

GRADE_LABELS = {str(label): code for code, label in Grade.choices} | {code: code for code in Grade.values}
STATUS_LABELS = {str(label): code for code, label in EnrollmentStatus.choices} | {
    code: code for code in EnrollmentStatus.values
}
AGE_WARNING_YEARS = 3

STUDENT_FIELDS = (
    "name",
    "gender",
    "birth_date",
    "id_number",
    "student_no",
    "hukou_township_id",
    "boarder",
    "poverty_family",
    "disabled",
    "current_school_id",
)
# The change record of a pupil created by an import (emis.core.audit.compact_creation).
STUDENT_CREATION = compact_creation(STUDENT_FIELDS)
# An empty cell (or a missing column) in these keeps what is stored: the export often leaves them blank.
KEPT_WHEN_EMPTY = frozenset(
    ("id_number", "student_no", "hukou_township_id", "boarder", "poverty_family", "disabled", "current_school_id")
)
# A permanent 全国学籍号 (G or J + the ID number) is never replaced by another number through an import.
PERMANENT_STUDENT_NO_PREFIXES = ("G", "J")


_parse_grade = choice_parser(GRADE_LABELS, "年级")
OUT_OF_SCOPE_ENROLLMENT = gettext_lazy(
    "此学生本学年在您管辖范围以外的学校有学籍记录，不能通过导入转入。请由乡镇中心学校或县教育局股室办理转学。"
)


class StudentImport(ImportSpec):
    kind = "students"
    label = gettext_lazy("学生（学籍系统导出）")
    template_name = gettext_lazy("学生学籍导入模板")
    model = Student
    written_models = (Student, Enrollment)
    columns = [
        Column("school_code", "学校标识码", ("school_code", "school id"), True, parse_text, example="2142000001"),
        Column(
            "grade",
            "年级",
            ("grade",),
            True,
            _parse_grade,
            note="小班…大班、一年级…九年级、高一…高三、中职一年级…",
            example="三年级",
        ),
        Column("class_name", "班级", ("class", "class_name"), False, parse_text, example="1班"),
        Column("name", "姓名", ("name",), True, parse_text, example="张三丰"),
        Column("gender", "性别", ("gender", "sex"), True, parse_gender, example="男"),
        Column("birth_date", "出生日期", ("birth_date", "date of birth"), True, parse_date, example="2012-03-04"),
        Column(
            "id_number",
            "身份证件号",
            ("身份证号", "id_number", "id number"),
            False,
            parse_id_number,
            example="42122420120304011X",
        ),
        Column(
            "student_no",
            "全国学籍号",
            ("学籍号", "student_no", "student number"),
            False,
            parse_id_number,
            example="G42122420120304011X",
        ),
        Column("status", "学籍状态", ("status",), False, choice_parser(STATUS_LABELS, "学籍状态"), example="在读"),
        Column(
            "hukou_township",
            "户籍乡镇代码",
            ("hukou_township", "township code"),
            False,
            parse_text,
            example="421224100",
        ),
        Column("boarder", "是否寄宿", ("boarder",), False, parse_optional_bool, example="否"),
        Column("poverty_family", "是否脱贫家庭", ("poverty_family",), False, parse_optional_bool, example="否"),
        Column("disabled", "是否残疾", ("disabled",), False, parse_optional_bool, example="否"),
    ]

    # Export (emis.core.exports): a pupil's row holds their enrolment of one school year (the list's 学年 filter when
    # it has one, else the current year), which is the year to choose when the file is imported back.
    export_extras = (
        ("school_year", "学年"),
        ("school_name", "学校名称"),
        ("current_school", "当前学校"),
        ("hukou_township_name", "户籍乡镇"),
        ("left_behind", "留守儿童"),
        ("migrant", "随迁子女"),
    )

    def export_options(self, filter_data) -> dict:
        year = None
        raw = str((filter_data or {}).get("school_year") or "")
        if raw.isdigit():
            year = SchoolYear.objects.filter(pk=int(raw)).first()
        year = (
            year
            or SchoolYear.objects.filter(is_current=True).order_by("-start_year").first()
            or SchoolYear.objects.order_by("-start_year").first()
        )
        return {"year": year, "title": f"{year}学年" if year else ""}

    def export_chunks(self, queryset, *, user, options):
        from emis.core.exports import CHUNK_SIZE, chunks

        year = options.get("year")
        year_label = str(year) if year else ""
        genders = {code: str(label) for code, label in Student._meta.get_field("gender").choices}
        grades = {code: str(label) for code, label in Grade.choices}
        statuses = {code: str(label) for code, label in EnrollmentStatus.choices}
        fields = (
            "pk",
            "name",
            "gender",
            "birth_date",
            "id_number",
            "student_no",
            "hukou_township__code",
            "hukou_township__name",
            "boarder",
            "poverty_family",
            "disabled",
            "left_behind",
            "migrant",
            "current_school__name",
        )
        # Enrolments read through the user's scope too: a row never shows a school the user may not see.
        enrolments = Enrollment.objects.for_user(user).filter(school_year=year, is_current=True) if year else None
        for chunk in chunks(queryset.values_list(*fields).iterator(chunk_size=CHUNK_SIZE)):
            enrolled = {}
            if enrolments is not None:
                for student_id, *values in enrolments.filter(student_id__in=[row[0] for row in chunk]).values_list(
                    "student_id", "school__code", "school__name", "grade", "school_class__name", "status"
                ):
                    enrolled[student_id] = values
            records = []
            for pk, name, gender, birth, id_number, student_no, *rest in chunk:
                township, township_name, boarder, poverty, disabled, left_behind, migrant, current = rest
                school_code, school_name, grade, class_name, status = enrolled.get(pk) or ("", "", "", "", "")
                records.append(
                    {
                        "school_code": school_code,
                        "grade": grades.get(grade, ""),
                        "class_name": class_name or "",
                        "name": name,
                        "gender": genders.get(gender, gender),
                        "birth_date": birth,
                        "id_number": id_number,
                        "student_no": student_no,
                        "status": statuses.get(status, ""),
                        "hukou_township": township,
                        "boarder": boarder,
                        "poverty_family": poverty,
                        "disabled": disabled,
                        "school_year": year_label if pk in enrolled else "",
                        "school_name": school_name,
                        "current_school": current,
                        "hukou_township_name": township_name,
                        "left_behind": left_behind,
                        "migrant": migrant,
                    }
                )
            yield records

    def begin(self, ctx) -> None:
        user = ctx.user
        if not access.role_may(user, DOMAIN, access.ADD):
            raise FileRejected(_("您的角色无权导入学生数据。"))
        year = SchoolYear.objects.filter(start_year=ctx.school_year).first()
        if year is None:
            raise FileRejected(school_year_hint(ctx.school_year))
        ctx.cache["year"] = year
        ctx.cache["schools"] = {
            code: (pk, township)
            # Schools in the user's scope (School.objects.for_user(user, ADD) would ask for the orgs domain, which
            # school and township users lack; begin() has already checked that the role may add students).
            for pk, code, township in School.objects.for_user(user).values_list("pk", "code", "township__code")
        }
        ctx.cache["school_ids"] = {pk for pk, _township in ctx.cache["schools"].values()}
        ctx.cache["township_of"] = {pk: township for pk, township in ctx.cache["schools"].values()}
        ctx.cache["school_objects"] = {}
        ctx.cache["known_codes"] = set(School.objects.values_list("code", flat=True))
        # A pupil's 户籍 township may lie in any county of the area set up here, in scope or not (an attribute).
        places = ctx.cache["places"] = Places(user)
        ctx.cache["townships"] = places.townships
        ctx.cache["classes"] = {
            (school_id, grade, name): pk
            for pk, school_id, grade, name in SchoolClass.objects.filter(school_year=year).values_list(
                "pk", "school_id", "grade", "name"
            )
        }

    # Checks

    def check_chunk(self, rows: list[Row], ctx) -> None:
        year = ctx.cache["year"]
        census = year.census_date
        latest_birth = census.replace(year=census.year + 1)
        today = dt.date.today()
        for row in rows:
            self._check_row(row, row.values, ctx, census, latest_birth, today)
        live = [row for row in rows if not row.rejected]
        if "students_before" not in ctx.cache:
            # A file never matches its own rows (a number repeated in it is refused), so only the pupils stored before
            # its first write can be found: into an empty register (a county's first load) there is nothing to look
            # up. Asked inside the import's transaction, before that write: on SQLite no other import can commit
            # until this one has; an import queued behind another sees the other's pupils.
            ctx.cache["students_before"] = Student.objects.exists()
        by_no, by_id = self._existing_students(live) if ctx.cache["students_before"] else ({}, {})
        found = {pk for pk, _ in by_no.values()} | {pk for pk, _ in by_id.values()}
        # Matched across the county (a key is unique county-wide), but written only inside the user's scope.
        ctx.cache["in_scope"] = pks_in_scope(Student, ctx.user, found)
        enrollments = self._existing_enrollments(ctx.cache["in_scope"], year)
        # The current school follows the latest current enrolment (the services' rule): written with the pupil.
        ctx.cache["current_school_of"] = services.current_schools_after(
            school_year=year, student_ids=ctx.cache["in_scope"]
        )
        for row in live:
            self._classify(row, by_no, by_id, enrollments, ctx)

    def _check_row(self, row: Row, values: dict, ctx, census, latest_birth, today) -> None:
        code = values.get("school_code") or ""
        if code:
            if code not in ctx.cache["schools"]:
                if code in ctx.cache["known_codes"]:
                    row.error("学校标识码", _("该学校不在您的管辖范围内。"), code)
                else:
                    row.error("学校标识码", _("学校标识码不存在。"), code)
        id_number = values.get("id_number") or ""
        student_no = values.get("student_no") or ""
        if not id_number and not student_no:
            row.error("身份证件号", _("身份证件号和全国学籍号至少填写一项。"))
        id_valid = False
        if id_number:
            problem, mismatches = id_number_problems(id_number, values.get("birth_date"), values.get("gender"), today)
            if problem:
                row.error("身份证件号", problem, id_number)
            else:
                id_valid = True
                for field, message in mismatches.items():
                    row.error("出生日期" if field == "birth_date" else "性别", message, id_number)
        if student_no and not (student_no[0] == "G" and student_no[1:] == id_number and id_valid):
            # G + an ID number already checked above needs no second checksum.
            try:
                validate_student_no(student_no)
            except ValidationError as exc:
                row.error("全国学籍号", exc.messages[0], student_no)
            else:
                warning = student_no_warning(student_no, id_number)
                if warning:
                    row.warn("全国学籍号", str(warning), student_no)
        birth = values.get("birth_date")
        if birth:
            if birth > latest_birth:
                row.error("出生日期", _("出生日期晚于统计学年。"), birth)
            elif birth.year < 1990:
                row.error("出生日期", _("出生日期早于1990年，不像在校学生。"), birth)
            else:
                grade = values.get("grade")
                if grade:
                    age = age_on(birth, census)
                    typical = GRADE_TYPICAL_AGE[grade]
                    if abs(age - typical) >= AGE_WARNING_YEARS:
                        row.warn(
                            "出生日期",
                            _("年龄 {age} 岁与年级（通常 {typical} 岁）相差较大，请核对。").format(
                                age=age, typical=typical
                            ),
                            birth,
                        )
        hukou = values.get("hukou_township") or ""
        if hukou:
            ctx.cache["places"].check(row, "户籍乡镇代码", hukou, scope=False)
        for key, label in (("student_no", "全国学籍号"), ("id_number", "身份证件号")):
            value = values.get(key)
            if value:
                if (key, value) in ctx.seen_keys:
                    row.error(label, _("{label}在文件中重复出现。").format(label=label), value)
                else:
                    ctx.seen_keys.add((key, value))

    def _existing_students(self, rows: list[Row]):
        """Students already holding a 学籍号 or ID number of this chunk. By 学籍号 first; then by ID number only
        for the rows whose 学籍号 found nobody or someone with another ID number, so that a file imported
        again (every row found, same ID) costs one query, while an ID number held by another student is
        still caught."""
        select = (
            f"SELECT id, {', '.join(STUDENT_FIELDS)}, id_number_hash, student_no_hash "
            f"FROM {Student._meta.db_table} WHERE "
        )
        by_no, by_id = {}, {}
        nos = [row.values["student_no"] for row in rows if row.values.get("student_no")]
        ids = [row.values["id_number"] for row in rows if row.values.get("id_number")]
        # A stored number whose hash is the hash of one of this chunk's numbers is that number: every writer stores
        # the normalised form the hash is taken of (parse_id_number, the forms, the API), and so does this file.
        # Those need no opening; only a stored number that matches none of the chunk's (a changed one) is decrypted.
        # The hashes are remembered for the chunk (blind_indexes_remembered), so the writes hash nothing again.
        plain_of = dict(zip(blind_indexes(ids), ids, strict=True))
        plain_of.update(zip(blind_indexes(nos), nos, strict=True))

        def remember(found):
            found = list(found)
            sealed = [values[4] for values in found if values[4] and values[-2] not in plain_of]
            sealed += [values[5] for values in found if values[5] and values[-1] not in plain_of]
            opened = dict(zip(sealed, reveal_many(sealed), strict=True))
            plain = plain_of.get
            for values in found:
                # A hash names a number that is never empty; a number with none of the chunk's hashes was opened.
                id_number = plain(values[-2]) or opened.get(values[4], values[4])
                student_no = plain(values[-1]) or opened.get(values[5], values[5])
                record = (values[0], _normalise_student((*values[1:4], id_number, student_no, *values[6:-2])))
                if student_no:
                    by_no[student_no] = record
                if id_number:
                    by_id[id_number] = record

        if nos:
            remember(select_where_in(select + "student_no_hash IN %s", [blind_indexes(nos)]))
        missing = [id_number for id_number in ids if id_number not in by_id]
        if missing:
            remember(select_where_in(select + "id_number_hash IN %s", [blind_indexes(missing)]))
        return by_no, by_id

    def _existing_enrollments(self, student_ids: set[int], year) -> dict[int, tuple]:
        if not student_ids:
            return {}
        found = {}
        for values in select_where_in(
            f"SELECT e.student_id, e.id, {', '.join('e.' + name for name in ENROLLMENT_FIELDS)}, s.code "
            f"FROM {Enrollment._meta.db_table} e JOIN {School._meta.db_table} s ON s.id = e.school_id "
            "WHERE e.school_year_id = %s AND e.is_current AND e.student_id IN %s",
            [year.pk, sorted(student_ids)],
        ):
            found[values[0]] = values[1:]
        return found

    def _classify(self, row: Row, by_no, by_id, enrollments, ctx) -> None:
        values = row.values
        school_id, township_code = ctx.cache["schools"][values["school_code"]]
        id_number = values.get("id_number") or None
        student_no = values.get("student_no") or None
        existing = by_no.get(student_no) if student_no else None
        holder = by_id.get(id_number) if id_number else None
        in_scope = ctx.cache["in_scope"]
        if (existing and existing[0] not in in_scope) or (holder and holder[0] not in in_scope):
            # The same words whoever holds the number and wherever: nothing about that pupil may leak.
            column, value = ("身份证件号", id_number) if id_number else ("全国学籍号", student_no)
            row.error(column, OUT_OF_SCOPE_STUDENT, value)
            return
        if id_number and id_number in by_id:
            holder = by_id[id_number]
            if existing is None:
                stored_no = holder[1][4]
                if (
                    student_no
                    and stored_no
                    and stored_no != student_no
                    and stored_no.startswith(PERMANENT_STUDENT_NO_PREFIXES)
                ):
                    # Matched by ID number alone, but the holder has a permanent 学籍号 other than the row's.
                    row.error("身份证件号", _("该身份证件号已属于另一名学生（学籍号不同）。"), id_number)
                    return
                existing = holder
            elif holder[0] != existing[0]:
                row.error("身份证件号", _("该身份证件号已属于另一名学生（学籍号不同）。"), id_number)
                return
        current_school = ctx.cache["current_school_of"](existing[0] if existing else None, school_id)
        target_student = (
            values["name"],
            values["gender"],
            values["birth_date"],
            id_number,
            student_no,
            ctx.cache["townships"].get(values.get("hukou_township") or ""),
            values.get("boarder"),
            values.get("poverty_family"),
            values.get("disabled"),
            current_school,
        )
        if existing:
            if None in target_student:  # only an empty cell may keep a stored value
                target_student = tuple(
                    old if new is None and name in KEPT_WHEN_EMPTY else new
                    for name, old, new in zip(STUDENT_FIELDS, existing[1], target_student, strict=True)
                )
        else:
            target_student = (*target_student[:6], *(bool(flag) for flag in target_student[6:9]), current_school)
        status = values.get("status") or EnrollmentStatus.ENROLLED
        class_name = values.get("class_name") or ""
        class_key = (school_id, values["grade"], class_name)
        class_id = ctx.cache["classes"].get(class_key) if class_name else None
        target_enrollment = (school_id, values["grade"], class_id, status)
        student_changes = {}
        enrollment = None
        if existing:
            student_pk, current = existing
            # Most rows of a file imported again are unchanged: one tuple comparison settles them.
            if current != target_student:
                for name, old, new in zip(STUDENT_FIELDS, current, target_student, strict=True):
                    if old != new:
                        student_changes[name] = [old, new]
            enrollment = enrollments.get(student_pk)
            if enrollment and enrollment[1] not in ctx.cache["school_ids"]:
                # This year's record is at a school outside the user's scope (an earlier year's roll of a pupil
                # who has since come here): closing or moving it is for someone who holds both schools.
                row.error("学校标识码", OUT_OF_SCOPE_ENROLLMENT, values["school_code"])
                return
            # On the roll at another school: whatever this row's status, that school must record the 转出 first.
            if enrollment and enrollment[1] != school_id and enrollment[4] in ON_ROLL_STATUSES:
                row.error(
                    "学校标识码",
                    _("该学生本学年已在另一所学校（{code}）在读：请先办理转出。").format(code=enrollment[5]),
                    values["school_code"],
                )
                return
        enrollment_changes = {}
        # A named class that does not exist yet is a change even when the enrolment has no class either.
        if enrollment and (enrollment[1:5] != target_enrollment or (class_name and class_id is None)):
            for name, old, new in zip(ENROLLMENT_FIELDS, enrollment[1:5], target_enrollment, strict=True):
                if name == "school_class_id" and class_name and new is None:
                    enrollment_changes[name] = [old, class_name]
                elif old != new:
                    enrollment_changes[name] = [old, new]
        if not existing:
            row.action = NEW
        elif student_changes or enrollment_changes or not enrollment:
            row.action = CHANGED
        else:
            row.action = UNCHANGED
            return  # nothing to write: no payload
        row.changes = {**student_changes, **enrollment_changes}
        row.payload = {
            "student_pk": existing[0] if existing else None,
            "student": target_student,
            "student_changes": student_changes,
            "enrollment": enrollment,
            "enrollment_target": target_enrollment,
            "enrollment_changes": enrollment_changes,
            "class_key": class_key if class_name else None,
            "township_code": township_code,
        }

    # Writes

    def write_chunk(self, rows: list[Row], ctx) -> None:
        """Plain INSERT/UPDATE statements (emis.core.bulk), then the change records: no model instances,
        because building and preparing them costs more than the write itself at a hundred thousand rows."""
        if not rows:
            return
        year = ctx.cache["year"]
        self._create_missing_classes(rows, ctx, year)
        audit: list[tuple] = []
        new_rows, changed = [], []
        for row in rows:
            payload = row.payload
            # A pupil's county is the school's (as students.services sets it on a page).
            county = county_of(payload["township_code"])
            name = payload["student"][0]
            values = (*payload["student"], pinyin_initials(name), county, pinyin_key(name), pinyin_sort_key(name))
            if payload["student_pk"] is None:
                new_rows.append((row, values))
            else:
                changed.append((row, values))
        columns = (*STUDENT_FIELDS, "name_initials", "county_code", "name_pinyin", "name_sort")
        if new_rows:
            field_count = len(STUDENT_FIELDS)
            pks = allocate_ids(Student, len(new_rows))
            insert_rows(
                Student, ("id", *columns), [(pk, *values) for pk, (_, values) in zip(pks, new_rows, strict=True)]
            )
            for pk, (row, values) in zip(pks, new_rows, strict=True):
                row.payload["student_pk"] = pk
                audit.append(
                    (
                        (Student, pk),
                        ChangeAction.CREATE,
                        # The row holds its values at creation: the record names the fields only (ADR 0016).
                        STUDENT_CREATION,
                        (values[field_count - 1], row.payload["township_code"]),
                        values[0],
                    )
                )
        if changed:
            update_rows(Student, columns, [(*values, row.payload["student_pk"]) for row, values in changed])
            for row, values in changed:
                if row.payload["student_changes"]:
                    audit.append(
                        (
                            (Student, row.payload["student_pk"]),
                            ChangeAction.UPDATE,
                            _jsonable_changes(row.payload["student_changes"]),
                            self._owner_scope(values[len(STUDENT_FIELDS) - 1], row, ctx),
                            values[0],
                        )
                    )
        record_changes_bulk(audit)
        self._write_enrollments(rows, ctx, year)

    def _create_missing_classes(self, rows, ctx, year) -> None:
        wanted = {row.payload["class_key"] for row in rows if row.payload["class_key"]}
        missing = sorted(key for key in wanted if key not in ctx.cache["classes"])
        if not missing:
            return
        insert_rows(
            SchoolClass,
            ("school_id", "school_year_id", "grade", "name"),
            [(school_id, year.pk, grade, name) for school_id, grade, name in missing],
        )
        school_ids = sorted({key[0] for key in missing})
        for pk, school_id, grade, name in SchoolClass.objects.filter(
            school_year=year, school_id__in=school_ids
        ).values_list("pk", "school_id", "grade", "name"):
            ctx.cache["classes"][(school_id, grade, name)] = pk
        record_changes_bulk(
            [
                (
                    (SchoolClass, ctx.cache["classes"][key]),
                    ChangeAction.CREATE,
                    {"school": [None, key[0]], "grade": [None, key[1]], "name": [None, key[2]]},
                    # Filed under the school and its township, like a class made on a page (SchoolClass.scope),
                    # so that the township and the county can open the record.
                    (key[0], ctx.cache["township_of"][key[0]]),
                    f"{Grade(key[1]).label}{key[2]}",
                )
                for key in missing
            ]
        )

    @staticmethod
    def _owner_scope(school_id, row, ctx) -> tuple:
        """Where a student's change record is filed: the school holding the student after the write (an import of
        an earlier year leaves the current school as it was) and that school's township."""
        return school_id, ctx.cache["township_of"].get(school_id, row.payload["township_code"])

    def _write_enrollments(self, rows, ctx, year) -> None:
        """This year's enrolments through the service's bulk form (open, reopen on a status change, or correct)."""
        # Labels are lazy translations: resolve each grade's once, not once per row.
        grade_labels = {code: str(label) for code, label in Grade.choices}
        writes = []
        for row in rows:
            payload = row.payload
            existing = payload["enrollment"]
            if existing is not None and not payload["enrollment_changes"]:
                continue
            school_id, grade, class_id, status = payload["enrollment_target"]
            if payload["class_key"]:
                class_id = ctx.cache["classes"][payload["class_key"]]
            writes.append(
                services.EnrollmentWrite(
                    student_id=payload["student_pk"],
                    current=existing[:5] if existing is not None else None,
                    target=(school_id, grade, class_id, status),
                    scope=(school_id, payload["township_code"]),
                    # A closed row stays at its school, so its change record is filed there: a school that loses a
                    # pupil to another school of the township sees its row closed in its own log.
                    current_scope=(existing[1], ctx.cache["township_of"].get(existing[1], payload["township_code"]))
                    if existing is not None
                    else None,
                    label=f"{row.values['name']} {year} {grade_labels[grade]}",
                )
            )
        services.enrollment_write_many(school_year=year, writes=writes, status_date=year.census_date)


def _normalise_student(values: tuple) -> tuple:
    """A raw student row (STUDENT_FIELDS order) with SQLite's text dates and 0/1 flags made Python values."""
    name, gender, birth, id_number, student_no, township, boarder, poverty, disabled, school = values
    if isinstance(birth, str):
        birth = dt.date.fromisoformat(birth)
    return (name, gender, birth, id_number, student_no, township, bool(boarder), bool(poverty), bool(disabled), school)


def _json(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _jsonable_changes(changes: dict) -> dict:
    return {name: [_json(old), _json(new)] for name, (old, new) in changes.items()}
