"""The pieces the apps' default Word templates are built from (their ``docx/make_template.py``, run by hand when a
template changes): a run in a Chinese official-document font, and a paragraph of one run. Word needs the East Asian
font set apart from the Latin one, or Chinese falls back to the default face."""

from __future__ import annotations

from docx.oxml.ns import qn
from docx.shared import Pt


def set_font(run, size: float, *, bold: bool = False, name: str = "仿宋", color=None) -> None:
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = name
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)
    if color is not None:
        run.font.color.rgb = color


def paragraph(document, text: str, *, size=16, bold=False, align=None, name="仿宋", color=None, indent=False):
    """A paragraph of one run; ``indent`` sets the two-character first-line indent of 公文 body text."""
    new = document.add_paragraph()
    if align is not None:
        new.alignment = align
    if indent:
        new.paragraph_format.first_line_indent = Pt(size * 2)
    set_font(new.add_run(text), size, bold=bold, name=name, color=color)
    return new
