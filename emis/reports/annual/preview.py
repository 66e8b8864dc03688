"""The draft as the page shows it: its sections as template-ready blocks, charts as PNG data URIs so that the
page prints whole."""

from __future__ import annotations

import base64

from ..charts import render_png
from .blocks import AnnualDraft, Figure, Paragraph, Table


def preview_blocks(draft: AnnualDraft) -> list[dict]:
    """The draft's sections as the page shows them (charts as PNG data URIs, so the page prints whole)."""
    sections = []
    for section in draft.sections:
        blocks = []
        for block in section.blocks:
            if isinstance(block, Paragraph):
                blocks.append({"kind": "paragraph", "lead": block.lead, "text": block.text})
            elif isinstance(block, Table):
                totals_from = len(block.rows) - block.total_rows
                rows = [{"cells": row, "total": index >= totals_from} for index, row in enumerate(block.rows)]
                blocks.append({"kind": "table", "table": block, "rows": rows})
            elif isinstance(block, Figure):
                data = base64.b64encode(render_png(block.chart, dpi=110)).decode("ascii")
                blocks.append({"kind": "figure", "title": block.title, "src": f"data:image/png;base64,{data}"})
        sections.append({"heading": section.heading, "blocks": blocks})
    return sections
