"""Imports for the school-age population: the yearly register (适龄人口登记) and the list of children verified
as attending school outside the county (县外就读), which 控辍保学 counts as in school.

Both belong to the batch's school year (ctx.school_year); the natural key is (学年, 身份证件号). Structure as in
emis.students.importers: begin() checks the role and loads lookups, check_chunk() classifies a chunk with one
query per lookup, write_chunk() writes in bulk and records the change log itself.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from emis.common.idnumbers import check_id_consistency, validate_id_number
from emis.common.text import pinyin_initials
from emis.core import access
from emis.core.audit import record_changes_bulk
from emis.core.imports.cells import parse_date, parse_id_number, parse_text
from emis.core.imports.columns import id_number_column, person_columns
from emis.core.imports.engine import CHANGED, NEW, UNCHANGED, Column, ImportSpec, Row
from emis.core.imports.reader import FileRejected
from emis.core.imports.scope import OUT_OF_SCOPE_PERSON, pks_in_scope
from emis.core.models import ChangeAction
from emis.orgs.area import county_of
from emis.orgs.choices import DivisionLevel
from emis.orgs.importing import Places, county_for, school_year_hint
from emis.orgs.models import School, SchoolYear
from emis.students.choices import ON_ROLL_STATUSES
from emis.students.models import Enrollment

from .apps import DOMAIN
from .models import OutsideEnrollment, PopulationRecord

IN_BATCH = 900


def _json(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _in_batches(values) -> list[list]:
    values = list(values)
    return [values[start : start + IN_BATCH] for start in range(0, len(values), IN_BATCH)]


def _school_year(ctx) -> SchoolYear:
    year = SchoolYear.objects.filter(start_year=ctx.school_year).first() if ctx.school_year else None
    if year is None:
        raise FileRejected(school_year_hint(ctx.school_year))
    return year


def _check_id(row: Row, values: dict, ctx, *, person: bool) -> None:
    """Well-formed with a correct check digit, consistent with birth date and gender, once per file."""
    id_number = values.get("id_number") or ""
    if not id_number:
        return
    try:
        validate_id_number(id_number)
    except ValidationError as exc:
        row.error("身份证件号", exc.messages[0], id_number)
    else:
        if person:
            for field, message in check_id_consistency(
                id_number, values.get("birth_date"), values.get("gender")
            ).items():
                row.error("出生日期" if field == "birth_date" else "性别", message, id_number)
    if id_number in ctx.seen_keys:
        row.error("身份证件号", _("身份证件号在文件中重复出现。"), id_number)
    else:
        ctx.seen_keys.add(id_number)


# The register -----------------------------------------------------------------------------------------------

PERSON_FIELDS = ("name", "gender", "birth_date", "hukou_township", "hukou_village")


class PopulationImport(ImportSpec):
    """One row = one school-age person on the year's register (from 公安户籍, by 户籍 township and village)."""

    kind = "population"
    label = gettext_lazy("适龄人口")
    template_name = gettext_lazy("适龄人口登记导入模板")
    model = PopulationRecord
    columns = [
        id_number_column(required=True, example="421224201803050011"),
        *person_columns(example_name="张三丰", example_birth="2018-03-05"),
        Column(
            "township",
            "户籍乡镇代码",
            ("hukou_township", "township_code", "township"),
            True,
            parse_text,
            example="421224100",
        ),
        Column(
            "village",
            "户籍村代码",
            ("hukou_village", "village_code", "village"),
            False,
            parse_text,
            note="12位村/社区代码；不填则保留原值。",
            example="421224100001",
        ),
    ]

    # Export (emis.core.exports): a register row belongs to its school year, the year to choose when importing back.
    export_extras = (
        ("school_year", "学年"),
        ("township_name", "户籍乡镇"),
        ("village_name", "户籍村/社区"),
        ("source", "来源"),
    )

    def export_chunks(self, queryset, *, user, options):
        from emis.common.schoolyear import school_year_label
        from emis.core.exports import CHUNK_SIZE, chunks

        genders = {code: str(label) for code, label in PopulationRecord._meta.get_field("gender").choices}
        sources = {code: str(label) for code, label in PopulationRecord._meta.get_field("source").choices}
        fields = (
            "id_number",
            "name",
            "gender",
            "birth_date",
            "hukou_township__code",
            "hukou_village__code",
            "school_year__start_year",
            "hukou_township__name",
            "hukou_village__name",
            "source",
        )
        for chunk in chunks(queryset.values_list(*fields).iterator(chunk_size=CHUNK_SIZE)):
            yield [
                {
                    "id_number": id_number,
                    "name": name,
                    "gender": genders.get(gender, gender),
                    "birth_date": birth,
                    "township": township,
                    "village": village or "",
                    "school_year": school_year_label(year),
                    "township_name": township_name,
                    "village_name": village_name or "",
                    "source": sources.get(source, source),
                }
                for id_number, name, gender, birth, township, village, year, township_name, village_name, source in chunk  # noqa: E501
            ]

    def begin(self, ctx) -> None:
        if not access.role_may(ctx.user, DOMAIN, access.ADD):
            raise FileRejected(_("您的角色无权导入适龄人口数据。"))
        ctx.cache["year"] = _school_year(ctx)
        places = ctx.cache["places"] = Places(ctx.user)
        ctx.cache["townships"], ctx.cache["villages"] = places.townships, places.villages

    def check_chunk(self, rows: list[Row], ctx) -> None:
        for row in rows:
            self._check_row(row, ctx)
        live = [row for row in rows if not row.rejected]
        existing = {}
        for batch in _in_batches(row.values["id_number"] for row in live):
            for values in PopulationRecord.objects.filter(
                school_year=ctx.cache["year"], id_number__in=batch
            ).values_list(
                "id_number",
                "pk",
                "name",
                "gender",
                "birth_date",
                "hukou_township_id",
                "hukou_village_id",
                "hukou_township__code",
            ):
                existing[values[0]] = values[1:]
        # Matched across the county, written only inside the user's scope (PopulationRecord.scope, through for_user).
        ctx.cache["in_scope"] = pks_in_scope(PopulationRecord, ctx.user, {values[0] for values in existing.values()})
        for row in live:
            self._classify(row, existing, ctx)

    def _check_row(self, row: Row, ctx) -> None:
        values = row.values
        _check_id(row, values, ctx, person=True)
        places = ctx.cache["places"]
        township = values.get("township") or ""
        township_ok = bool(township) and places.check(row, "户籍乡镇代码", township)
        village = values.get("village") or ""
        # The village is checked for being known, not for scope: it must lie in the township, which is checked.
        if village and places.check(row, "户籍村代码", village, DivisionLevel.VILLAGE, scope=False):
            if township_ok and places.villages[village][1] != places.townships[township]:
                row.error(
                    "户籍村代码",
                    _("村/社区 {code} 不属于户籍乡镇 {township}。").format(code=village, township=township),
                    village,
                )

    def _classify(self, row: Row, existing: dict, ctx) -> None:
        values = row.values
        township_code = values["township"]
        found = existing.get(values["id_number"])
        village = ctx.cache["villages"][values["village"]][0] if values.get("village") else None
        target = {
            "name": values["name"],
            "gender": values["gender"],
            "birth_date": values["birth_date"],
            "hukou_township": ctx.cache["townships"][township_code],
            "hukou_village": village,
        }
        row.payload = {"target": target, "township": township_code, "pk": None}
        if found is None:
            row.action = NEW
            return
        pk, *current, _old_township = found
        if pk not in ctx.cache["in_scope"]:
            # Not the township: a register row outside scope must not tell where the child is registered.
            row.error("身份证件号", OUT_OF_SCOPE_PERSON, values["id_number"])
            return
        current = dict(zip(PERSON_FIELDS, current, strict=True))
        if target["hukou_village"] is None:  # an empty village keeps the stored one
            target["hukou_village"] = current["hukou_village"]
            if current["hukou_village"] is not None and target["hukou_township"] != current["hukou_township"]:
                target["hukou_village"] = None  # a village of the old township no longer fits
        row.payload["pk"] = pk
        row.changes = {
            name: [_json(current[name]), _json(target[name])] for name in PERSON_FIELDS if current[name] != target[name]
        }
        row.action = CHANGED if row.changes else UNCHANGED

    def write_chunk(self, rows: list[Row], ctx) -> None:
        if not rows:
            return
        year = ctx.cache["year"]
        new, changed = [], []
        for row in rows:
            target = row.payload["target"]
            record = PopulationRecord(
                pk=row.payload["pk"],
                school_year=year,
                id_number=row.values["id_number"],
                name=target["name"],
                gender=target["gender"],
                birth_date=target["birth_date"],
                hukou_township_id=target["hukou_township"],
                hukou_village_id=target["hukou_village"],
            )
            record.refresh_search_keys()
            (new if row.payload["pk"] is None else changed).append((row, record))
        audit = []
        PopulationRecord.objects.bulk_create([record for _row, record in new], batch_size=1000)
        for row, record in new:
            fields = {
                "school_year": year.pk,
                "id_number": record.id_number,
                "source": record.source,
                **{name: _json(value) for name, value in row.payload["target"].items()},
            }
            audit.append(
                (
                    record,
                    ChangeAction.CREATE,
                    {name: [None, value] for name, value in fields.items()},
                    (None, row.payload["township"]),
                    record.name,
                )
            )
        if changed:
            PopulationRecord.objects.bulk_update(
                [record for _row, record in changed],
                ["name", "name_initials", "gender", "birth_date", "hukou_township", "hukou_village"],
                batch_size=1000,
            )
            for row, record in changed:
                audit.append((record, ChangeAction.UPDATE, row.changes, (None, row.payload["township"]), record.name))
        record_changes_bulk(audit)


# Children enrolled outside the county ----------------------------------------------------------------------

OUTSIDE_FIELDS = ("name", "hukou_township", "school_name", "region", "grade", "verified_on", "note")
OPTIONAL_KEEP = ("grade", "verified_on", "note")  # an empty optional cell keeps the stored value


class OutsideEnrollmentImport(ImportSpec):
    """One row = one child verified as attending school outside the county in the batch's school year.

    The 户籍 township comes from the year's register (by ID number), and the record's county is that township's.
    A child not on it keeps the township or county of an earlier record; otherwise it is filed under the county of
    the importing user (emis.orgs.importing.county_for: the user's county, or the only county set up that the
    user's scope touches), which only county-level users may write. Where that county cannot be told (an
    administrator of several counties), the row is refused until the register is loaded.
    """

    kind = "outside"
    label = gettext_lazy("县外就读")
    model = OutsideEnrollment
    columns = [
        Column(
            "id_number",
            "身份证件号",
            ("身份证号", "id_number", "id number"),
            True,
            parse_id_number,
            example="421224201803050011",
        ),
        Column("name", "姓名", ("name",), True, parse_text, example="张三丰"),
        Column(
            "school_name",
            "就读学校名称",
            ("就读学校", "school_name", "school"),
            True,
            parse_text,
            example="武汉市江岸区实验小学",
        ),
        Column("region", "就读地区", ("region",), True, parse_text, example="湖北省武汉市江岸区"),
        Column("grade", "年级", ("grade",), False, parse_text, example="一年级"),
        Column("verified_on", "核实日期", ("verified_on", "verified"), False, parse_date, example="2024-09-20"),
        Column("note", "核实来源", ("备注", "note", "source"), False, parse_text, example="学籍系统查询"),
    ]

    # Export (emis.core.exports): the 户籍 township comes from the year's register on import, so it is read-only here.
    export_extras = (("school_year", "学年"), ("township", "户籍乡镇代码"), ("township_name", "户籍乡镇"))

    def export_chunks(self, queryset, *, user, options):
        from emis.common.schoolyear import school_year_label
        from emis.core.exports import CHUNK_SIZE, chunks

        fields = (
            "id_number",
            "name",
            "school_name",
            "region",
            "grade",
            "verified_on",
            "note",
            "school_year__start_year",
            "hukou_township__code",
            "hukou_township__name",
        )
        for chunk in chunks(queryset.values_list(*fields).iterator(chunk_size=CHUNK_SIZE)):
            yield [
                {
                    "id_number": id_number,
                    "name": name,
                    "school_name": school_name,
                    "region": region,
                    "grade": grade,
                    "verified_on": verified_on,
                    "note": note,
                    "school_year": school_year_label(year),
                    "township": township or "",
                    "township_name": township_name or "",
                }
                for id_number, name, school_name, region, grade, verified_on, note, year, township, township_name in chunk  # noqa: E501
            ]

    def begin(self, ctx) -> None:
        user = ctx.user
        if not access.role_may(user, DOMAIN, access.ADD):
            raise FileRejected(_("您的角色无权导入县外就读数据。"))
        ctx.cache["year"] = _school_year(ctx)
        # The county of a child on no register and with no earlier record (emis.orgs.importing.county_for).
        ctx.cache["county"] = county_for(user)
        ctx.cache["today"] = timezone.localdate()
        ctx.cache["school_ids"] = set(School.objects.for_user(user).values_list("pk", flat=True))

    def check_chunk(self, rows: list[Row], ctx) -> None:
        year = ctx.cache["year"]
        for row in rows:
            _check_id(row, row.values, ctx, person=False)
            verified = row.values.get("verified_on")
            if verified and verified > ctx.cache["today"]:
                row.error("核实日期", _("核实日期晚于今天。"), verified)
        live = [row for row in rows if not row.rejected]
        ids = [row.values["id_number"] for row in live]
        register, existing, on_roll = {}, {}, {}
        for batch in _in_batches(ids):
            for id_number, name, township_id, township in PopulationRecord.objects.filter(
                school_year=year, id_number__in=batch
            ).values_list("id_number", "name", "hukou_township_id", "hukou_township__code"):
                register[id_number] = (name, township_id, township)
            for values in OutsideEnrollment.objects.filter(school_year=year, id_number__in=batch).values_list(
                "id_number",
                "pk",
                *OUTSIDE_FIELDS[:1],
                "hukou_township_id",
                *OUTSIDE_FIELDS[2:],
                "hukou_township__code",
                "county_code",
            ):
                existing[values[0]] = values[1:]
            for id_number, school_id, school_name in Enrollment.objects.filter(
                school_year=year, is_current=True, status__in=ON_ROLL_STATUSES, student__id_number__in=batch
            ).values_list("student__id_number", "school_id", "school__name"):
                on_roll[id_number] = (school_id, school_name)
        # Matched across the county, written only inside the user's scope (OutsideEnrollment.scope, through for_user).
        ctx.cache["in_scope"] = pks_in_scope(OutsideEnrollment, ctx.user, {values[0] for values in existing.values()})
        for row in live:
            self._classify(row, register, existing, on_roll, ctx)

    def _classify(self, row: Row, register: dict, existing: dict, on_roll: dict, ctx) -> None:
        values = row.values
        id_number = values["id_number"]
        registered = register.get(id_number)
        found = existing.get(id_number)
        if found is not None:
            pk, *current, old_township, old_county = found
            if pk not in ctx.cache["in_scope"]:
                row.error("身份证件号", OUT_OF_SCOPE_PERSON, id_number)
                return
        if registered:
            registered_name, township_id, scope_code = registered
            if not access.covers(ctx.user, division=scope_code):
                row.error("身份证件号", OUT_OF_SCOPE_PERSON, id_number)
                return
            if registered_name != values["name"]:
                row.warn(
                    "姓名",
                    _("姓名与本学年适龄人口登记中的“{name}”不一致，请核对。").format(name=registered_name),
                    values["name"],
                )
        elif found is not None and (old_township or old_county):
            # Not on the register (perhaps not loaded yet): the township, or the county, entered earlier stays.
            township_id = current[OUTSIDE_FIELDS.index("hukou_township")]
            scope_code = old_township or old_county
        elif not ctx.cache["county"]:
            # Several counties and no register row: which county's child this is cannot be told.
            row.error(
                "身份证件号",
                _("本学年适龄人口登记中没有此身份证号，无法确定所属县：请先导入该县本学年的适龄人口登记。"),
                id_number,
            )
            return
        else:
            township_id, scope_code = None, ctx.cache["county"]
            if not access.covers(ctx.user, division=scope_code):
                row.error(
                    "身份证件号",
                    _("本学年适龄人口登记中没有此身份证号，记录将归属全县：只有县级用户可以导入。"),
                    id_number,
                )
                return
        if id_number in on_roll:
            school_id, school_name = on_roll[id_number]
            if school_id in ctx.cache["school_ids"]:
                message = _("此人本学年在本县学校（{school}）在读，请核实是否确在县外就读。").format(school=school_name)
            else:
                # The school is outside the user's scope: the warning stays (控辍保学 needs it), its name does not.
                message = _("此人本学年在本县学校在读，请核实是否确在县外就读。")
            row.warn("身份证件号", message, id_number)
        target = {
            "name": values["name"],
            "hukou_township": township_id,
            "school_name": values["school_name"],
            "region": values["region"],
            "grade": values.get("grade") or "",
            "verified_on": values.get("verified_on"),
            "note": values.get("note") or "",
        }
        # An OutsideEnrollment's county is its township's; with no township, the county the record is filed under.
        row.payload = {"target": target, "scope_code": scope_code, "county": county_of(scope_code), "pk": None}
        if found is None:
            row.action = NEW
            return
        current = dict(zip(OUTSIDE_FIELDS, current, strict=True))
        for name in OPTIONAL_KEEP:
            if target[name] in ("", None):
                target[name] = current[name]
        row.payload["pk"] = pk
        row.changes = {
            name: [_json(current[name]), _json(target[name])]
            for name in OUTSIDE_FIELDS
            if current[name] != target[name]
        }
        if old_county != row.payload["county"]:  # the register now places the child in another county
            row.changes["county_code"] = [old_county, row.payload["county"]]
        row.action = CHANGED if row.changes else UNCHANGED

    def write_chunk(self, rows: list[Row], ctx) -> None:
        if not rows:
            return
        year = ctx.cache["year"]
        new, changed = [], []
        for row in rows:
            target = row.payload["target"]
            record = OutsideEnrollment(
                pk=row.payload["pk"],
                school_year=year,
                id_number=row.values["id_number"],
                county_code=row.payload["county"],
                hukou_township_id=target["hukou_township"],
                **{name: target[name] for name in OUTSIDE_FIELDS if name != "hukou_township"},
            )
            record.name_initials = pinyin_initials(record.name)
            (new if row.payload["pk"] is None else changed).append((row, record))
        audit = []
        OutsideEnrollment.objects.bulk_create([record for _row, record in new], batch_size=1000)
        for row, record in new:
            fields = {
                "school_year": year.pk,
                "id_number": record.id_number,
                "county_code": record.county_code,
                **{name: _json(value) for name, value in row.payload["target"].items()},
            }
            audit.append(
                (
                    record,
                    ChangeAction.CREATE,
                    {name: [None, value] for name, value in fields.items()},
                    (None, row.payload["scope_code"]),
                    record.name,
                )
            )
        if changed:
            OutsideEnrollment.objects.bulk_update(
                [record for _row, record in changed], [*OUTSIDE_FIELDS, "name_initials", "county_code"], batch_size=1000
            )
            for row, record in changed:
                audit.append((record, ChangeAction.UPDATE, row.changes, (None, row.payload["scope_code"]), record.name))
        record_changes_bulk(audit)
