"""The `tutoring_institutions` import: the county's 校外培训机构 名录 from a spreadsheet (the list the 双减 office
keeps, or this system's own export corrected and imported back).

Natural key: (所在乡镇代码, 机构名称), the registry's own uniqueness. A row names an institution new to the township
(added) or one already there (its changed columns updated, empty cells keeping what is stored); the same file
imported again changes nothing. Each row is written through services.institution_save, the one write path of the
registry (its rules: a 学科类 institution is non-profit, the licence expires after it is issued; a change of status is
dated), so its change records are the ones a page's save writes, filed with the batch (rollback deletes what the
batch added). The registry is small (tens to a few hundred institutions a county): rows are saved one by one.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from emis.core import access
from emis.core.imports.cells import CellError, parse_date, parse_optional_bool, parse_text, text
from emis.core.imports.engine import CHANGED, NEW, UNCHANGED, Column, ImportSpec, Row
from emis.core.imports.reader import FileRejected
from emis.core.imports.scope import pks_in_scope
from emis.orgs.importing import Places

from .apps import DOMAIN
from .models import FundSupervision, Institution, Kind, LegalForm, ListMark, Status, Supervisor
from .selectors import ANNUAL_RESULTS
from .services import institution_problems, institution_save

# Columns after the key, in the template's order: (model field, parser). Choices are read by their labels.
CHOICES = {
    "legal_form": LegalForm,
    "kind": Kind,
    "supervisor": Supervisor,
    "fund_supervision": FundSupervision,
    "status": Status,
    "list_mark": ListMark,
}


def parse_area(value):
    raw = text(value)
    if raw == "":
        return None
    try:
        area = Decimal(raw).quantize(Decimal("0.1"))
    except InvalidOperation:
        raise CellError(_("“{value}”不是数字：场地面积请填写平方米数，如 320.5。").format(value=raw)) from None
    if area < 0:
        raise CellError(_("场地面积不能为负数。"))
    return area


def _label_choices(choices) -> str:
    return "、".join(str(label) for value, label in choices.choices if value)


def _column(key: str, header: str, aliases=(), parser=parse_text, **kwargs) -> Column:
    return Column(key, header, aliases, kwargs.pop("required", False), parser, **kwargs)


class InstitutionImport(ImportSpec):
    """One row = one 校外培训机构, found by township and name."""

    kind = "tutoring_institutions"
    label = gettext_lazy("校外培训机构名录")
    template_name = gettext_lazy("校外培训机构名录导入模板")
    model = Institution
    written_models = (Institution,)
    columns = [
        _column("township_code", "所在乡镇代码", ("乡镇代码", "township"), required=True, example="421224100"),
        _column("name", "机构名称", ("名称", "name"), required=True, example="通山县启航培训学校"),
        _column("credit_code", "统一社会信用代码", ("信用代码",), example="52421224MJH000001X"),
        _column("address", "办学地址", ("地址",), example="通羊镇府前路8号"),
        _column("principal", "负责人", (), example="王敏"),
        _column("phone", "联系电话", ("电话",), example="0715-2345678"),
        _column("licence_number", "办学许可证号", ("许可证号",), example="教民142122470000101号"),
        _column("licence_issued", "发证日期", (), parse_date, example="2021-10-15"),
        _column("licence_expires", "许可证有效期至", ("有效期至",), parse_date, example="2026-10-14"),
        _column(
            "legal_form",
            "法人类型",
            (),
            note="非营利性（民办非企业单位）或营利性（企业）。",
            example="非营利性（民办非企业单位）",
        ),
        _column("converted_on", "营转非日期", (), parse_date, example="2021-11-30"),
        _column("reregistered_on", "重新登记日期", (), parse_date, example=""),
        _column("kind", "培训类别", ("类别",), note="学科类或非学科类。", example="学科类"),
        _column("subjects", "培训项目", (), example="语文、数学"),
        _column(
            "supervisor",
            "主管部门",
            (),
            note="教育部门、体育部门、文化和旅游部门、科技部门、其他部门之一。",
            example="教育部门",
        ),
        _column("premises_area", "场地面积（㎡）", ("场地面积",), parse_area, example="320.5"),
        _column("fire_approved", "通过消防验收", (), parse_optional_bool, example="是"),
        _column("guided_price", "执行政府指导价", (), parse_optional_bool, example="是"),
        _column(
            "fund_supervision",
            "预收费资金监管",
            (),
            note="银行托管、风险保证金、银行托管和风险保证金之一；未落实填“未落实”。",
            example="银行托管",
        ),
        _column("custodian_bank", "托管银行", (), example="湖北通山农村商业银行"),
        _column("standard_contract", "使用示范合同文本", (), parse_optional_bool, example="是"),
        _column("status", "办学状态", (), note="正常办学、停业整顿、已注销之一。", example="正常办学"),
        _column("status_since", "状态日期", (), parse_date, example=""),
        _column("list_mark", "黑白名单", (), note="白名单、黑名单或未列入。", example=""),
        _column("note", "备注", (), example=""),
    ]

    def begin(self, ctx) -> None:
        if not access.role_may(ctx.user, DOMAIN, access.ADD):
            raise FileRejected(_("您的角色无权导入校外培训机构名录。"))
        ctx.cache["places"] = Places(ctx.user)
        ctx.cache["choices"] = {
            name: {str(label): value for value, label in choices.choices} | {value: value for value in choices.values}
            for name, choices in CHOICES.items()
        }

    def check_chunk(self, rows: list[Row], ctx) -> None:
        places = ctx.cache["places"]
        for row in rows:
            self._check_row(row, places, ctx)
        live = [row for row in rows if not row.rejected]
        keys = {(places.townships[row.values["township_code"]], row.values["name"]) for row in live}
        existing = {}
        for township_id in {township for township, _name in keys}:
            names = [name for township, name in keys if township == township_id]
            for institution in Institution.objects.filter(township_id=township_id, name__in=names):
                existing[(township_id, institution.name)] = institution
        in_scope = pks_in_scope(Institution, ctx.user, {institution.pk for institution in existing.values()})
        for row in live:
            key = (places.townships[row.values["township_code"]], row.values["name"])
            self._classify(row, key, existing.get(key), in_scope)

    def _check_row(self, row: Row, places: Places, ctx) -> None:
        values = row.values
        code = values.get("township_code") or ""
        if code:
            places.check(row, "所在乡镇代码", code)
        name = values.get("name") or ""
        if len(name) > Institution._meta.get_field("name").max_length:
            row.error("机构名称", _("机构名称过长（最多100个字）。"), name)
        for field, choices in CHOICES.items():
            raw = values.get(field) or ""
            if raw == "":
                values[field] = None
                continue
            value = ctx.cache["choices"][field].get(raw)
            if value is None:
                header = next(column.header for column in self.columns if column.key == field)
                row.error(
                    header,
                    _("无法识别“{value}”，应为：{labels}。").format(value=raw, labels=_label_choices(choices)),
                    raw,
                )
            values[field] = value
        if code and name:
            key = (code, name)
            if key in ctx.seen_keys:
                row.error("机构名称", _("同一乡镇的同名机构在文件中重复出现。"), name)
            else:
                ctx.seen_keys.add(key)

    def _classify(self, row: Row, key, existing: Institution | None, in_scope: set[int]) -> None:
        values = row.values
        if existing is not None and existing.pk not in in_scope:
            row.error("机构名称", _("该机构不在您的管辖范围内，不能通过导入修改。"), values["name"])
            return
        institution = existing or Institution(township_id=key[0], name=values["name"])
        before = {field: getattr(institution, field) for field in FIELDS}
        for field in FIELDS:
            value = values.get(field)
            # An empty cell keeps what is stored (a new institution: the model's default).
            if value is None or (value == "" and field not in CHOICES):
                continue
            setattr(institution, field, value)
        if existing is None:
            if not institution.legal_form:
                row.error("法人类型", _("新增机构须填写法人类型。"))
            if not institution.kind:
                row.error("培训类别", _("新增机构须填写培训类别。"))
            if not institution.address:
                row.error("办学地址", _("新增机构须填写办学地址。"))
        if row.rejected:
            return
        for problem in institution_problems(institution):
            row.error("机构名称", problem, values["name"])
        try:
            institution.full_clean(exclude=["township"], validate_unique=False)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                label = Institution._meta.get_field(field).verbose_name if field != "__all__" else _("机构名称")
                for message in messages:
                    row.error(str(label), message, values.get(field, ""))
        if row.rejected:
            return
        changes = {
            field: [before[field], getattr(institution, field)]
            for field in FIELDS
            if before[field] != getattr(institution, field)
        }
        if existing is None:
            row.action = NEW
        elif changes:
            row.action = CHANGED
            row.changes = changes
        else:
            row.action = UNCHANGED
        row.payload = institution

    def write_chunk(self, rows: list[Row], ctx) -> None:
        for row in rows:
            institution_save(institution=row.payload, acting_user=ctx.user)

    # The list's export (the page's rows, this template's columns) ends with what the registry computes.
    export_extras = (("annual_result", "最近年检结论"),)

    def export_chunks(self, queryset, *, user, options):
        from emis.core.exports import CHUNK_SIZE, chunks

        labels = {name: dict(choices.choices) for name, choices in CHOICES.items()}
        annual_labels = dict(ANNUAL_RESULTS)
        fields = ("township__code", "name", "annual_result", *FIELDS)
        for chunk in chunks(queryset.values_list(*fields).iterator(chunk_size=CHUNK_SIZE)):
            rows = []
            for township_code, name, annual_result, *values in chunk:
                row = {
                    "township_code": township_code,
                    "name": name,
                    "annual_result": str(annual_labels.get(annual_result or "", "")),
                }
                for field, value in zip(FIELDS, values, strict=True):
                    if field in labels:  # by label, the blank choices too (未落实, 未列入)
                        value = str(labels[field].get(value, value or ""))
                    row[field] = value
                rows.append(row)
            yield rows


# The registry's fields a row may set: every column after the key (所在乡镇代码, 机构名称), in the template's order.
FIELDS = tuple(column.key for column in InstitutionImport.columns[2:])
