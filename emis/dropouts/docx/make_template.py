"""Builds the default 限期返校通知书 template (return_notice.docx, committed beside this file) with python-docx.

Run ``python -m emis.dropouts.docx.make_template`` after changing it. A county replaces it with its own on the page
公文模板 (kind ``dropout_return_notice``; fields: emis.dropouts.plugin)."""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import RGBColor

from emis.work.template_parts import paragraph as _paragraph

PATH = Path(__file__).parent / "return_notice.docx"


def build(path: Path = PATH) -> Path:
    document = Document()
    red = RGBColor(0xC0, 0x00, 0x00)
    center = WD_ALIGN_PARAGRAPH.CENTER
    _paragraph(document, "{{ issuer_unit }}", size=26, bold=True, align=center, name="宋体", color=red)
    _paragraph(document, "{{ document_number }}", align=center)
    _paragraph(document, "限期返校通知书", size=22, bold=True, align=center, name="宋体")
    _paragraph(document, "{{ guardian }}：")
    _paragraph(
        document,
        "你的子女（被监护人）{{ child }}（{{ gender }}，{{ birth_date }}出生）正处于义务教育阶段，"
        "{% if school %}原在{{ school }}就读，{% endif %}现未按规定入学或已辍学。",
        indent=True,
    )
    _paragraph(
        document,
        "根据《中华人民共和国义务教育法》第五条、第五十八条，适龄儿童、少年的父母或者其他法定监护人应当依法保证"
        "其按时入学接受并完成义务教育。现责令你于{{ due_on }}前（{{ days }}个工作日内）送子女返校就读。"
        "逾期不改正的，将依法予以批评教育直至追究法律责任。",
        indent=True,
    )
    _paragraph(
        document,
        "乡镇责任人：{{ township_official }}　电话：{{ township_official_phone }}　"
        "学校责任人：{{ principal }}　电话：{{ principal_phone }}",
        indent=True,
    )
    _paragraph(document, "{{ issuer_unit }}（盖章）", align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(document, "{{ signed_on }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(document, "本通知书一式两份，一份送达监护人，一份存档。监护人签收：__________", size=12)
    document.save(path)
    return path


if __name__ == "__main__":
    print(build())
