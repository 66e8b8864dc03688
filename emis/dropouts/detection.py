"""四查三比对: the register (户籍, population.PopulationRecord), the rolls (学籍, students.Enrollment) and the
children verified as at school outside the county (县外就读, population.OutsideEnrollment), compared for the
children of compulsory-education age of a school year.

A child is of that age in school year Y when they turn 6 on or before 31 August of Y and have not turned 16 by
31 August of Y: birth dates from 1 September Y-16 to 31 August Y-6 (both included).

For each child of the register in that window (within the county, the township and the user's scope asked for):

- on a roll of the county that year (current enrolment 在读 or 转入 at any school of the child's county, matched
  by ID number) → in school, never flagged;
- verified 县外就读 that year → in school (outside the county), never flagged;
- otherwise by the child's own current enrolment of the year at a school of the county:
  辍学 → ``dropped_out``; 休学 → ``suspended``; 转出 → ``transferred_unverified``; 毕业 from 初中 or 死亡 → not
  flagged (compulsory education finished; died: the case is 排除 already); no enrolment (or 毕业 below 初中) →
  ``possible_match`` when a roll entry is very likely the same child, else ``not_enrolled``.

A *possible match* is an on-roll pupil of the county whose ID number is on no register entry of the year, with
  (a) the same birth date and gender and the same name by pinyin without tones (a homophone: 张伟 / 章玮), or
  (b) the same name and an ID number one character off or with two adjacent characters swapped (a typo: the birth
      date and gender read from it may then differ too).
A person confirms or rejects it (emis.dropouts.review); a rejected pair is not offered again for that school year,
and the child is then ``not_enrolled`` unless another candidate fits.

Duplicate enrolments (a child on two rolls) are reported apart: two on-roll pupils of the county that year who are
the same child by ID number (one has no ID number and a G 全国学籍号 made of the other's), or who have the same
name, birth date and gender and ID numbers one character off or swapped, one of them on no register entry.

ID numbers are encrypted: the comparisons run in SQL on the hash columns (one anti-join over the register; one pass
over the county's on-roll pupils, which serves the candidates and the duplicates); only the flagged children and
the candidates of fuzzy matching are decrypted. docs/domains/dropouts.md has the figures of bench/dropouts/detect.py.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import DateField, Exists, F, Func, OuterRef
from django.utils.translation import gettext as _

from emis.common.text import pinyin_key
from emis.core import crypto
from emis.orgs.choices import DIVISION_CODE_LENGTH, DivisionLevel
from emis.orgs.models import Division, School, SchoolYear
from emis.population.models import OutsideEnrollment, PopulationRecord
from emis.students.choices import ON_ROLL_STATUSES, EnrollmentStatus, Level
from emis.students.models import Enrollment, Student

from .categories import Category, FlaggedChild

COUNTY_LENGTH = DIVISION_CODE_LENGTH[DivisionLevel.COUNTY]
CHUNK = 2000  # ids per IN (...) list: well under SQLite's limit of bound parameters


@dataclass(frozen=True)
class DuplicateEnrollment:
    """One child on two rolls of the county in the same school year. ``id_number`` is sensitive."""

    school_year_id: int
    reason: str
    id_number: str
    name: str
    gender: str
    birth_date: dt.date
    student_ids: tuple[int, ...]
    school_ids: tuple[int, ...]
    student_nos: tuple[str, ...]


@dataclass
class Detection:
    school_year: SchoolYear
    flags: list[FlaggedChild] = field(default_factory=list)
    duplicates: list[DuplicateEnrollment] = field(default_factory=list)
    examined: int = 0  # register children of the age window compared (with count_examined=True)

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(Category.values, 0)
        for flag in self.flags:
            counts[flag.category] += 1
        return counts


def age_window(start_year: int) -> tuple[dt.date, dt.date]:
    """Birth dates of compulsory-education age in school year `start_year`: 1 Sep Y-16 .. 31 Aug Y-6."""
    return dt.date(start_year - 16, 9, 1), dt.date(start_year - 6, 8, 31)


def near_id(a: str | None, b: str | None) -> bool:
    """Two ID numbers one character apart, or the same but for two adjacent characters swapped."""
    if not a or not b or len(a) != len(b) or a == b:
        return False
    diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    if len(diff) == 1:
        return True
    return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _counties(year: SchoolYear, county_code: str | None, township_code: str | None, user) -> list[str]:
    if township_code:
        return [township_code[:COUNTY_LENGTH]]
    if county_code:
        return [county_code]
    register = PopulationRecord.objects.filter(school_year=year, hukou_township=OuterRef("pk"))
    if user is not None:
        register = register & PopulationRecord.objects.for_user(user)
    townships = Division.objects.filter(level=DivisionLevel.TOWNSHIP).filter(Exists(register))
    return sorted({code[:COUNTY_LENGTH] for code in townships.values_list("code", flat=True)})


def detect(
    school_year: SchoolYear | int,
    *,
    county_code: str | None = None,
    township_code: str | None = None,
    user=None,
    with_duplicates: bool = True,
    count_examined: bool = False,
) -> Detection:
    """Compare register, rolls and 县外就读 for `school_year` (a SchoolYear or its start year), in one county or
    township (default: every county of the register), within `user`'s scope when a user is given."""
    if not isinstance(school_year, SchoolYear):
        school_year = SchoolYear.objects.get(start_year=int(school_year))
    result = Detection(school_year=school_year)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # The pass over a county's rolls hashes ~1M pupils: in memory, not in 16 batches on disk (the default
            # 4 MB). For this transaction only.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL work_mem = '256MB'")
        for county in _counties(school_year, county_code, township_code, user):
            _detect_county(result, school_year, county, township_code, user, count_examined, with_duplicates)
    result.flags.sort(key=lambda f: (f.hukou_township_id or 0, f.hukou_village_id or 0, f.name, f.id_number))
    return result


def _rejected_pairs(year: SchoolYear) -> set[tuple[int, int]]:
    from .models import MatchDecision

    return set(
        MatchDecision.objects.filter(school_year=year, decision=MatchDecision.Decision.REJECTED).values_list(
            "population_record_id", "candidate_id"
        )
    )


def _detect_county(
    result: Detection,
    year: SchoolYear,
    county: str,
    township_code: str | None,
    user,
    count_examined: bool,
    with_duplicates: bool,
) -> None:
    low, high = age_window(year.start_year)
    townships = Division.objects.filter(level=DivisionLevel.TOWNSHIP, code__startswith=county)
    register = PopulationRecord.objects.filter(
        school_year=year, hukou_township_id__in=list(townships.values_list("pk", flat=True))
    )
    if connection.vendor == "sqlite":
        # The window holds nine in ten of a year's register: SQLite reads the table straight through faster than
        # by the (school year, birth date) index and a row lookup per entry ("+" keeps the index out, a no-op).
        born = Func(F("birth_date"), template="+%(expressions)s", output_field=DateField())
        register = register.alias(born=born).filter(born__gte=low, born__lte=high)
    else:
        register = register.filter(birth_date__gte=low, birth_date__lte=high)
    if township_code:
        register = register.filter(hukou_township__code=township_code)
    if user is not None:
        register = register.for_user(user)
    schools = {
        pk: (name, code)
        for pk, name, code in School.objects.filter(township__code__startswith=county).values_list("pk", "name", "code")
    }
    school_ids = list(schools)
    enrolments = Enrollment.objects.filter(school_year=year, is_current=True, school_id__in=school_ids)
    on_roll = enrolments.filter(status__in=ON_ROLL_STATUSES, student__id_number_hash=OuterRef("id_number_hash"))
    outside = OutsideEnrollment.objects.filter(school_year=year, id_number_hash=OuterRef("id_number_hash"))
    if count_examined:
        result.examined += register.count()

    # The anti-join: register children of the window on no roll of the county and not verified outside.
    missing = list(
        register.exclude(Exists(on_roll))
        .exclude(Exists(outside))
        .order_by()
        .values_list(
            "pk", "id_number_hash", "id_number", "name", "gender", "birth_date", "hukou_township_id", "hukou_village_id"
        )
    )
    pupils = candidates = None
    if with_duplicates:
        pupils, candidates = _pupils(year, enrolments)
        result.duplicates.extend(_duplicates(year, pupils, candidates, township_code, user))
    if not missing:
        return

    # Their own current enrolments of the year, none on roll (辍学, 休学, 转出, 毕业, 死亡): few, read in one pass by
    # the status and joined in Python by hash.
    wanted = {row[1] for row in missing}
    own = {}
    for row in (
        enrolments.exclude(status__in=ON_ROLL_STATUSES)
        .order_by("status_date", "pk")
        .values_list("student__id_number_hash", "status", "student_id", "school_id", "level")
    ):
        if row[0] in wanted:
            own[row[0]] = row[1:]

    reasons = {  # translated once, not per child
        EnrollmentStatus.DROPPED_OUT: _("学籍状态为辍学（%(school)s）。"),
        EnrollmentStatus.SUSPENDED: _("学籍状态为休学（%(school)s），列入台账，不计为辍学。"),
        EnrollmentStatus.TRANSFERRED_OUT: _("已从%(school)s转出，未在本县其他学校在籍，也无县外就读核实记录。"),
    }
    unmatched = []  # (record fields) with no enrolment of the county at all: possible_match or not_enrolled
    for pk, id_hash, id_number, name, gender, birth, township_id, village_id in missing:
        base = {
            "school_year_id": year.pk,
            "id_number": id_number,
            "name": name,
            "gender": gender,
            "birth_date": birth,
            "hukou_township_id": township_id,
            "hukou_village_id": village_id,
            "population_record_id": pk,
        }
        mine = own.get(id_hash)
        if mine is None or (mine[0] == EnrollmentStatus.GRADUATED and mine[3] != Level.JUNIOR):
            unmatched.append(base)
            continue
        status, student_id, school_id, _level = mine
        school = schools.get(school_id, ("", ""))[0]
        if status == EnrollmentStatus.DROPPED_OUT:
            category, reason = Category.DROPPED_OUT, reasons[status] % {"school": school}
        elif status == EnrollmentStatus.SUSPENDED:
            category, reason = Category.SUSPENDED, reasons[status] % {"school": school}
        elif status == EnrollmentStatus.TRANSFERRED_OUT:
            category, reason = Category.TRANSFERRED_UNVERIFIED, reasons[status] % {"school": school}
        else:  # 毕业 from 初中 (compulsory education finished) or 死亡
            continue
        result.flags.append(
            FlaggedChild(category=category, reason=reason, student_id=student_id, school_id=school_id, **base)
        )

    if unmatched:
        if candidates is None:
            pupils, candidates = _pupils(year, enrolments)
        _match(result, year, unmatched, schools, candidates)


# A pupil on roll, as read in one pass (plain tuples: a county's 900,000 are read on every run).
SID, SCHOOL, NAME, PINYIN, GENDER, BIRTH, HASH = range(7)


def _pupils(year: SchoolYear, enrolments) -> tuple[list[tuple], list[tuple]]:
    """The on-roll pupils of the county that year, in one pass over the rolls (raw rows, so the birth date is the
    database's own value: a date on PostgreSQL, its ISO text on SQLite), and among them the candidates of fuzzy
    matching: those whose ID hash is on no register entry of the year. PostgreSQL answers that in the same pass (a
    hashed anti-join); SQLite, whose NOT EXISTS would probe an index per pupil, reads the register's hashes once
    (a covering index) and the set difference is taken here."""
    rows = (
        enrolments.filter(status__in=ON_ROLL_STATUSES)
        .order_by()
        .values_list(
            "student_id",
            "school_id",
            "student__name",
            "student__name_pinyin",
            "student__gender",
            "student__birth_date",
            "student__id_number_hash",
        )
    )
    postgres = connection.vendor == "postgresql"
    if postgres:
        in_register = PopulationRecord.objects.filter(
            school_year=year, id_number_hash=OuterRef("student__id_number_hash")
        )
        rows = rows.annotate(registered=Exists(in_register)).values_list(
            "student_id",
            "school_id",
            "student__name",
            "student__name_pinyin",
            "student__gender",
            "student__birth_date",
            "student__id_number_hash",
            "registered",
        )
    try:
        sql, params = rows.query.sql_with_params()
    except EmptyResultSet:  # a county with no school
        return [], []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        pupils = cursor.fetchall()
    if postgres:
        return pupils, [p for p in pupils if not p[7]]
    sql, params = (
        PopulationRecord.objects.filter(school_year=year).order_by().values_list("id_number_hash").query
    ).sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        registered = {row[0] for row in cursor.fetchall()}
    return pupils, [p for p in pupils if p[HASH] not in registered]


def _birth_key(pupils: list[tuple]):
    """How the rows hold a birth date (see _pupils): the function turning a date into that form."""
    if pupils and isinstance(pupils[0][BIRTH], str):
        return dt.date.isoformat
    return lambda day: day


def _match(result: Detection, year: SchoolYear, unmatched: list[dict], schools: dict, candidates) -> None:
    """Possible matches for the register children with no roll, among `candidates`: the on-roll pupils whose ID
    is on no register entry of the year."""
    if not unmatched:
        return
    by_person = defaultdict(list)
    by_name = defaultdict(list)
    for pupil in candidates:
        by_person[(pupil[BIRTH], pupil[GENDER])].append(pupil)
        by_name[pupil[NAME]].append(pupil)
    birth_key = _birth_key(candidates)
    rejected = _rejected_pairs(year)

    # IDs of the pupils that share a name with an unmatched child (rule b), decrypted in chunks.
    names = {child["name"] for child in unmatched} & set(by_name)
    wanted = [pupil[SID] for name in names for pupil in by_name[name] if pupil[HASH]]
    pupil_ids = {}
    for chunk in _chunks(wanted):
        pupil_ids.update(Student.objects.filter(pk__in=chunk).values_list("pk", "id_number"))

    found = {}  # record pk -> (rank, pupil, rule)
    for child in unmatched:
        record = child["population_record_id"]
        sound = pinyin_key(child["name"])
        best = None
        for pupil in by_person.get((birth_key(child["birth_date"]), child["gender"]), ()):
            if pupil[PINYIN] == sound and (record, pupil[SID]) not in rejected:
                rank = (0 if pupil[NAME] == child["name"] else 1, pupil[SID])
                if best is None or rank < best[0]:
                    best = (rank, pupil, "sound")
        if best is None:
            for pupil in by_name.get(child["name"], ()):
                if (record, pupil[SID]) not in rejected and near_id(child["id_number"], pupil_ids.get(pupil[SID])):
                    rank = (2, pupil[SID])
                    if best is None or rank < best[0]:
                        best = (rank, pupil, "id")
        if best is not None:
            found[record] = best

    numbers = {}
    chosen = [best[1][SID] for best in found.values()]
    for chunk in _chunks(chosen):
        numbers.update(Student.objects.filter(pk__in=chunk).values_list("pk", "student_no"))

    not_enrolled = _("户籍在本县、适龄，未在本县任何学校在籍，也无县外就读核实记录。")  # translated once
    match_reasons = {
        "sound": _("未按身份证号找到学籍；%(school)s在籍学生%(name)s出生日期、性别相同，姓名同音，疑似同一人。"),
        "id": _(
            "未按身份证号找到学籍；%(school)s在籍学生%(name)s姓名相同，身份证号仅差一位或相邻两位颠倒，疑似录入错误。"
        ),
    }
    for child in unmatched:
        record = child["population_record_id"]
        best = found.get(record)
        if best is None:
            result.flags.append(FlaggedChild(category=Category.NOT_ENROLLED, reason=not_enrolled, **child))
            continue
        _rank, pupil, rule = best
        school = schools.get(pupil[SCHOOL], ("", ""))[0]
        reason = match_reasons[rule] % {"school": school, "name": pupil[NAME]}
        result.flags.append(
            FlaggedChild(
                category=Category.POSSIBLE_MATCH,
                reason=reason,
                candidate_student_id=pupil[SID],
                candidate_student_no=numbers.get(pupil[SID]) or "",
                school_id=pupil[SCHOOL],
                **child,
            )
        )


def _duplicates(
    year: SchoolYear, pupils: list[tuple], candidates: list[tuple], township_code: str | None, user
) -> list[DuplicateEnrollment]:
    """Children on two rolls of the county: (a) by a G 学籍号 made of another pupil's ID number, or (b) by the same
    name, birth date and gender with ID numbers one character off or swapped, one of the two being a `candidate`
    (an ID on no register entry: of two entries of one child, the mistyped one is). Only the few pupils concerned
    are decrypted."""
    groups: list[list[int]] = []  # student ids of one child
    # (a) a pupil with no ID number whose G 学籍号 is another on-roll pupil's ID number.
    no_id = [pupil[SID] for pupil in candidates if not pupil[HASH]]
    if no_id:
        by_hash = {pupil[HASH]: pupil[SID] for pupil in pupils if pupil[HASH]}
        for chunk in _chunks(no_id):
            for pk, number in (
                Student.objects.filter(pk__in=chunk).exclude(student_no=None).values_list("pk", "student_no")
            ):
                if number[:1] == "G" and len(number) == 19:
                    other = by_hash.get(crypto.blind_index(number[1:]))
                    if other is not None:
                        groups.append([other, pk])
    # (b) the same name, birth date and gender, ID numbers one character apart or swapped.
    keys = {(p[NAME], p[BIRTH], p[GENDER]) for p in candidates if p[HASH]}
    names = {key[0] for key in keys}
    same = defaultdict(list)
    for pupil in pupils:
        if pupil[NAME] in names and pupil[HASH] and (pupil[NAME], pupil[BIRTH], pupil[GENDER]) in keys:
            same[(pupil[NAME], pupil[BIRTH], pupil[GENDER])].append(pupil[SID])
    same = {key: ids for key, ids in same.items() if len(ids) > 1}
    numbers = {}
    for chunk in _chunks([pk for ids in same.values() for pk in ids]):
        numbers.update(Student.objects.filter(pk__in=chunk).values_list("pk", "id_number"))
    for ids in same.values():
        ids.sort()
        for i, first in enumerate(ids):
            for second in ids[i + 1 :]:
                if near_id(numbers.get(first), numbers.get(second)):
                    groups.append([first, second])
    if not groups:
        return []

    involved = sorted({pk for group in groups for pk in group})
    students = {}
    for chunk in _chunks(involved):
        for row in Student.objects.filter(pk__in=chunk).values_list(
            "pk", "name", "gender", "birth_date", "id_number", "student_no"
        ):
            students[row[0]] = row
    school_of = {pupil[SID]: pupil[SCHOOL] for pupil in pupils if pupil[SID] in students}
    keep = None
    if township_code or user is not None:
        scoped = Enrollment.objects.filter(school_year=year, is_current=True, student_id__in=involved)
        if township_code:
            scoped = scoped.filter(school__township__code=township_code)
        if user is not None:
            scoped = scoped.for_user(user)
        keep = set(scoped.values_list("student_id", flat=True))
    duplicates = []
    for group in groups:
        if keep is not None and not any(pk in keep for pk in group):
            continue
        rows = [students[pk] for pk in group]
        first = rows[0]
        by_g = any(row[4] is None for row in rows)
        reason = (
            _("同一身份证号在本县两所学校在籍（一处仅有全国学籍号）。")
            if by_g
            else _("姓名、出生日期、性别相同，身份证号仅差一位或相邻两位颠倒，疑似重复学籍。")
        )
        duplicates.append(
            DuplicateEnrollment(
                school_year_id=year.pk,
                reason=reason,
                id_number=first[4] or (first[5] or "")[1:],
                name=first[1],
                gender=first[2],
                birth_date=first[3],
                student_ids=tuple(group),
                school_ids=tuple(school_of[pk] for pk in group),
                student_nos=tuple(row[5] or "" for row in rows),
            )
        )
    duplicates.sort(key=lambda d: (d.name, d.student_ids))
    return duplicates


# The rows of the CLI's CSV and of the page's xlsx: the columns of issue 15 item 1 first, then the readable ones.
COLUMNS = (
    "id_number",
    "category",
    "candidate_student_no",
    "name",
    "birth_date",
    "hukou_township",
    "hukou_village",
    "gender",
    "category_label",
    "reason",
    "hukou_township_code",
    "hukou_village_code",
    "school",
    "school_code",
)
DUPLICATE_COLUMNS = ("id_number", "name", "gender", "birth_date", "student_nos", "schools", "school_codes", "reason")


def _names(result: Detection) -> tuple[dict, dict]:
    division_ids = {f.hukou_township_id for f in result.flags} | {f.hukou_village_id for f in result.flags}
    divisions = {
        pk: (name, code)
        for pk, name, code in Division.objects.filter(pk__in=division_ids - {None}).values_list("pk", "name", "code")
    }
    school_ids = {f.school_id for f in result.flags} | {pk for d in result.duplicates for pk in d.school_ids}
    schools = {
        pk: (name, code)
        for pk, name, code in School.objects.filter(pk__in=school_ids - {None}).values_list("pk", "name", "code")
    }
    return divisions, schools


def flag_rows(result: Detection, *, show_id=lambda value: value) -> list[dict]:
    """One dict per flagged child (COLUMNS); township and village by name, with their codes beside.
    `show_id` masks the ID and 学籍号 numbers for roles that may not see them."""
    from emis.common.models import Gender

    divisions, schools = _names(result)
    labels = dict(Category.choices)
    genders = dict(Gender.choices)
    none = ("", "")
    rows = []
    for flag in result.flags:
        township = divisions.get(flag.hukou_township_id, none)
        village = divisions.get(flag.hukou_village_id, none)
        school = schools.get(flag.school_id, none)
        rows.append(
            {
                "id_number": show_id(flag.id_number),
                "category": flag.category,
                "candidate_student_no": show_id(flag.candidate_student_no),
                "name": flag.name,
                "birth_date": flag.birth_date.isoformat(),
                "hukou_township": township[0],
                "hukou_village": village[0],
                "gender": str(genders.get(flag.gender, flag.gender)),
                "category_label": str(labels[flag.category]),
                "reason": flag.reason,
                "hukou_township_code": township[1],
                "hukou_village_code": village[1],
                "school": school[0],
                "school_code": school[1],
            }
        )
    return rows


def duplicate_rows(result: Detection, *, show_id=lambda value: value) -> list[dict]:
    from emis.common.models import Gender

    _divisions, schools = _names(result)
    genders = dict(Gender.choices)
    return [
        {
            "id_number": show_id(d.id_number),
            "name": d.name,
            "gender": str(genders.get(d.gender, d.gender)),
            "birth_date": d.birth_date.isoformat(),
            "student_nos": "；".join(show_id(n) for n in d.student_nos),
            "schools": "；".join(schools.get(pk, ("", ""))[0] for pk in d.school_ids),
            "school_codes": "；".join(schools.get(pk, ("", ""))[1] for pk in d.school_ids),
            "reason": d.reason,
        }
        for d in result.duplicates
    ]
