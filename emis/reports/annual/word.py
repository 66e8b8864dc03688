"""The Word writer: the draft as a .docx in the bureau's document style (A4, 仿宋 body, 黑体 headings, ruled tables
with repeated headers, charts drawn by emis.reports.charts), through python-docx.

    docx_bytes(draft) -> bytes        write_docx(draft, "report.docx")
"""

from __future__ import annotations

import io
from pathlib import Path

from ..charts import render_png
from .blocks import AnnualDraft, Figure, Paragraph, Table

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

BODY_FONT = "仿宋_GB2312"
TITLE_FONT = "方正小标宋简体"
HEADING_FONT = "黑体"
LEAD_FONT = "楷体_GB2312"
TABLE_FONT = "宋体"
LATIN_FONT = "Times New Roman"


def _run(paragraph, text: str, east_asian: str, *, size=None, bold=None):
    from docx.oxml.ns import qn

    run = paragraph.add_run(text)
    run.font.name = LATIN_FONT
    if size is not None:
        run.font.size = size
    if bold is not None:
        run.font.bold = bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), east_asian)
    return run


def _setup_document(document) -> None:
    from docx.enum.text import WD_LINE_SPACING
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt, RGBColor

    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    normal = document.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = Pt(16)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    normal.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    normal.paragraph_format.line_spacing = Pt(28)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.space_after = Pt(0)
    heading = document.styles["Heading 1"]
    heading.font.name = LATIN_FONT
    heading.font.size = Pt(16)
    heading.font.bold = False
    heading.font.color.rgb = RGBColor(0, 0, 0)
    heading.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), HEADING_FONT)
    heading.paragraph_format.first_line_indent = Pt(32)
    heading.paragraph_format.space_before = Pt(6)
    heading.paragraph_format.space_after = Pt(0)
    heading.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    heading.paragraph_format.line_spacing = Pt(28)


TABLE_STYLE = "报表表格文字"
TEXT_WIDTH_CM = 15.6  # A4 less the 2.8 cm and 2.6 cm side margins


def _table_style(document):
    """A paragraph style for table cells and notes (9 pt 宋体, single spacing), so that empty cells are as
    low as full ones."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_LINE_SPACING
    from docx.oxml.ns import qn
    from docx.shared import Pt

    if TABLE_STYLE in [style.name for style in document.styles]:
        return document.styles[TABLE_STYLE]
    style = document.styles.add_style(TABLE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = document.styles["Normal"]
    style.font.size = Pt(9)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), TABLE_FONT)
    style.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    style.paragraph_format.first_line_indent = Pt(0)
    return style


def _repeat_header(row) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    marker = OxmlElement("w:tblHeader")
    marker.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(marker)


def _add_table(document, table: Table) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    style = _table_style(document)
    caption = document.add_paragraph()
    caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
    caption.paragraph_format.space_before = Pt(10)
    caption.paragraph_format.keep_with_next = True
    _run(caption, table.title, HEADING_FONT, size=Pt(12))
    if table.unit:
        unit = document.add_paragraph(style=style)
        unit.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        unit.paragraph_format.keep_with_next = True
        _run(unit, f"单位：{table.unit}", TABLE_FONT)
    columns = len(table.header)
    first = TEXT_WIDTH_CM * (0.34 if columns <= 5 else 0.22)
    widths = [Cm(first)] + [Cm((TEXT_WIDTH_CM - first) / (columns - 1))] * (columns - 1)
    grid = document.add_table(rows=1 + len(table.rows), cols=columns)
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    for column, width in zip(grid.columns, widths, strict=True):
        column.width = width
    _repeat_header(grid.rows[0])
    totals_from = len(table.rows) - table.total_rows
    for row_index, values in enumerate([table.header, *table.rows]):
        header = row_index == 0
        total = not header and row_index - 1 >= totals_from
        for col, value in enumerate(values):
            cell = grid.cell(row_index, col)
            cell.width = widths[col]
            paragraph = cell.paragraphs[0]
            paragraph.style = style
            if header:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            elif col > 0:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            _run(paragraph, value, HEADING_FONT if header else TABLE_FONT, bold=total or None)
    for number, note in enumerate(table.notes, start=1):
        paragraph = document.add_paragraph(style=style)
        _run(paragraph, f"{'注：' if number == 1 else '　　'}{number}. {note}", TABLE_FONT)


def _add_figure(document, figure: Figure) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.shared import Cm, Pt

    picture = document.add_paragraph()
    picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
    picture.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    picture.paragraph_format.space_before = Pt(10)
    picture.add_run().add_picture(io.BytesIO(render_png(figure.chart)), width=Cm(15))
    caption = document.add_paragraph()
    caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(caption, figure.title, HEADING_FONT, size=Pt(12))


def docx_bytes(draft: AnnualDraft) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    document = Document()
    _setup_document(document)
    properties = document.core_properties
    properties.title = draft.title
    properties.author = draft.area.issuer or "County EMIS"
    properties.subject = draft.subtitle.lstrip("—")
    properties.comments = draft.meta_line

    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.line_spacing = Pt(36)
    _run(title, draft.title, TITLE_FONT, size=Pt(22))
    subtitle = document.add_paragraph()
    subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(subtitle, draft.subtitle, LEAD_FONT)
    meta = document.add_paragraph()
    meta.alignment = WD_ALIGN_PARAGRAPH.CENTER
    meta.paragraph_format.space_after = Pt(12)
    _run(meta, draft.meta_line, BODY_FONT, size=Pt(12))

    for section in draft.sections:
        document.add_heading(section.heading, level=1)
        for block in section.blocks:
            if isinstance(block, Paragraph):
                paragraph = document.add_paragraph()
                paragraph.paragraph_format.first_line_indent = Pt(32)
                paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
                if block.lead:
                    _run(paragraph, block.lead, LEAD_FONT, bold=True)
                _run(paragraph, block.text, BODY_FONT)
            elif isinstance(block, Table):
                _add_table(document, block)
            elif isinstance(block, Figure):
                _add_figure(document, block)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def write_docx(draft: AnnualDraft, path) -> None:
    Path(path).write_bytes(docx_bytes(draft))
