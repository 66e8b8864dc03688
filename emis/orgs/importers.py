"""Imports of the county's reference data: administrative divisions and schools.

Both follow emis.students.importers: begin() checks the role and loads small lookups, check_chunk() validates
rows and classifies them against the database with one query per lookup per chunk, write_chunk() writes in bulk
and records its own change log (bulk writes send no signals).

A row may name a parent (上级区划, 上级学校) that is already stored or that an earlier row of the same file
defines; writes create parents before children, so one file can load a whole tree.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from emis.common.idnumbers import validate_school_code
from emis.core import access
from emis.core.audit import record_changes_bulk
from emis.core.imports.cells import CellError, choice_parser, parse_bool, parse_text, text
from emis.core.imports.engine import CHANGED, NEW, UNCHANGED, Column, ImportSpec, Row
from emis.core.imports.reader import FileRejected
from emis.core.models import ChangeAction

from .apps import DOMAIN
from .choices import (
    DIVISION_CODE_LENGTH,
    DivisionLevel,
    Ownership,
    SchoolCategory,
    UrbanRural,
    unpadded_division_code,
)
from .importing import Places, in_area_or_above, outside_area_reason
from .models import Division, School, school_code_province_error

IN_BATCH = 900  # values per IN (...) list: SQLite's variable limit with room to spare

LEVEL_ORDER = (
    DivisionLevel.PROVINCE,
    DivisionLevel.CITY,
    DivisionLevel.COUNTY,
    DivisionLevel.TOWNSHIP,
    DivisionLevel.VILLAGE,
)
PARENT_LEVEL = dict(zip(LEVEL_ORDER[1:], LEVEL_ORDER[:-1], strict=True))
LEVEL_SHORT = {
    DivisionLevel.PROVINCE: "省",
    DivisionLevel.CITY: "市",
    DivisionLevel.COUNTY: "县",
    DivisionLevel.TOWNSHIP: "乡",
    DivisionLevel.VILLAGE: "村",
}
LEVEL_LABELS = (
    {short: level for level, short in LEVEL_SHORT.items()}
    | {str(label): code for code, label in DivisionLevel.choices}
    | {f"{short}级": level for level, short in LEVEL_SHORT.items()}
    | {"镇": DivisionLevel.TOWNSHIP, "街道": DivisionLevel.TOWNSHIP, "社区": DivisionLevel.VILLAGE}
    | {code: code for code in DivisionLevel.values}
)


def _labels(choices) -> dict[str, str]:
    return {str(label): code for code, label in choices.choices} | {code: code for code in choices.values}


CATEGORY_LABELS = _labels(SchoolCategory)
OWNERSHIP_LABELS = _labels(Ownership)
URBAN_RURAL_LABELS = _labels(UrbanRural)


def parse_count(value) -> int | None:
    """A non-negative whole number (学位数); empty is None."""
    raw = text(value)
    if raw == "":
        return None
    if isinstance(value, float) and not value.is_integer():
        raise CellError(_("“{value}”应为整数。").format(value=raw))
    if not raw.isdigit():
        raise CellError(_("“{value}”应为不小于0的整数。").format(value=raw))
    return int(raw)


# Helpers shared by both specs ------------------------------------------------------------------------------


def in_batches(values) -> list[list]:
    values = list(values)
    return [values[start : start + IN_BATCH] for start in range(0, len(values), IN_BATCH)]


def _json(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _created(fields: dict) -> dict:
    return {name: [None, _json(value)] for name, value in fields.items()}


# Divisions -------------------------------------------------------------------------------------------------


class DivisionImport(ImportSpec):
    """统计用区划代码 without zero padding: 42 > 4212 > 421224 > 421224100 > 421224100001."""

    kind = "divisions"
    label = gettext_lazy("行政区划")
    model = Division
    columns = [
        Column(
            "code",
            "区划代码",
            ("code", "division_code"),
            True,
            parse_text,
            note="省2位、市4位、县6位、乡镇9位、村/社区12位数字；GB/T 2260六位代码（如省420000、市421200）"
            "和末尾补零的12位统计用区划代码也可，按级别去掉补零后保存。",
            example="421224100",
        ),
        Column("name", "名称", ("name",), True, parse_text, example="通羊镇"),
        Column(
            "level",
            "级别",
            ("level",),
            True,
            choice_parser(LEVEL_LABELS, "级别"),
            note="省、市、县、乡、村。",
            example="乡",
        ),
        Column(
            "parent_code",
            "上级区划代码",
            ("parent_code", "parent"),
            False,
            parse_text,
            note="省级不填；上级须已在系统中，或在本文件中先于下级出现。补零的代码同样可以。",
            example="421224",
        ),
    ]

    export_extras = (("parent_name", "上级区划"),)

    def export_chunks(self, queryset, *, user, options):
        from emis.core.exports import CHUNK_SIZE, chunks

        levels = {code: str(label) for code, label in DivisionLevel.choices}
        fields = ("code", "name", "level", "parent__code", "parent__name")
        for chunk in chunks(queryset.values_list(*fields).iterator(chunk_size=CHUNK_SIZE)):
            yield [
                {
                    "code": code,
                    "name": name,
                    "level": levels.get(level, level),
                    "parent_code": parent or "",
                    "parent_name": parent_name or "",
                }
                for code, name, level, parent, parent_name in chunk
            ]

    def begin(self, ctx) -> None:
        if not access.role_may(ctx.user, DOMAIN, access.ADD):
            raise FileRejected(_("您的角色无权导入行政区划数据。"))
        ctx.cache["in_file"] = {}  # code -> (level, row number) of every earlier row
        ctx.cache["created"] = {}  # code -> pk of divisions this import created

    def check_chunk(self, rows: list[Row], ctx) -> None:
        for row in rows:
            self._check_format(row)
        wanted = set()
        for row in rows:
            wanted.add(row.values.get("code") or "")
            wanted.add(row.values.get("parent_code") or "")
        wanted.discard("")
        stored = {}
        for batch in in_batches(wanted):
            for pk, code, name, level, parent_id, parent_code in Division.objects.filter(code__in=batch).values_list(
                "pk", "code", "name", "level", "parent_id", "parent__code"
            ):
                stored[code] = (pk, name, level, parent_id, parent_code or "")
        for row in rows:  # in file order: a parent defined by an earlier row counts
            self._check_tree(row, stored, ctx)
            if not row.rejected:
                self._classify(row, stored)

    def _check_format(self, row: Row) -> None:
        level = row.values.get("level") or ""
        if level:
            # Files from other systems carry GB/T 2260 or padded 统计用区划代码 codes: stored unpadded (ADR 0003).
            for key, key_level in (("code", level), ("parent_code", PARENT_LEVEL.get(level))):
                if row.values.get(key) and key_level:
                    row.values[key] = unpadded_division_code(row.values[key], key_level)
        code = row.values.get("code") or ""
        if code and not code.isdigit():
            row.error("区划代码", _("区划代码应全部为数字。"), code)
        elif code and level and len(code) != DIVISION_CODE_LENGTH[level]:
            row.error(
                "区划代码",
                _("{level}级区划代码应为{n}位数字，“{code}”是{found}位。").format(
                    level=LEVEL_SHORT[level], n=DIVISION_CODE_LENGTH[level], code=code, found=len(code)
                ),
                code,
            )
        parent = row.values.get("parent_code") or ""
        if parent and not parent.isdigit():
            row.error("上级区划代码", _("上级区划代码应全部为数字。"), parent)

    def _check_tree(self, row: Row, stored: dict, ctx) -> None:
        values = row.values
        code, level, parent = values.get("code") or "", values.get("level") or "", values.get("parent_code") or ""
        in_file = ctx.cache["in_file"]
        if code:
            if code in in_file:
                row.error("区划代码", _("区划代码在文件中重复出现（第{n}行已有）。").format(n=in_file[code][1]), code)
                return
            if level and not any(issue.column == "区划代码" for issue in row.issues):
                in_file[code] = (level, row.number)
        if code and code.isdigit() and not in_area_or_above(code):
            row.error("区划代码", outside_area_reason(code), code)
        elif code and not access.covers(ctx.user, division=code):
            row.error("区划代码", _("该区划不在您的管辖范围内。"), code)
        if not level or not code:
            return
        if level == DivisionLevel.PROVINCE:
            if parent:
                row.error("上级区划代码", _("省级区划不填写上级区划代码。"), parent)
            return
        if not parent:
            row.error("上级区划代码", _("{level}级区划必须填写上级区划代码。").format(level=LEVEL_SHORT[level]))
            return
        if not parent.isdigit():
            return
        if parent in in_file and in_file[parent][1] < row.number:
            parent_level = in_file[parent][0]
        elif parent in stored:
            parent_level = stored[parent][2]
        else:
            row.error(
                "上级区划代码",
                _("上级区划代码 {code} 不存在：上级须已在系统中，或在本文件中先于下级出现。").format(code=parent),
                parent,
            )
            return
        expected = PARENT_LEVEL[level]
        if parent_level != expected:
            row.error(
                "上级区划代码",
                _("{level}级区划的上级应为{expected}级，{code} 是{found}级。").format(
                    level=LEVEL_SHORT[level],
                    expected=LEVEL_SHORT[expected],
                    code=parent,
                    found=LEVEL_SHORT.get(parent_level, parent_level),
                ),
                parent,
            )
        elif not code.startswith(parent):
            row.error(
                "上级区划代码",
                _("区划代码 {code} 不以上级区划代码 {parent} 开头。").format(code=code, parent=parent),
                parent,
            )

    def _classify(self, row: Row, stored: dict) -> None:
        values = row.values
        code = values["code"]
        target = {"name": values["name"], "level": values["level"], "parent": values.get("parent_code") or ""}
        existing = stored.get(code)
        if existing is None:
            row.action = NEW
            row.payload = {"pk": None, "target": target}
            return
        pk, name, level, parent_id, parent_code = existing
        current = {"name": name, "level": level, "parent": parent_code}
        row.changes = {key: [current[key], target[key]] for key in target if current[key] != target[key]}
        row.action = CHANGED if row.changes else UNCHANGED
        row.payload = {"pk": pk, "target": target, "parent_id": parent_id}

    def write_chunk(self, rows: list[Row], ctx) -> None:
        if not rows:
            return
        created = ctx.cache["created"]
        parents = {row.payload["target"]["parent"] for row in rows} - {""} - set(created)
        pks = dict(created)
        for batch in in_batches(parents):
            pks.update(Division.objects.filter(code__in=batch).values_list("code", "pk"))
        audit = []
        new_rows = [row for row in rows if row.action == NEW]
        for level in LEVEL_ORDER:  # parents first: a village's township may be created in this chunk
            divisions = []
            for row in new_rows:
                target = row.payload["target"]
                if target["level"] != level:
                    continue
                divisions.append(
                    Division(
                        code=row.values["code"], name=target["name"], level=level, parent_id=pks.get(target["parent"])
                    )
                )
            if not divisions:
                continue
            Division.objects.bulk_create(divisions, batch_size=1000)
            for division in divisions:
                pks[division.code] = created[division.code] = division.pk
                audit.append(
                    (
                        division,
                        ChangeAction.CREATE,
                        _created(
                            {
                                "code": division.code,
                                "name": division.name,
                                "level": division.level,
                                "parent": division.parent_id,
                            }
                        ),
                        (None, division.code),
                        division.name,
                    )
                )
        changed = []
        for row in rows:
            if row.action != CHANGED:
                continue
            target = row.payload["target"]
            division = Division(
                pk=row.payload["pk"],
                code=row.values["code"],
                name=target["name"],
                level=target["level"],
                parent_id=pks.get(target["parent"]),
            )
            changes = {key: value for key, value in row.changes.items() if key != "parent"}
            if "parent" in row.changes:
                changes["parent"] = [row.payload["parent_id"], division.parent_id]
            changed.append(division)
            audit.append((division, ChangeAction.UPDATE, changes, (None, division.code), division.name))
        if changed:
            Division.objects.bulk_update(changed, ["name", "level", "parent"], batch_size=1000)
        record_changes_bulk(audit)


# Schools ---------------------------------------------------------------------------------------------------


SCHOOL_FIELDS = ("name", "category", "ownership", "inclusive", "urban_rural", "township", "parent", "capacity")


class SchoolImport(ImportSpec):
    """学校标识码 is the key. The rules of School.clean() apply: a teaching point (教学点) names its primary
    school, only a private kindergarten may be inclusive (普惠性)."""

    kind = "schools"
    label = gettext_lazy("学校")
    model = School
    columns = [
        Column("code", "学校标识码", ("code", "school_code", "school id"), True, parse_text, example="2142000101"),
        Column("name", "学校名称", ("name", "school_name"), True, parse_text, example="通羊镇中心小学"),
        Column(
            "category",
            "办学类型",
            ("category", "school_type", "type"),
            True,
            choice_parser(CATEGORY_LABELS, "办学类型"),
            note="幼儿园、小学、教学点、初级中学、九年一贯制学校等。",
            example="小学",
        ),
        Column(
            "ownership",
            "办别",
            ("ownership",),
            True,
            choice_parser(OWNERSHIP_LABELS, "办别"),
            note="公办或民办。",
            example="公办",
        ),
        Column("inclusive", "是否普惠", ("inclusive",), False, parse_bool, note="仅民办幼儿园填“是”。", example="否"),
        Column(
            "urban_rural",
            "城乡分类",
            ("urban_rural",),
            True,
            choice_parser(URBAN_RURAL_LABELS, "城乡分类"),
            note="城区、镇区或乡村。",
            example="城区",
        ),
        Column(
            "township",
            "所在乡镇代码",
            ("township_code", "township"),
            True,
            parse_text,
            note="9位乡镇区划代码。",
            example="421224100",
        ),
        Column(
            "parent_code",
            "上级学校标识码",
            ("parent_code", "parent_school_code"),
            False,
            parse_text,
            note="仅教学点填写，为所属小学的学校标识码。",
            example="",
        ),
        Column(
            "capacity", "学位数", ("capacity",), False, parse_count, note="不填则保留原值（新学校为0）。", example="600"
        ),
    ]

    export_extras = (
        ("township_name", "所在乡镇"),
        ("parent_name", "上级学校"),
        ("address", "地址"),
        ("opened_on", "设立日期"),
        ("closed_on", "停办日期"),
    )

    def export_chunks(self, queryset, *, user, options):
        from emis.core.exports import CHUNK_SIZE, chunks

        labels = {
            name: {code: str(label) for code, label in School._meta.get_field(name).choices}
            for name in ("category", "ownership", "urban_rural")
        }
        fields = (
            "code",
            "name",
            "category",
            "ownership",
            "inclusive",
            "urban_rural",
            "township__code",
            "parent__code",
            "capacity",
            "township__name",
            "parent__name",
            "address",
            "opened_on",
            "closed_on",
        )
        for chunk in chunks(queryset.values_list(*fields).iterator(chunk_size=CHUNK_SIZE)):
            records = []
            for code, name, category, ownership, inclusive, urban_rural, township, parent, capacity, *extra in chunk:
                township_name, parent_name, address, opened_on, closed_on = extra
                records.append(
                    {
                        "code": code,
                        "name": name,
                        "category": labels["category"].get(category, category),
                        "ownership": labels["ownership"].get(ownership, ownership),
                        "inclusive": inclusive,
                        "urban_rural": labels["urban_rural"].get(urban_rural, urban_rural),
                        "township": township,
                        "parent_code": parent or "",
                        "capacity": capacity,
                        "township_name": township_name,
                        "parent_name": parent_name or "",
                        "address": address,
                        "opened_on": opened_on,
                        "closed_on": closed_on,
                    }
                )
            yield records

    def begin(self, ctx) -> None:
        user = ctx.user
        if not access.role_may(user, DOMAIN, access.ADD):
            raise FileRejected(_("您的角色无权导入学校数据。"))
        ctx.cache["places"] = Places(user)
        ctx.cache["in_file"] = {}  # code -> (category, row number)
        ctx.cache["created"] = {}  # code -> pk

    def check_chunk(self, rows: list[Row], ctx) -> None:
        codes = {row.values.get("code") or "" for row in rows}
        parents = {row.values.get("parent_code") or "" for row in rows}
        wanted = (codes | parents) - {""}
        stored, writable, with_points = {}, set(), set()
        for batch in in_batches(wanted):
            for values in School.objects.filter(code__in=batch).values_list(
                "pk",
                "code",
                *[f"{name}_id" if name in ("township", "parent") else name for name in SCHOOL_FIELDS],
                "parent__code",
                "township__code",
            ):
                stored[values[1]] = values
            writable.update(
                School.objects.for_user(ctx.user, access.CHANGE).filter(code__in=batch).values_list("code", flat=True)
            )
            with_points.update(School.objects.filter(parent__code__in=batch).values_list("parent__code", flat=True))
        for row in rows:
            self._check_row(row, stored, writable, with_points, ctx)
            if not row.rejected:
                self._classify(row, stored, ctx)

    def _check_row(self, row: Row, stored: dict, writable: set, with_points: set, ctx) -> None:
        values = row.values
        code = values.get("code") or ""
        in_file = ctx.cache["in_file"]
        if code:
            try:
                validate_school_code(code)
            except ValidationError as exc:
                row.error("学校标识码", exc.messages[0], code)
            else:
                if code in in_file:
                    row.error(
                        "学校标识码", _("学校标识码在文件中重复出现（第{n}行已有）。").format(n=in_file[code][1]), code
                    )
                    return
                in_file[code] = (values.get("category") or "", row.number)
                if code in stored and code not in writable:
                    # Nothing more about a school outside scope (its category, its teaching points) is checked.
                    row.error("学校标识码", _("该学校不在您的管辖范围内。"), code)
                    return
        township = values.get("township") or ""
        if township:
            ctx.cache["places"].check(row, "所在乡镇代码", township)
        if code and not row.rejected:
            place = township or (stored[code][-1] if code in stored else "")
            if message := school_code_province_error(code, place):
                row.error("学校标识码", message, code)
        category, ownership = values.get("category") or "", values.get("ownership") or ""
        if (
            values.get("inclusive")
            and category
            and ownership
            and not (category == SchoolCategory.KINDERGARTEN and ownership == Ownership.PRIVATE)
        ):
            row.error("是否普惠", _("“普惠性”仅适用于民办幼儿园。"), "是")
        if (
            code in stored
            and stored[code][3] == SchoolCategory.PRIMARY
            and code in with_points
            and category
            and category != SchoolCategory.PRIMARY
        ):
            row.error("办学类型", _("该小学下设有教学点，不能改为其他办学类型：请先调整教学点。"), category)
        self._check_parent(row, stored, writable, ctx)

    def _check_parent(self, row: Row, stored: dict, writable: set, ctx) -> None:
        values = row.values
        code, parent, category = values.get("code") or "", values.get("parent_code") or "", values.get("category")
        if not category:
            return
        if category != SchoolCategory.TEACHING_POINT:
            if parent:
                row.error("上级学校标识码", _("只有教学点需要填写上级学校。"), parent)
            return
        if not parent:
            row.error("上级学校标识码", _("教学点必须填写所属小学的学校标识码。"))
            return
        if parent == code:
            row.error("上级学校标识码", _("上级学校不能是本校。"), parent)
            return
        in_file = ctx.cache["in_file"]
        if parent in in_file and in_file[parent][1] < row.number:
            parent_category = in_file[parent][0]
        elif parent in stored and parent not in writable:
            row.error("上级学校标识码", _("上级学校不在您的管辖范围内。"), parent)
            return
        elif parent in stored:
            parent_category = stored[parent][3]
        else:
            row.error(
                "上级学校标识码",
                _("上级学校标识码 {code} 不存在：须已在系统中，或在本文件中先于教学点出现。").format(code=parent),
                parent,
            )
            return
        if parent_category and parent_category != SchoolCategory.PRIMARY:
            row.error(
                "上级学校标识码",
                _("教学点只能附属于小学，{code} 是{category}。").format(
                    code=parent, category=SchoolCategory(parent_category).label
                ),
                parent,
            )

    def _classify(self, row: Row, stored: dict, ctx) -> None:
        values = row.values
        code = values["code"]
        existing = stored.get(code)
        capacity = values.get("capacity")
        if capacity is None:
            capacity = existing[2 + SCHOOL_FIELDS.index("capacity")] if existing else 0
        target = {
            "name": values["name"],
            "category": values["category"],
            "ownership": values["ownership"],
            "inclusive": bool(values.get("inclusive")),
            "urban_rural": values["urban_rural"],
            "township": values["township"],
            "parent": values.get("parent_code") or "",
            "capacity": capacity,
        }
        row.payload = {"target": target, "pk": existing[0] if existing else None}
        if existing is None:
            row.action = NEW
            return
        current = dict(zip(SCHOOL_FIELDS, existing[2 : 2 + len(SCHOOL_FIELDS)], strict=True))
        current["parent"], current["township"] = existing[-2] or "", existing[-1]
        row.payload["ids"] = {
            "parent": existing[2 + SCHOOL_FIELDS.index("parent")],
            "township": existing[2 + SCHOOL_FIELDS.index("township")],
        }
        row.changes = {name: [current[name], target[name]] for name in SCHOOL_FIELDS if current[name] != target[name]}
        row.action = CHANGED if row.changes else UNCHANGED

    def write_chunk(self, rows: list[Row], ctx) -> None:
        if not rows:
            return
        created, townships = ctx.cache["created"], ctx.cache["places"].townships
        pks = dict(created)
        parents = {row.payload["target"]["parent"] for row in rows} - {""} - set(pks)
        for batch in in_batches(parents):
            pks.update(School.objects.filter(code__in=batch).values_list("code", "pk"))
        audit = []
        new_rows = [row for row in rows if row.action == NEW]
        # Primary schools before the teaching points that may hang from them.
        for points in (False, True):
            batch = [
                (
                    row.payload["target"],
                    School(code=row.values["code"], **self._fields(row.payload["target"], pks, townships)),
                )
                for row in new_rows
                if (row.payload["target"]["category"] == SchoolCategory.TEACHING_POINT) == points
            ]
            if not batch:
                continue
            School.objects.bulk_create([school for _target, school in batch], batch_size=1000)
            for target, school in batch:
                pks[school.code] = created[school.code] = school.pk
                fields = {"code": school.code, **{name: getattr(school, _attname(name)) for name in SCHOOL_FIELDS}}
                audit.append(
                    (school, ChangeAction.CREATE, _created(fields), (school.pk, target["township"]), school.name)
                )
        changed = []
        for row in rows:
            if row.action != CHANGED:
                continue
            target = row.payload["target"]
            school = School(pk=row.payload["pk"], code=row.values["code"], **self._fields(target, pks, townships))
            changes = {}
            for name, (old, new) in row.changes.items():
                if name in ("parent", "township"):
                    changes[name] = [row.payload["ids"][name], getattr(school, _attname(name))]
                else:
                    changes[name] = [old, new]
            changed.append(school)
            audit.append((school, ChangeAction.UPDATE, changes, (school.pk, target["township"]), school.name))
        if changed:
            School.objects.bulk_update(changed, list(SCHOOL_FIELDS), batch_size=1000)
        record_changes_bulk(audit)

    @staticmethod
    def _fields(target: dict, pks: dict, townships: dict) -> dict:
        fields = {name: target[name] for name in SCHOOL_FIELDS if name not in ("township", "parent")}
        fields["township_id"] = townships[target["township"]]
        fields["parent_id"] = pks.get(target["parent"]) if target["parent"] else None
        return fields


def _attname(name: str) -> str:
    return f"{name}_id" if name in ("township", "parent") else name
