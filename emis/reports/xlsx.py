"""Write the base tables of emis.reports.stats as a formatted workbook (XlsxWriter) for Excel and WPS.

Sheets: 说明 (what the file covers: year, census date, scope, who made it when, the counting rules), then one
sheet per table. A table sheet reads top-down like the printed form:

    title (merged), a line with the year, census date, scope and unit
    two header rows (column groups merged above their columns), frozen with the 区域 / 项目 columns
    the scope total section (全县, 全市, 全省 or 合计), then one section per township (per county for a city or a
    province); every row names its area in column A, so the sheet filters and pivots by area; within a section
    the 合计 row comes first and the detail rows below it form an outline group (collapse with the [-] buttons to
    compare the areas' totals)
    notes (注)

Printing: A4 landscape, one page wide, the header rows repeated on every page, page numbers in the footer.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from emis.core.safe_export import safe_workbook

FONT = "宋体"
HEADER_FIRST_ROW = 2  # rows 0-1: title and subtitle; rows 2-3: headers; data from row 4
DATA_FIRST_ROW = 4
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def display_width(text: str) -> int:
    """Width in Excel character units: a CJK character (or full-width sign) takes two."""
    return sum(2 if ord(ch) >= 0x2E80 else 1 for ch in str(text))


def census_text(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def filename(report: dict) -> str:
    """教育事业统计基表_2020-2021学年_通山县全县.xlsx, …_咸宁市全市.xlsx (characters Windows forbids replaced)."""
    scope = re.sub(r'[\\/:*?"<>|\s]+', "_", report["scope"]["label"])[:40]
    return f"教育事业统计基表_{report['year_label']}_{scope}.xlsx"


def _header_text(text: str) -> str:
    return str(text).replace("&", "&&")


class _Formats:
    def __init__(self, workbook):
        def fmt(**props):
            return workbook.add_format({"font_name": FONT, "font_size": 10, "valign": "vcenter", **props})

        border = {"border": 1, "border_color": "#808080"}
        self.title = fmt(bold=True, font_size=16, align="center")
        self.subtitle = fmt(align="center", font_color="#404040")
        self.header = fmt(bold=True, align="center", text_wrap=True, bg_color="#DDEBF7", **border)
        self.note = fmt(font_color="#404040", text_wrap=True, valign="top")
        self.label = fmt(bold=True, align="right", valign="top")
        self.value = fmt(text_wrap=True, valign="top")
        # Body cells by row style: (area/item text, whole number, share).
        fills = {
            "scope_total": {"bold": True, "bg_color": "#FFF2CC"},
            "total": {"bold": True, "bg_color": "#F2F2F2"},
            "subtotal": {"bold": True},
            "detail": {},
            "note": {"italic": True, "font_color": "#595959"},
        }
        self.body = {}
        for style, props in fills.items():
            self.body[style] = {
                "text": fmt(**border, **props),
                "int": fmt(num_format="#,##0", **border, **props),
                "pct": fmt(num_format="0.0%", **border, **props),
            }
        self.indented = {
            (style, indent): fmt(indent=indent, **border, **fills[style]) for style in fills for indent in (1, 2)
        }


def write_workbook(report: dict, target) -> None:
    """Write the report to `target`: a path or a binary file object."""
    if isinstance(target, str | Path):
        workbook = safe_workbook(target)
    else:
        workbook = safe_workbook(target, in_memory=True)
    workbook.set_properties(
        {
            "title": report["title"],
            "subject": "教育事业统计基础基表",
            "author": report["generated_by"],
            "company": "教育局",
            "comments": f"统计范围：{report['scope']['label']}；统计时点：{census_text(report['census_date'])}",
        }
    )
    formats = _Formats(workbook)
    _write_cover(workbook, formats, report)
    for tbl in report["tables"]:
        _write_table(workbook, formats, report, tbl)
    workbook.close()


def workbook_bytes(report: dict) -> bytes:
    buffer = io.BytesIO()
    write_workbook(report, buffer)
    return buffer.getvalue()


def _page_setup(sheet, report: dict) -> None:
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.center_horizontally()
    sheet.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.7)
    sheet.set_header(
        f"&L&8{_header_text(report['title'])}&R&8统计范围：{_header_text(report['scope']['label'])}", {"margin": 0.3}
    )
    sheet.set_footer("&C&8第 &P 页，共 &N 页", {"margin": 0.3})


def _write_cover(workbook, formats: _Formats, report: dict) -> None:
    sheet = workbook.add_worksheet("说明")
    sheet.set_column(0, 0, 16)
    sheet.set_column(1, 1, 96)
    sheet.set_row(0, 30)
    sheet.merge_range(0, 0, 0, 1, report["title"], formats.title)
    generated = report["generated_at"]
    parts, part_label = report["parts"], report["part_label"]
    facts = [
        ("报表名称", report["title"]),
        ("学年", report["year_label"]),
        ("统计时点", census_text(report["census_date"])),
        ("统计范围", report["scope"]["label"]),
        (f"包含{part_label}", f"{len(parts)} 个：" + "、".join(p["name"] for p in parts) if parts else "无"),
        ("生成时间", f"{generated:%Y-%m-%d %H:%M}"),
        ("生成人", report["generated_by"]),
    ]
    row = 2
    for label, value in facts:
        sheet.write(row, 0, label, formats.label)
        sheet.write(row, 1, value, formats.value)
        row += 1
    row += 1
    sheet.write(row, 0, "工作表", formats.label)
    for tbl in report["tables"]:
        sheet.write(row, 1, f"{tbl['sheet']}：{tbl['title']}", formats.value)
        row += 1
    row += 1
    sheet.write(row, 0, "统计口径", formats.label)
    number = 1
    for tbl in report["tables"]:
        for note in tbl["notes"]:
            sheet.write(row, 1, f"{number}. {note}", formats.value)
            row += 1
            number += 1
    sheet.write(
        row,
        1,
        f"{number}. 每张表先列{report['total_area']}合计，再分{part_label}列出；{part_label}的明细行已分组，"
        "可用左侧的 [-] 按钮折叠。",
        formats.value,
    )
    _page_setup(sheet, report)
    sheet.set_portrait()
    sheet.print_area(0, 0, row, 1)
    sheet.activate()


def _header_cells(tbl: dict) -> tuple[list[tuple[str, int, int]], list[tuple[str, int]]]:
    """Top-row cells (label, first col, last col; a column outside any group spans both rows, last col < 0
    marking it) and bottom-row cells (label, col), with columns counted from the first measure column."""
    top, bottom = [], []
    columns = tbl["columns"]
    i = 0
    while i < len(columns):
        group = columns[i]["group"]
        if group is None:
            top.append((columns[i]["label"], i, -1))
            i += 1
            continue
        j = i
        while j + 1 < len(columns) and columns[j + 1]["group"] == group:
            j += 1
        top.append((group, i, j))
        bottom += [(columns[k]["label"], k) for k in range(i, j + 1)]
        i = j + 1
    return top, bottom


def _write_table(workbook, formats: _Formats, report: dict, tbl: dict) -> None:
    sheet = workbook.add_worksheet(tbl["sheet"])
    fixed = ["区域"] + ([tbl["item_header"]] if tbl["item_header"] else [])
    n_fixed = len(fixed)
    columns = tbl["columns"]
    last_col = n_fixed + len(columns) - 1
    has_subtotals = any(row["style"] == "subtotal" for section in tbl["sections"] for row in section["rows"])

    # Title and subtitle.
    sheet.set_row(0, 30)
    sheet.merge_range(0, 0, 0, last_col, tbl["title"], formats.title)
    subtitle = (
        f"{report['year_label']}　统计时点：{census_text(report['census_date'])}　"
        f"统计范围：{report['scope']['label']}　单位：{tbl['unit']}"
    )
    sheet.merge_range(1, 0, 1, last_col, subtitle, formats.subtitle)

    # Two header rows.
    top_row, bottom_row = HEADER_FIRST_ROW, HEADER_FIRST_ROW + 1
    for col, label in enumerate(fixed):
        sheet.merge_range(top_row, col, bottom_row, col, label, formats.header)
    top, bottom = _header_cells(tbl)
    for label, first, last in top:
        if last < 0:
            sheet.merge_range(top_row, n_fixed + first, bottom_row, n_fixed + first, label, formats.header)
        elif last == first:
            sheet.write(top_row, n_fixed + first, label, formats.header)
        else:
            sheet.merge_range(top_row, n_fixed + first, top_row, n_fixed + last, label, formats.header)
    for label, col in bottom:
        sheet.write(bottom_row, n_fixed + col, label, formats.header)
    sheet.set_row(top_row, 24)
    sheet.set_row(bottom_row, 30)

    # Body: the scope total section, then one section per part (township or county).
    row = DATA_FIRST_ROW
    for index, section in enumerate(tbl["sections"]):
        for item in section["rows"]:
            style = item["style"]
            if style == "total" and index == 0:
                style = "scope_total"
            cells = formats.body[style]
            sheet.write_string(row, 0, section["area"], cells["text"])
            if tbl["item_header"]:
                indent = {"subtotal": 1, "note": 1, "detail": 2 if has_subtotals else 1}.get(item["style"], 0)
                label_format = formats.indented[(style, indent)] if indent else cells["text"]
                sheet.write_string(row, 1, item["label"], label_format)
                # Detail rows form an outline group under their section's 合计 row (shown above them).
                if item["style"] != "total":
                    sheet.set_row(row, None, None, {"level": 1})
            for col, (column, value) in enumerate(zip(columns, item["values"], strict=True)):
                cell_format = cells[column["kind"]]
                if value is None:
                    sheet.write_blank(row, n_fixed + col, None, cell_format)
                else:
                    sheet.write_number(row, n_fixed + col, value, cell_format)
            row += 1
    last_row = row - 1

    # Notes.
    row += 1
    for number, note in enumerate(tbl["notes"], start=1):
        prefix = "注：" if number == 1 else "　　"
        sheet.merge_range(row, 0, row, last_col, f"{prefix}{number}. {note}", formats.note)
        sheet.set_row(row, 28 if display_width(note) > 12 * (last_col + 1) else None)
        row += 1

    # Column widths, panes, filter, outline and printing.
    areas = [section["area"] for section in tbl["sections"]]
    sheet.set_column(0, 0, max(10, max(display_width(a) for a in areas) + 3))
    if tbl["item_header"]:
        labels = [item["label"] for section in tbl["sections"] for item in section["rows"]]
        sheet.set_column(1, 1, max(12, max(display_width(label) for label in labels) + 5))
    for col, column in enumerate(columns):
        width = max(7, min(10, display_width(column["label"]) + 2))  # longer headers wrap onto two lines
        sheet.set_column(n_fixed + col, n_fixed + col, width)
    sheet.freeze_panes(DATA_FIRST_ROW, n_fixed)
    sheet.autofilter(bottom_row, 0, last_row, last_col)
    sheet.outline_settings(True, False, True, False)  # summary rows above their details
    _page_setup(sheet, report)
    sheet.repeat_rows(top_row, bottom_row)
    sheet.print_area(0, 0, row - 1, last_col)
