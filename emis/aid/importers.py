"""The `aid_eligibility` import: the lists of 资助对象 recognised by 民政 (低保, 特困供养, 孤儿, 事实无人抚养),
乡村振兴 (脱贫家庭, 监测对象) and 残联 (残疾学生, 残疾人子女), one row per child and category.

Natural key: (身份证件号, 资助对象类别); re-importing the same file changes nothing. The record is filed under the
township of the child's current school, else of the latest population register entry, else under the county of the
importing user (county-level users only). Structure as in emis.population.importers.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from emis.common.idnumbers import validate_id_number
from emis.common.text import pinyin_initials
from emis.core import access
from emis.core.audit import record_changes_bulk
from emis.core.imports.cells import parse_date, parse_id_number, parse_text
from emis.core.imports.engine import CHANGED, NEW, UNCHANGED, Column, ImportSpec, Row
from emis.core.imports.reader import FileRejected
from emis.core.imports.scope import OUT_OF_SCOPE_PERSON, pks_in_scope
from emis.core.models import ChangeAction
from emis.orgs.area import county_of
from emis.orgs.importing import county_for
from emis.population.models import PopulationRecord
from emis.students.models import Student

from .apps import DOMAIN
from .models import CATEGORY_LABELS, SOURCE_LABELS, Category, Recognition, Source

IN_BATCH = 900
FIELDS = ("name", "recognised_on", "source", "township_code", "county_code")


def _batches(values) -> list[list]:
    values = list(values)
    return [values[start : start + IN_BATCH] for start in range(0, len(values), IN_BATCH)]


def _json(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _choice(value: str, labels: dict[str, str], codes) -> str | None:
    value = (value or "").strip()
    if value in labels:
        return labels[value]
    return value if value in codes else None


class EligibilityImport(ImportSpec):
    """One row = one child recognised in one 资助对象类别 (a child in two categories has two rows)."""

    kind = "aid_eligibility"
    label = gettext_lazy("资助对象认定")
    template_name = gettext_lazy("资助对象认定导入模板")
    model = Recognition
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
            "category",
            "资助对象类别",
            ("类别", "category"),
            True,
            parse_text,
            note="脱贫家庭、监测对象、低保、特困供养、孤儿、事实无人抚养、残疾学生、残疾人子女、其他困难之一。",
            example="脱贫家庭",
        ),
        Column("recognised_on", "认定日期", ("recognised_on", "date"), True, parse_date, example="2020-09-15"),
        Column(
            "source",
            "认定来源",
            ("来源", "source"),
            True,
            parse_text,
            note="民政、乡村振兴、残联、教育、其他之一。",
            example="乡村振兴",
        ),
    ]

    def export_chunks(self, queryset, *, user, options):
        from emis.core.exports import CHUNK_SIZE, chunks

        categories = dict(Category.choices)
        sources = dict(Source.choices)
        fields = ("id_number", "name", "category", "recognised_on", "source")
        for chunk in chunks(queryset.values_list(*fields).iterator(chunk_size=CHUNK_SIZE)):
            yield [
                {
                    "id_number": id_number,
                    "name": name,
                    "category": str(categories.get(category, category)),
                    "recognised_on": recognised_on,
                    "source": str(sources.get(source, source)),
                }
                for id_number, name, category, recognised_on, source in chunk
            ]

    def begin(self, ctx) -> None:
        if not access.role_may(ctx.user, DOMAIN, access.ADD):
            raise FileRejected(_("您的角色无权导入资助对象认定名单。"))
        ctx.cache["county"] = county_for(ctx.user)
        ctx.cache["today"] = timezone.localdate()
        ctx.cache["categories"] = {str(label): code for code, label in Category.choices} | CATEGORY_LABELS
        ctx.cache["sources"] = SOURCE_LABELS

    def check_chunk(self, rows: list[Row], ctx) -> None:
        for row in rows:
            self._check_row(row, ctx)
        live = [row for row in rows if not row.rejected]
        ids = sorted({row.values["id_number"] for row in live})
        existing, places, registered = {}, {}, {}
        for batch in _batches(ids):
            for id_number, category, *values in Recognition.objects.filter(id_number__in=batch).values_list(
                "id_number", "category", "pk", *FIELDS
            ):
                existing[(id_number, category)] = values
            for id_number, township, county in Student.objects.filter(id_number__in=batch).values_list(
                "id_number", "current_school__township__code", "county_code"
            ):
                places[id_number] = (township or "", county or "")
            for id_number, township in (
                PopulationRecord.objects.filter(id_number__in=batch)
                .order_by("school_year__start_year")
                .values_list("id_number", "hukou_township__code")
            ):
                registered[id_number] = township  # the latest year's wins
        ctx.cache["in_scope"] = pks_in_scope(Recognition, ctx.user, {values[0] for values in existing.values()})
        for row in live:
            self._classify(row, existing, places, registered, ctx)

    def _check_row(self, row: Row, ctx) -> None:
        values = row.values
        id_number = values.get("id_number") or ""
        if id_number:
            try:
                validate_id_number(id_number)
            except ValidationError as exc:
                row.error("身份证件号", exc.messages[0], id_number)
        category = _choice(values.get("category"), ctx.cache["categories"], Category.values)
        if category is None:
            row.error(
                "资助对象类别",
                _("未知的资助对象类别，应为：{labels}。").format(
                    labels="、".join(str(label) for label in Category.labels)
                ),
                values.get("category"),
            )
        values["category"] = category
        source = _choice(values.get("source"), ctx.cache["sources"], Source.values)
        if source is None:
            row.error(
                "认定来源",
                _("未知的认定来源，应为：{labels}。").format(labels="、".join(str(label) for label in Source.labels)),
                values.get("source"),
            )
        values["source"] = source
        recognised = values.get("recognised_on")
        if recognised and recognised > ctx.cache["today"]:
            row.error("认定日期", _("认定日期晚于今天。"), recognised)
        if id_number and category:
            key = (id_number, category)
            if key in ctx.seen_keys:
                row.error("资助对象类别", _("同一身份证件号的同一类别在文件中重复出现。"), values.get("category"))
            else:
                ctx.seen_keys.add(key)

    def _classify(self, row: Row, existing: dict, places: dict, registered: dict, ctx) -> None:
        values = row.values
        id_number = values["id_number"]
        township, county = places.get(id_number, ("", ""))
        if not township:
            township = registered.get(id_number) or ""
        county = county_of(township) if township else (county or ctx.cache["county"])
        found = existing.get((id_number, values["category"]))
        if found is not None and found[0] not in ctx.cache["in_scope"]:
            row.error("身份证件号", OUT_OF_SCOPE_PERSON, id_number)
            return
        scope_code = township or county
        if not county:
            row.error("身份证件号", _("无法确定此人所属县：请先导入其学籍或适龄人口登记。"), id_number)
            return
        if not access.covers(ctx.user, division=scope_code):
            row.error("身份证件号", OUT_OF_SCOPE_PERSON, id_number)
            return
        target = {
            "name": values["name"],
            "recognised_on": values["recognised_on"],
            "source": values["source"],
            "township_code": township,
            "county_code": county,
        }
        row.payload = {"target": target, "pk": None, "scope_code": scope_code}
        if found is None:
            row.action = NEW
            return
        pk, *current = found
        current = dict(zip(FIELDS, current, strict=True))
        row.payload["pk"] = pk
        row.changes = {
            name: [_json(current[name]), _json(target[name])] for name in FIELDS if current[name] != target[name]
        }
        row.action = CHANGED if row.changes else UNCHANGED

    def write_chunk(self, rows: list[Row], ctx) -> None:
        if not rows:
            return
        new, changed = [], []
        for row in rows:
            target = row.payload["target"]
            record = Recognition(
                pk=row.payload["pk"],
                id_number=row.values["id_number"],
                category=row.values["category"],
                name_initials=pinyin_initials(target["name"]),
                **target,
            )
            (new if row.payload["pk"] is None else changed).append((row, record))
        audit = []
        Recognition.objects.bulk_create([record for _row, record in new], batch_size=1000)
        for row, record in new:
            fields = {"id_number": record.id_number, "category": record.category}
            fields |= {name: _json(value) for name, value in row.payload["target"].items()}
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
            Recognition.objects.bulk_update(
                [record for _row, record in changed], [*FIELDS, "name_initials"], batch_size=1000
            )
            for row, record in changed:
                audit.append((record, ChangeAction.UPDATE, row.changes, (None, row.payload["scope_code"]), record.name))
        record_changes_bulk(audit)
