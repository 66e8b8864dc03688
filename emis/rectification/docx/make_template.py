"""Builds the default 整改通知书 template (rectification_notice.docx, committed beside this file) with python-docx.

Run ``python -m emis.rectification.docx.make_template`` after changing it. A bureau replaces the template with its
own (its letterhead, its wording) by a path in the setting EMIS_WORK_DOCUMENT_TEMPLATES["rectification_notice"]:
a Word file with the same docxtpl tags ({{ document_number }}, {{ school }}, the {%tr for item in items %} rows ...;
see docs/domains/rectification.md).
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import RGBColor

from emis.work.template_parts import paragraph as _paragraph
from emis.work.template_parts import set_font as _font

PATH = Path(__file__).parent / "rectification_notice.docx"


def build(path: Path = PATH) -> Path:
    document = Document()
    red = RGBColor(0xC0, 0x00, 0x00)
    _paragraph(
        document, "{{ issuer_unit }}", size=26, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, name="宋体", color=red
    )
    _paragraph(document, "{{ document_number }}", size=16, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(document, "问题整改通知书", size=22, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, name="宋体")
    _paragraph(document, "{{ school }}：")
    _paragraph(
        document,
        "{{ inspected_on }}，我局对你单位开展了{{ title }}。{{ basis }}"
        "督查发现你单位存在以下问题，现通知你单位限期整改。",
        indent=True,
    )
    table = document.add_table(rows=4, cols=4)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("序号", "严重程度", "存在问题", "整改要求"), strict=True):
        _font(cell.paragraphs[0].add_run(text), 12, bold=True)
    table.rows[1].cells[0].paragraphs[0].add_run("{%tr for item in items %}")
    for cell, text in zip(
        table.rows[2].cells,
        ("{{ item.no }}", "{{ item.severity }}", "{{ item.finding }}", "{{ item.requirement }}"),
        strict=True,
    ):
        _font(cell.paragraphs[0].add_run(text), 12)
    table.rows[3].cells[0].paragraphs[0].add_run("{%tr endfor %}")
    _paragraph(
        document,
        "请你单位于{{ due_on }}前（{{ days }}个工作日内）整改到位，并将整改情况逐项报送（附整改后照片）。"
        "逾期未整改到位的，将予以通报。",
        indent=True,
    )
    _paragraph(document, "整改责任人：{{ responsible }}　联系电话：{{ responsible_phone }}", indent=True)
    _paragraph(document, "{{ issuer_unit }}（盖章）", align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(document, "{{ signed_on }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    document.save(path)
    return path


if __name__ == "__main__":
    print(build())
