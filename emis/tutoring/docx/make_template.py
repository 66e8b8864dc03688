"""Builds the default 校外培训机构限期整改通知书 template (rectify_notice.docx, committed beside this file) with
python-docx.

Run ``python -m emis.tutoring.docx.make_template`` after changing it. A county replaces it with its own on the page
公文模板 (kind ``tutoring_rectify_notice``; fields: emis.tutoring.plugin)."""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import RGBColor

from emis.work.template_parts import paragraph as _paragraph

PATH = Path(__file__).parent / "rectify_notice.docx"


def build(path: Path = PATH) -> Path:
    document = Document()
    red = RGBColor(0xC0, 0x00, 0x00)
    center = WD_ALIGN_PARAGRAPH.CENTER
    _paragraph(document, "{{ issuer_unit }}", size=26, bold=True, align=center, name="宋体", color=red)
    _paragraph(document, "{{ document_number }}", align=center)
    _paragraph(document, "校外培训机构限期整改通知书", size=22, bold=True, align=center, name="宋体")
    _paragraph(document, "{{ institution }}：")
    _paragraph(
        document,
        "{% if inspected_on %}{{ inspected_on }}，{% endif %}我局依据校外培训机构管理有关规定，对你机构"
        "（办学地址：{{ address }}{% if licence_number %}，办学许可证号：{{ licence_number }}{% endif %}）"
        "进行了检查，发现存在以下问题：",
        indent=True,
    )
    _paragraph(document, "{{ findings }}", indent=True)
    _paragraph(
        document,
        "现责令你机构于{{ due_on }}前（{{ days }}日内）整改到位，并将整改情况书面报告{{ issuer_unit }}。"
        "逾期未整改或整改不到位的，将依法依规责令停止招生、停业整顿直至吊销办学许可证，并向社会公布。",
        indent=True,
    )
    _paragraph(document, "{{ issuer_unit }}（盖章）", align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(document, "{{ signed_on }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(document, "本通知书一式两份，一份送达机构，一份存档。机构负责人签收：__________", size=12)
    document.save(path)
    return path


if __name__ == "__main__":
    print(build())
