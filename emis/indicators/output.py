"""Writing an Evaluation out: JSON (a list of {code, name, value, numerator, denominator, unit, dimensions}),
an aligned text table, or an xlsx workbook (values, and the definitions with their formulas)."""

from __future__ import annotations

import json
import unicodedata
from decimal import Decimal

from django.utils.translation import gettext as _

from .definitions import REGISTRY, UNITS
from .engine import Evaluation


def _json_default(value):
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def to_json(evaluation: Evaluation) -> str:
    return json.dumps(
        [item.as_dict() for item in evaluation.values], ensure_ascii=False, indent=2, default=_json_default
    )


def display(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.2f}"


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    space = " " * (width - _width(text))
    return space + text if right else text + space


def table_rows(evaluation: Evaluation) -> list[list[str]]:
    """Header and one row per value, as display strings."""
    rows = [[_("代码"), _("指标"), _("分组"), _("值"), _("单位"), _("分子"), _("分母")]]
    for item in evaluation.values:
        rows.append(
            [
                item.code,
                item.name,
                item.label or _("合计"),
                display(item.value),
                UNITS[item.unit],
                display(item.numerator),
                display(item.denominator),
            ]
        )
    return rows


def to_table(evaluation: Evaluation) -> str:
    rows = table_rows(evaluation)
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    numeric = {3, 5, 6}
    lines = []
    for index, row in enumerate(rows):
        lines.append("  ".join(_pad(cell, widths[i], right=i in numeric) for i, cell in enumerate(row)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines) + "\n"


def write_xlsx(evaluation: Evaluation, path) -> None:
    from emis.core.safe_export import safe_workbook

    workbook = safe_workbook(path)
    try:
        bold = workbook.add_format({"bold": True})
        two = workbook.add_format({"num_format": "#,##0.00"})
        whole = workbook.add_format({"num_format": "#,##0"})
        sheet = workbook.add_worksheet(_("指标值"))
        header = [
            _("代码"),
            _("指标"),
            _("分组维度"),
            _("分组代码"),
            _("分组"),
            _("值"),
            _("单位"),
            _("分子"),
            _("分母"),
        ]
        sheet.write_row(0, 0, header, bold)
        for row, item in enumerate(evaluation.values, start=1):
            dim = item.dimension
            sheet.write_row(row, 0, [item.code, item.name, dim or "", "" if dim is None else str(item.dimensions[dim])])
            sheet.write(row, 4, item.label or _("合计"))
            for col, number in ((5, item.value), (7, item.numerator), (8, item.denominator)):
                if number is not None:
                    sheet.write_number(row, col, float(number), two if isinstance(number, Decimal) else whole)
            sheet.write(row, 6, UNITS[item.unit])
        sheet.set_column(0, 0, 32)
        sheet.set_column(1, 1, 28)
        sheet.set_column(2, 4, 14)
        sheet.set_column(5, 8, 12)
        sheet.freeze_panes(1, 0)

        definitions = workbook.add_worksheet(_("指标定义"))
        header = [_("代码"), _("指标"), _("单位"), _("计算公式与口径"), _("分子"), _("分母"), _("依据"), _("国家标准")]
        definitions.write_row(0, 0, header, bold)
        codes = list(dict.fromkeys(item.code for item in evaluation.values))
        params = evaluation.rules
        for row, code in enumerate(codes, start=1):
            indicator = REGISTRY[code]
            thresholds = "; ".join(
                f"{t['comparator']} {t['value']} ({t['basis']})" for t in indicator.thresholds(params)
            )
            definitions.write_row(
                row,
                0,
                [
                    code,
                    str(indicator.name),
                    indicator.unit,
                    indicator.formula_text(params),
                    indicator.numerator_text(params),
                    indicator.denominator_text(params),
                    indicator.source,
                    thresholds,
                ],
            )
        definitions.set_column(0, 0, 32)
        definitions.set_column(1, 1, 28)
        definitions.set_column(3, 3, 80)
        definitions.set_column(4, 5, 40)
    finally:
        workbook.close()
