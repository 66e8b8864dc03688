"""教育事业统计 基础基表 for one school year, within the acting user's scope: the area (or scope) total and
a breakdown per part of it: per township (乡镇) for a county or less, per county (县（市、区）) for a city or a
province (a 市/省 department, or the administrator of a deployment whose area is above county).

Four tables (domain-rules 1.8 and 11):

1. schools (学校数) by category × ownership × 城乡, counting the schools that existed on the year's census date;
   teaching points (教学点) are listed on their own row and are not counted as schools;
2. pupils on the roll (在校生: current enrolments with an on-roll status) by grade × gender;
3. teaching classes (教学班) by size band per level, class size being the class's pupils on the roll, with the
   大班额 (56 or more) and 超大班额 (66 or more) shares;
4. active staff (在职教职工) by professional title, highest qualification and age band (周岁 on the census date).

The query functions (`*_by_part`) each run ONE grouped query (GROUP BY the part — the township code, or its
county prefix computed in SQL — and the table's keys, or conditional COUNTs), starting from
`Model.objects.for_user(user)`; they return plain dicts keyed by the part's code. Counts are summed in SQL; Python
only adds the parts' counts into the total and computes shares from summed counts (a rate is never averaged), so
the number of queries does not depend on the number of counties, schools, pupils, classes or staff.

`base_tables(user, year)` lays the four tables out as plain dicts and lists (columns, sections, rows) that
emis.reports.xlsx writes and the page renders. Labels are the statistical form's Chinese labels whatever the
interface language, like the form itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Substr
from django.utils import timezone, translation

from emis.common.models import Gender
from emis.core.access import covers, scope_of, sees_everything
from emis.orgs.area import COUNTY_LENGTH, WHOLE_AREA, area_of
from emis.orgs.choices import DivisionLevel, Ownership, SchoolCategory, UrbanRural
from emis.orgs.models import Division, School, SchoolYear
from emis.orgs.selectors import schools_existing_on
from emis.population.selectors import born_by
from emis.staff.choices import Qualification, Title
from emis.staff.models import Staff
from emis.students.choices import GRADE_LEVEL, GRADES_OF_LEVEL, ON_ROLL_STATUSES, Grade, Level
from emis.students.models import Enrollment, SchoolClass
from emis.students.selectors import CLASS_SIZE_BANDS, LARGE_CLASS_MIN, on_roll_enrollments

REPORT_LANGUAGE = "zh-hans"

# Bands ----------------------------------------------------------------------------------------------------


def _band_label(smallest: int | None, largest: int | None, unit: str = "") -> str:
    if smallest is None:
        return f"{largest}{unit}及以下"
    if largest is None:
        return f"{smallest}{unit}及以上"
    return f"{smallest}-{largest}{unit}"


# Class-size bands of the 班额 form (the bounds of emis.students.selectors, labelled as the form labels them):
# 25及以下, 26-30, ..., 61-65, 66及以上.
SIZE_BANDS: tuple[tuple[int | None, int | None, str], ...] = tuple(
    (smallest, largest, _band_label(smallest, largest)) for smallest, largest, _ in CLASS_SIZE_BANDS
)
SUPER_LARGE_CLASS_MIN = 66  # 超大班额: 66 pupils or more (domain-rules 1.8); 大班额 counts 56 or more, these included


def _bands_from(threshold: int) -> list[int]:
    return [i for i, (smallest, _, _) in enumerate(SIZE_BANDS) if smallest is not None and smallest >= threshold]


_LARGE_BANDS = _bands_from(LARGE_CLASS_MIN)
_SUPER_LARGE_BANDS = _bands_from(SUPER_LARGE_CLASS_MIN)
# The shares are sums of whole bands: both thresholds must start a band.
assert {LARGE_CLASS_MIN, SUPER_LARGE_CLASS_MIN} <= {smallest for smallest, _, _ in SIZE_BANDS}

# Staff age bands, in full years (周岁) on the census date: under 25, 25-29, ..., 55-59, 60 and over.
AGE_BANDS: tuple[tuple[int | None, int | None, str], ...] = (
    (None, 24, "25岁以下"),
    *((age, age + 4, f"{age}-{age + 4}岁") for age in range(25, 60, 5)),
    (60, None, "60岁及以上"),
)


def size_band_q(smallest: int | None, largest: int | None, field: str = "size") -> Q:
    q = Q()
    if smallest is not None:
        q &= Q(**{f"{field}__gte": smallest})
    if largest is not None:
        q &= Q(**{f"{field}__lte": largest})
    return q


def age_band_q(census: dt.date, youngest: int | None, oldest: int | None) -> Q:
    """Born so as to be `youngest`..`oldest` full years old on `census` (None: open end)."""
    q = Q()
    if youngest is not None:
        q &= Q(birth_date__lte=born_by(census, youngest))
    if oldest is not None:
        q &= Q(birth_date__gt=born_by(census, oldest + 1))
    return q


# Queries: one each, grouped by the part (township or county) ---------------------------------------------------

TOWNSHIP, COUNTY = "township", "county"
# How the tables name a part of each kind (the 区域 of a section, the cover's 包含… line).
PART_LABELS = {TOWNSHIP: "乡镇", COUNTY: "县（市、区）"}


def part_expression(path: str, by: str = TOWNSHIP):
    """The SQL expression of the part a row falls in, from the ORM path of its township's code: the code itself, or
    its first six digits (the county's code, ADR 0003) when the tables break down by county."""
    return Substr(path, 1, COUNTY_LENGTH) if by == COUNTY else F(path)


def school_year_for(user, year: SchoolYear | int) -> SchoolYear:
    """The school year (a SchoolYear or its start year); SchoolYear.DoesNotExist when there is none."""
    if isinstance(year, SchoolYear):
        return year
    return SchoolYear.objects.for_user(user).get(start_year=int(year))


def school_counts_by_part(user, *, census: dt.date, by: str = TOWNSHIP) -> dict[str, dict[tuple[str, str, str], int]]:
    """{part code: {(category, ownership, urban_rural): schools}} for the schools and teaching points in scope
    that existed on `census`."""
    rows = (
        schools_existing_on(user, on_date=census)
        .order_by()
        .values("category", "ownership", "urban_rural", part=part_expression("township__code", by))
        .annotate(schools=Count("id"))
    )
    result: dict[str, dict] = {}
    for row in rows:
        key = (row["category"], row["ownership"], row["urban_rural"])
        result.setdefault(row["part"], {})[key] = row["schools"]
    return result


def pupil_counts_by_part(user, *, school_year: SchoolYear, by: str = TOWNSHIP) -> dict[str, dict[tuple[str, str], int]]:
    """{part code: {(grade, gender): pupils on the roll}} (the part of the school enrolled at)."""
    rows = (
        on_roll_enrollments(user, school_year=school_year)
        .order_by()
        .values("grade", gender=F("student__gender"), part=part_expression("school__township__code", by))
        .annotate(pupils=Count("id"))
    )
    result: dict[str, dict] = {}
    for row in rows:
        result.setdefault(row["part"], {})[(row["grade"], row["gender"])] = row["pupils"]
    return result


def _size_band_index(field: str = "size") -> Case:
    """The index in SIZE_BANDS of the band holding `field`."""
    whens = [
        When(size_band_q(smallest, largest, field), then=Value(i))
        for i, (smallest, largest, _) in enumerate(SIZE_BANDS)
    ]
    return Case(*whens, output_field=IntegerField())


def class_band_counts_by_part(
    user, *, school_year: SchoolYear, by: str = TOWNSHIP
) -> dict[str, dict[tuple[str, int], int]]:
    """{part code: {(level, band index): classes}}.

    A class's size is its current enrolments with an on-roll status; the band is computed in a correlated
    subquery (COUNT ... GROUP BY class, then CASE over the count), and the classes are counted GROUP BY
    part, grade and band. A class with nobody on the roll (all suspended or gone) has no band (NULL) and
    is not a teaching class: its group is skipped. The enrolments counted are those of classes already in
    the user's scope (an enrolment's school is its class's school).
    """
    band = (
        Enrollment.objects.filter(school_class=OuterRef("pk"), is_current=True, status__in=ON_ROLL_STATUSES)
        .order_by()
        .values("school_class")
        .annotate(size=Count("id"))
        .annotate(band=_size_band_index("size"))
        .values("band")
    )
    rows = (
        SchoolClass.objects.for_user(user)
        .filter(school_year=school_year)
        .annotate(band=Subquery(band, output_field=IntegerField()))
        .order_by()
        .values("grade", "band", part=part_expression("school__township__code", by))
        .annotate(classes=Count("id"))
    )
    result: dict[str, dict] = {}
    for row in rows:
        if row["band"] is None:  # nobody on the roll: not a teaching class
            continue
        per_part = result.setdefault(row["part"], {})
        key = (GRADE_LEVEL[row["grade"]], row["band"])
        per_part[key] = per_part.get(key, 0) + row["classes"]
    return result


def staff_counts_by_part(user, *, census: dt.date, by: str = TOWNSHIP) -> dict[str, dict[str, int]]:
    """{part code: {"total", "female", "title:<code>", "qualification:<code>", "age:<band index>": staff}}
    for active staff (在职) posted at schools in scope, in one query (conditional COUNTs GROUP BY part)."""
    aggregates = {"total": Count("id"), "female": Count("id", filter=Q(gender=Gender.FEMALE))}
    for code in Title.values:
        aggregates[f"title:{code}"] = Count("id", filter=Q(title=code))
    for code in Qualification.values:
        aggregates[f"qualification:{code}"] = Count("id", filter=Q(qualification=code))
    for i, (youngest, oldest, _) in enumerate(AGE_BANDS):
        aggregates[f"age:{i}"] = Count("id", filter=age_band_q(census, youngest, oldest))
    # Aggregate names with a colon are not valid keyword names for annotate(); alias them.
    aliases = {key: f"n{i}" for i, key in enumerate(aggregates)}
    rows = (
        Staff.objects.for_user(user)
        .filter(is_active=True)
        .order_by()
        .values(part=part_expression("post_school__township__code", by))
        .annotate(**{aliases[key]: expression for key, expression in aggregates.items()})
    )
    return {row["part"]: {key: row[alias] for key, alias in aliases.items()} for row in rows}


# Scope and its parts ------------------------------------------------------------------------------------------


def describe_scope(user) -> dict:
    """What the report covers, for the user's scope:

    label: 通山县全县 / 咸宁市全市 / 通羊镇 / 学校：…;
    county_wide: the scope holds a whole area (a county, a city or a province), whose total is named `whole`
    (全县 / 全市 / 全省), else its total is 合计;
    division_codes: the divisions the parts are listed under;
    by: "county" when the area is above county level (a city or province department, or the administrator of a
    deployment whose area is), else "township".
    """
    school_ids, codes = scope_of(user)
    area = None
    if sees_everything(user):
        area = area_of(codes[0])
    elif len(codes) == 1 and not school_ids:
        candidate = area_of(codes[0])
        if candidate.level in WHOLE_AREA and covers(user, division=candidate.code):
            area = candidate
    if area is not None:
        known = area.level in WHOLE_AREA
        return {
            "label": f"{area.name}{area.whole}" if known else area.name,
            "county_wide": known,
            "whole": area.whole if known else "合计",
            "division_codes": [area.code],
            "by": COUNTY if area.is_above_county else TOWNSHIP,
        }
    names = dict(Division.objects.for_user(user).filter(code__in=codes).values_list("code", "name"))
    parts = []
    divisions = [names[code] for code in sorted(codes) if code in names]
    if divisions:
        parts.append("、".join(divisions))
    if school_ids:
        schools = School.objects.for_user(user).filter(id__in=school_ids).order_by("code")
        parts.append("学校：" + "、".join(schools.values_list("name", flat=True)))
    by = COUNTY if any(len(code) < COUNTY_LENGTH for code in codes) else TOWNSHIP
    return {
        "label": "；".join(parts) or "（无管辖范围）",
        "county_wide": False,
        "whole": "合计",
        "division_codes": codes,
        "by": by,
    }


def parts_in(user, scope: dict, *, census: dt.date, data_codes: Iterable[str]) -> list[dict]:
    """[{"code", "name"}] by code: the parts (townships, or counties for a city or province) holding data, so the
    sections add up to the total, plus every part under the divisions of the user's scope that existed on
    `census` (shown with zeros when empty)."""
    existing = (Q(valid_from__isnull=True) | Q(valid_from__lte=census)) & (
        Q(valid_to__isnull=True) | Q(valid_to__gt=census)
    )
    under_scope = Q(pk__in=[])
    for code in scope["division_codes"]:
        under_scope |= Q(code__startswith=code)
    level = DivisionLevel.COUNTY if scope["by"] == COUNTY else DivisionLevel.TOWNSHIP
    rows = (
        Division.objects.for_user(user)
        .filter(Q(code__in=list(data_codes)) | (Q(level=level) & under_scope & existing))
        .order_by("code")
        .values("code", "name")
    )
    return list(rows)


# Layout ---------------------------------------------------------------------------------------------------


def _column(label: str, group: str | None = None, kind: str = "int") -> dict:
    return {"label": label, "group": group, "kind": kind}


def _row(label: str, values: list, style: str = "detail") -> dict:
    """style: total (the section's 合计), subtotal (a level), detail, note (listed, not counted)."""
    return {"label": label, "values": values, "style": style}


def _sum_dicts(dicts: Iterable[dict]) -> dict:
    total: dict = {}
    for counts in dicts:
        for key, n in counts.items():
            total[key] = total.get(key, 0) + n
    return total


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _school_values(counts: dict, categories: list[str]) -> list[int]:
    def n(ownerships, areas) -> int:
        return sum(counts.get((c, o, u), 0) for c in categories for o in ownerships for u in areas)

    values = [n(Ownership.values, UrbanRural.values)]
    for ownership in Ownership.values:
        values.append(n([ownership], UrbanRural.values))
        values += [n([ownership], [area]) for area in UrbanRural.values]
    return values


def schools_table(areas: list[tuple[str, str, dict]]) -> dict:
    categories = [c for c in SchoolCategory.values if c != SchoolCategory.TEACHING_POINT]
    columns = [_column("合计")]
    for ownership in Ownership:
        columns.append(_column("小计", str(ownership.label)))
        columns += [_column(str(area.label), str(ownership.label)) for area in UrbanRural]
    sections = []
    for area, code, counts in areas:
        rows = [_row("合计", _school_values(counts, categories), "total")]
        rows += [_row(str(SchoolCategory(c).label), _school_values(counts, [c])) for c in categories]
        rows.append(_row("附：教学点（不计校数）", _school_values(counts, [SchoolCategory.TEACHING_POINT]), "note"))
        sections.append({"area": area, "code": code, "rows": rows})
    return {
        "key": "schools",
        "sheet": "学校数",
        "title": "表一 学校（机构）数（按办学类型、办别、城乡分类）",
        "unit": "所",
        "item_header": "办学类型",
        "columns": columns,
        "sections": sections,
        "notes": [
            "学校数为统计时点存续的学校（按设立、停办日期判断）；已停办、撤并的学校不计。",
            "教学点不计入学校数，单列于“附：教学点”一行。",
            "城乡分类为学校驻地城乡类型（城区、镇区、乡村）。",
        ],
    }


def _pupil_values(counts: dict, grades: list[str]) -> list[int]:
    male = sum(counts.get((g, Gender.MALE), 0) for g in grades)
    female = sum(counts.get((g, Gender.FEMALE), 0) for g in grades)
    total = sum(n for (g, _gender), n in counts.items() if g in grades)
    return [total, male, female]


def pupils_table(areas: list[tuple[str, str, dict]], scope_total: dict, part_label: str = "乡镇") -> dict:
    graded = [level for level in Level.values if GRADES_OF_LEVEL[level]]
    present = {grade for (grade, _gender), n in scope_total.items() if n}
    levels = [level for level in graded if present & set(GRADES_OF_LEVEL[level])]
    all_grades = [g for level in graded for g in GRADES_OF_LEVEL[level]]
    sections = []
    for area, code, counts in areas:
        rows = [_row("合计", _pupil_values(counts, all_grades), "total")]
        for level in levels:
            rows.append(_row(str(Level(level).label), _pupil_values(counts, GRADES_OF_LEVEL[level]), "subtotal"))
            rows += [_row(str(Grade(g).label), _pupil_values(counts, [g])) for g in GRADES_OF_LEVEL[level]]
        sections.append({"area": area, "code": code, "rows": rows})
    return {
        "key": "pupils",
        "sheet": "在校生数",
        "title": "表二 在校生数（按年级、性别）",
        "unit": "人",
        "item_header": "学段、年级",
        "columns": [_column("合计"), _column("男"), _column("女")],
        "sections": sections,
        "notes": [
            "在校生为本学年当前学籍记录中状态为“在读”“转入”的学生；休学、转出、辍学、毕业、死亡不计。",
            f"按就读学校所在{part_label}统计；只列出本范围内有在校生的学段。",
        ],
    }


def _class_values(counts: dict, levels: list[str]) -> list:
    bands = [sum(counts.get((level, i), 0) for level in levels) for i in range(len(SIZE_BANDS))]
    classes = sum(bands)
    large = sum(bands[i] for i in _LARGE_BANDS)
    super_large = sum(bands[i] for i in _SUPER_LARGE_BANDS)
    return [classes, *bands, large, _share(large, classes), super_large, _share(super_large, classes)]


def classes_table(areas: list[tuple[str, str, dict]], scope_total: dict) -> dict:
    graded = [level for level in Level.values if GRADES_OF_LEVEL[level]]
    present = {level for (level, _band), n in scope_total.items() if n}
    levels = [level for level in graded if level in present]
    band_group = "按班额分组（人）"
    large_group = f"大班额（{LARGE_CLASS_MIN}人及以上）"
    super_group = f"超大班额（{SUPER_LARGE_CLASS_MIN}人及以上）"
    columns = [
        _column("班级数"),
        *(_column(label, band_group) for _, _, label in SIZE_BANDS),
        _column("班数", large_group),
        _column("占比", large_group, "pct"),
        _column("班数", super_group),
        _column("占比", super_group, "pct"),
    ]
    sections = []
    for area, code, counts in areas:
        rows = [_row("合计", _class_values(counts, graded), "total")]
        rows += [_row(str(Level(level).label), _class_values(counts, [level])) for level in levels]
        sections.append({"area": area, "code": code, "rows": rows})
    return {
        "key": "classes",
        "sheet": "班级班额",
        "title": "表三 教学班数及班额情况（按学段）",
        "unit": "个",
        "item_header": "学段",
        "columns": columns,
        "sections": sections,
        "notes": [
            "班额为班级的在校生数（当前学籍记录、状态为在读或转入）；无在校生的班级不计。",
            f"大班额为{LARGE_CLASS_MIN}人及以上的班级（含超大班额），超大班额为{SUPER_LARGE_CLASS_MIN}人及以上；"
            "占比 = 班数 ÷ 班级数。",
        ],
    }


def staff_table(areas: list[tuple[str, str, dict]], part_label: str = "乡镇") -> dict:
    keys = ["total", "female"]
    columns = [_column("合计"), _column("其中：女")]
    for code in Title.values:
        keys.append(f"title:{code}")
        columns.append(_column(str(Title(code).label), "专业技术职务"))
    for code in Qualification.values:
        keys.append(f"qualification:{code}")
        columns.append(_column(str(Qualification(code).label), "最高学历"))
    for i, (_, _, label) in enumerate(AGE_BANDS):
        keys.append(f"age:{i}")
        columns.append(_column(label, "年龄（统计时点周岁）"))
    sections = []
    for index, (area, code, counts) in enumerate(areas):
        values = [counts.get(key, 0) for key in keys]
        sections.append({"area": area, "code": code, "rows": [_row(area, values, "total" if index == 0 else "detail")]})
    return {
        "key": "staff",
        "sheet": "教职工",
        "title": "表四 教职工数（按专业技术职务、最高学历、年龄）",
        "unit": "人",
        "item_header": None,  # one row per area: the areas are the rows
        "columns": columns,
        "sections": sections,
        "notes": [
            f"教职工为在职人员，按任职学校所在{part_label}统计，含各类编制；系统未保存在职状态的历史，"
            "往年报表反映当前的教职工名册。",
            "年龄为统计时点的周岁。",
        ],
    }


def base_tables(user, year: SchoolYear | int) -> dict:
    """The four base tables of `year` within the user's scope: a total section first (全县 / 全市 / 全省, or 合计),
    then one per part (township, or county for a city or province).

    SchoolYear.DoesNotExist when the year is unknown. About ten queries whatever the amount of data.
    """
    school_year = school_year_for(user, year)
    census = school_year.census_date
    with translation.override(REPORT_LANGUAGE):
        scope = describe_scope(user)
        by = scope["by"]
        schools = school_counts_by_part(user, census=census, by=by)
        pupils = pupil_counts_by_part(user, school_year=school_year, by=by)
        classes = class_band_counts_by_part(user, school_year=school_year, by=by)
        staff = staff_counts_by_part(user, census=census, by=by)
        data_codes = set(schools) | set(pupils) | set(classes) | set(staff)
        parts = parts_in(user, scope, census=census, data_codes=data_codes)
        total_area = scope["whole"]

        def areas(per_part: dict) -> list[tuple[str, str, dict]]:
            total = _sum_dicts(per_part.values())
            by_part = [(p["name"], p["code"], per_part.get(p["code"], {})) for p in parts]
            return [(total_area, "", total), *by_part]

        school_areas, pupil_areas = areas(schools), areas(pupils)
        class_areas, staff_areas = areas(classes), areas(staff)
        part_label = PART_LABELS[by]
        tables = [
            schools_table(school_areas),
            pupils_table(pupil_areas, pupil_areas[0][2], part_label),
            classes_table(class_areas, class_areas[0][2]),
            staff_table(staff_areas, part_label),
        ]
        year_label = f"{school_year}学年"
        return {
            "title": f"{year_label}教育事业统计基础基表",
            "year": school_year.start_year,
            "year_label": year_label,
            "census_date": census,
            "scope": scope,
            "total_area": total_area,
            "by": by,
            "part_label": part_label,
            "parts": parts,
            "generated_at": timezone.localtime(),
            "generated_by": str(user),
            "tables": tables,
        }


def table(report: dict, key: str) -> dict:
    return next(t for t in report["tables"] if t["key"] == key)


def column_index(tbl: dict, label: str, group: str | None = None) -> int:
    """Position in a row's values of the column `label` (under `group`, if given)."""
    for i, column in enumerate(tbl["columns"]):
        if column["label"] == label and (group is None or column["group"] == group):
            return i
    raise KeyError(label)
