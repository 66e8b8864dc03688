"""Downloadable import templates: the headers, a note per column and one example row."""

import io

from django.utils.translation import gettext as _

from emis.core.safe_export import safe_workbook


def template_workbook(spec) -> bytes:
    output = io.BytesIO()
    workbook = safe_workbook(output)
    sheet = workbook.add_worksheet(str(spec.label)[:31])
    required = workbook.add_format({"bold": True, "bg_color": "#F8CBAD", "border": 1})
    optional = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    text_format = workbook.add_format({"num_format": "@"})
    for col, column in enumerate(spec.columns):
        sheet.write_string(0, col, column.header, required if column.required else optional)
        note = _("必填。") if column.required else _("选填。")
        if column.aliases:
            note += _("也可用列名：{names}。").format(names="、".join(column.aliases))
        if column.note:
            note += column.note
        sheet.write_comment(0, col, note, {"x_scale": 2, "y_scale": 1.5})
        sheet.write_string(1, col, column.example, text_format)
        sheet.set_column(col, col, max(12, len(column.header) * 2 + 4), text_format)
    sheet.freeze_panes(1, 0)
    workbook.close()
    return output.getvalue()
