"""Export a filtered, scoped queryset as xlsx (XlsxWriter, constant memory) or csv (UTF-8 with BOM, for Excel)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext

from .safe_export import csv_row, safe_workbook

ExportColumn = tuple[str, Callable[[object], object]]


def export_rows(queryset, columns: Sequence[ExportColumn], chunk_size: int = 2000) -> Iterable[list]:
    for obj in queryset.iterator(chunk_size=chunk_size):
        yield [getter(obj) for _, getter in columns]


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return gettext("是") if value else gettext("否")
    return value if isinstance(value, int | float) else str(value)


def xlsx_response(filename: str, sheet_title: str, columns: Sequence[ExportColumn], rows: Iterable[list]):
    buffer = io.BytesIO()
    workbook = safe_workbook(buffer, constant_memory=True, in_memory=False)
    sheet = workbook.add_worksheet(sheet_title[:31])
    header = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    for col, (title, _) in enumerate(columns):
        sheet.write(0, col, str(title), header)
        sheet.set_column(col, col, max(10, len(str(title)) * 2 + 2))
    sheet.freeze_panes(1, 0)
    for row_index, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            sheet.write(row_index, col, _cell(value))
    workbook.close()
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = _disposition(filename, "xlsx")
    return response


class _Echo:
    def write(self, value):
        return value


def csv_response(filename: str, columns: Sequence[ExportColumn], rows: Iterable[list]):
    writer = csv.writer(_Echo())

    def stream():
        yield "\ufeff"
        yield writer.writerow(csv_row(str(title) for title, _ in columns))
        for row in rows:
            yield writer.writerow(csv_row(_cell(value) for value in row))

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = _disposition(filename, "csv")
    return response


def _disposition(filename: str, extension: str) -> str:
    from urllib.parse import quote

    stamped = f"{filename}-{timezone.localtime():%Y%m%d-%H%M}.{extension}"
    return f"attachment; filename=\"export.{extension}\"; filename*=UTF-8''{quote(stamped)}"
