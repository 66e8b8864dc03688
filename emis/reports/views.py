"""The 统计报表 page (the scope's summary tables, for a look before downloading) and the workbook download.

Both answer within request.user's scope: emis.reports.stats starts every read from Model.objects.for_user().
"""

from __future__ import annotations

from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from emis.orgs.models import SchoolYear
from emis.orgs.selectors import requested_school_year

from .stats import base_tables
from .xlsx import XLSX_CONTENT_TYPE, filename, workbook_bytes


def attachment(content: bytes, content_type: str, ascii_name: str, name: str) -> HttpResponse:
    """A download named `name` (Chinese, RFC 5987) with `ascii_name` for clients that read only the plain form."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    return response


def _display(value, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "pct":
        return f"{value:.1%}"
    return f"{value:,}"


def html_table(tbl: dict) -> dict:
    """A table of the report as the page shows it: the scope total section (for the staff table, whose rows
    are the areas, the total and every township), with a two-row header and formatted cells."""
    columns = tbl["columns"]
    top, bottom = [], []
    for i, column in enumerate(columns):
        if column["group"] is None:
            top.append({"label": column["label"], "colspan": 1, "rowspan": 2})
        elif i and columns[i - 1]["group"] == column["group"]:
            top[-1]["colspan"] += 1
            bottom.append(column["label"])
        else:
            top.append({"label": column["group"], "colspan": 1, "rowspan": 1})
            bottom.append(column["label"])
    if not bottom:  # no column groups: one header row
        for cell in top:
            cell["rowspan"] = 1
    sections = tbl["sections"] if tbl["item_header"] is None else tbl["sections"][:1]
    rows = [
        {
            "label": row["label"],
            "style": row["style"],
            "cells": [_display(value, column["kind"]) for column, value in zip(columns, row["values"], strict=True)],
        }
        for section in sections
        for row in section["rows"]
    ]
    return {
        "key": tbl["key"],
        "title": tbl["title"],
        "unit": tbl["unit"],
        "first_header": tbl["item_header"] or "区域",
        "header_rows": 2 if bottom else 1,
        "top": top,
        "bottom": bottom,
        "rows": rows,
        "notes": tbl["notes"],
    }


@require_GET
@login_required
def stats_page(request):
    year = requested_school_year(request)
    report = base_tables(request.user, year) if year else None
    context = {
        "years": SchoolYear.objects.for_user(request.user).order_by("-start_year"),
        "year": year,
        "report": report,
        "tables": [html_table(t) for t in report["tables"]] if report else [],
    }
    return render(request, "reports/stats.html", context)


@require_GET
@login_required
def stats_download(request):
    year = requested_school_year(request)
    if year is None:
        raise Http404("no school year")
    report = base_tables(request.user, year)
    return attachment(workbook_bytes(report), XLSX_CONTENT_TYPE, f"stats-{report['year']}.xlsx", filename(report))
