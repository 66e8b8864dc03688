"""The Excel writer: the draft's annex 《指标明细》 as an .xlsx (XlsxWriter, through emis.core.safe_export): every
indicator's total with the baseline and the change, its value by township (by county for a city or a province),
the definitions, and a sheet about
the draft.

    annex_bytes(draft) -> bytes        write_annex(draft, "annex.xlsx")
"""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

from django.utils import timezone, translation

from emis.indicators.definitions import COUNT, REGISTRY, UNITS
from emis.indicators.figures import Figures

from .blocks import AnnualDraft
from .draft import NOT_COMPARED
from .wording import REPORT_LANGUAGE, difference, plain_number

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(sheet, row: int, col: int, value, formats: dict) -> None:
    if value is None:
        sheet.write_blank(row, col, None)
    elif isinstance(value, Decimal):
        sheet.write_number(row, col, float(value), formats["two"])
    elif isinstance(value, int):
        sheet.write_number(row, col, value, formats["whole"])
    else:
        sheet.write(row, col, value)


def annex_bytes(draft: AnnualDraft) -> bytes:
    """附件《指标明细》: every indicator's total (with the baseline and the change) and its value by township,
    each with numerator and denominator, plus the definitions."""
    from emis.core.safe_export import safe_workbook

    buffer = io.BytesIO()
    workbook = safe_workbook(buffer, in_memory=True)
    formats = {
        "bold": workbook.add_format({"bold": True, "bg_color": "#f1f5fb", "border": 1}),
        "two": workbook.add_format({"num_format": "0.00"}),
        "whole": workbook.add_format({"num_format": "0"}),
        "title": workbook.add_format({"bold": True, "font_size": 14}),
    }
    now, then = draft.now, draft.then
    year, baseline = draft.year, draft.baseline
    f = Figures(now, then, not_compared=NOT_COMPARED)
    with translation.override(REPORT_LANGUAGE):
        totals = workbook.add_worksheet("指标汇总")
        header = ["代码", "指标", "单位", f"{year}年值", "分子", "分母"]
        if baseline:
            header += [f"{baseline}年值", f"{baseline}年分子", f"{baseline}年分母", "变化"]
        totals.write_row(0, 0, header, formats["bold"])
        for row, (code, item) in enumerate(now.totals().items(), start=1):
            totals.write_row(row, 0, [code, item.name, UNITS[item.unit]])
            for col, value in ((3, item.value), (4, item.numerator), (5, item.denominator)):
                _cell(totals, row, col, value, formats)
            if baseline:
                base = then.get(code) if then is not None else None
                if base is not None:
                    for col, value in ((6, base.value), (7, base.numerator), (8, base.denominator)):
                        _cell(totals, row, col, value, formats)
                delta = difference(item.value, f.base(code))
                _cell(totals, row, 9, None if delta is None else (int(delta) if item.unit == COUNT else delta), formats)
        totals.set_column(0, 0, 30)
        totals.set_column(1, 1, 26)
        totals.set_column(2, 2, 6)
        totals.set_column(3, 9, 12)
        totals.freeze_panes(1, 2)

        dimension, part_label = draft.area.part, draft.area.part_label
        townships = workbook.add_worksheet(f"分{part_label}")
        townships.write_row(
            0, 0, ["代码", "指标", "单位", f"{part_label}代码", part_label, "值", "分子", "分母"], formats["bold"]
        )
        order = {code: index for index, code in enumerate(REGISTRY)}
        rows = sorted(
            (item for item in now.values if item.dimension == dimension),
            key=lambda item: (order.get(item.code, 999), str(item.dimensions[dimension])),
        )
        for row, item in enumerate(rows, start=1):
            townships.write_row(
                row, 0, [item.code, item.name, UNITS[item.unit], str(item.dimensions[dimension] or ""), item.label]
            )
            for col, value in ((5, item.value), (6, item.numerator), (7, item.denominator)):
                _cell(townships, row, col, value, formats)
        townships.set_column(0, 0, 30)
        townships.set_column(1, 1, 26)
        townships.set_column(3, 4, 14)
        townships.set_column(5, 7, 12)
        townships.freeze_panes(1, 2)

        definitions = workbook.add_worksheet("指标定义")
        definitions.write_row(
            0, 0, ["代码", "指标", "单位", "计算公式与口径", "分子", "分母", "依据", "国家标准"], formats["bold"]
        )
        for row, (code, indicator) in enumerate(REGISTRY.items(), start=1):
            standard = "; ".join(
                f"{t['comparator']}{plain_number(t['value'])} ({t['basis']})" for t in indicator.thresholds(now.rules)
            )
            definitions.write_row(
                row,
                0,
                [
                    code,
                    str(indicator.name),
                    UNITS[indicator.unit],
                    indicator.formula_text(now.rules),
                    indicator.numerator_text(now.rules),
                    indicator.denominator_text(now.rules),
                    indicator.source,
                    standard,
                ],
            )
        definitions.set_column(0, 0, 30)
        definitions.set_column(1, 1, 26)
        definitions.set_column(3, 3, 80)
        definitions.set_column(4, 5, 36)
        definitions.set_column(6, 7, 24)

        about = workbook.add_worksheet("说明")
        about.write(0, 0, f"{draft.title} 附件：指标明细", formats["title"])
        lines = [
            ("统计范围", draft.area.label),
            ("学年", f"{year}-{year + 1}"),
            ("统计时点", draft.census_date.isoformat()),
            ("对比基准年", str(baseline) if baseline else "无"),
            ("生成时间", timezone.localtime(draft.generated_at).strftime("%Y-%m-%d %H:%M")),
            ("说明", "值为空表示没有数据（分母为零）；比率为百分数，保留两位小数；变化一栏中比率以百分点计。"),
        ]
        for row, (label, value) in enumerate(lines, start=2):
            about.write(row, 0, label, formats["bold"])
            about.write(row, 1, value)
        about.set_column(0, 0, 14)
        about.set_column(1, 1, 90)
    workbook.close()
    return buffer.getvalue()


def write_annex(draft: AnnualDraft, path) -> None:
    Path(path).write_bytes(annex_bytes(draft))
