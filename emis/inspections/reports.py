"""A campaign's results as a table (xlsx) and as a Word report with tables and charts (python-docx; the charts
drawn by emis.reports.charts with the packaged CJK font), read through the user's scope by the selectors."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _

from . import selectors
from .workflows import INSPECTION


def _state(target) -> str:
    inspection = getattr(target, "inspection", None)
    if inspection is None:
        return _("未检查")
    return str(INSPECTION.state_label(inspection.case.state))


def results_table(campaign, user) -> tuple[list, list[list]]:
    columns = [
        (_("检查对象"), None),
        (_("所属乡镇"), None),
        (_("状态"), None),
        (_("检查日期"), None),
        (_("得分"), None),
        (_("结论"), None),
        (_("发现问题"), None),
        (_("未整改"), None),
        (_("整改通知书文号"), None),
    ]
    townships = _township_names(campaign, user)
    rows = []
    for target in selectors.campaign_results(campaign, user):
        inspection = getattr(target, "inspection", None)
        rows.append(
            [
                target.name,
                townships.get(target.division_code[:9], ""),
                _state(target),
                inspection.inspected_on if inspection else "",
                inspection.score if inspection and inspection.score is not None else "",
                inspection.get_result_display() if inspection and inspection.result else "",
                target.finding_count,
                target.open_count,
                inspection.notice.document_number if inspection and inspection.notice_id else "",
            ]
        )
    return columns, rows


def _township_names(campaign, user) -> dict[str, str]:
    from emis.orgs.models import Division

    codes = {code[:9] for code in selectors.targets_of(campaign, user).values_list("division_code", flat=True)}
    return dict(Division.objects.filter(code__in=codes).values_list("code", "name"))


def _table(document, headers, rows):
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, header in zip(table.rows[0].cells, headers, strict=True):
        cell.text = str(header)
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = "" if value is None else str(value)
    return table


def campaign_docx(campaign, user) -> bytes:
    from docx import Document
    from docx.shared import Cm

    from emis.reports.charts import Chart, render_png

    progress = selectors.campaign_progress(campaign, user)
    document = Document()
    document.add_heading(_("{name}检查报告").format(name=campaign.name), level=1)
    document.add_paragraph(
        _("检查时间：{start}至{end}；检查表：{version}。").format(
            start=campaign.starts_on, end=campaign.ends_on, version=campaign.version
        )
    )
    document.add_heading(_("一、总体情况"), level=2)
    document.add_paragraph(
        _(
            "应检查{total}个对象，已检查{inspected}个，已签发{signed}个；其中合格{passed}个，基本合格{fair}个，"
            "不合格{failed}个。共发现问题{findings}个，尚未整改到位{open}个，逾期未完成整改的通知书{overdue}份。"
        ).format(
            total=progress["total"],
            inspected=progress["inspected"],
            signed=progress["signed"],
            passed=progress["passed"],
            fair=progress["fair"],
            failed=progress["failed"],
            findings=progress["findings"],
            open=progress["open_findings"],
            overdue=progress["overdue"],
        )
    )
    rate = progress["pass_rate"]
    qualified = progress["qualified_rate"]
    chart = Chart(
        key="results",
        title=_("检查结论分布"),
        categories=[_("合格"), _("基本合格"), _("不合格"), _("未签发")],
        series=[
            (
                _("对象数"),
                [
                    float(progress["passed"]),
                    float(progress["fair"]),
                    float(progress["failed"]),
                    float(progress["total"] - progress["signed"]),
                ],
            )
        ],
        unit="",
        horizontal=False,
    )
    document.add_picture(io.BytesIO(render_png(chart)), width=Cm(15))
    if rate is not None:
        document.add_paragraph(
            _("合格率{rate}%，合格及基本合格率{qualified}%。").format(rate=rate, qualified=qualified)
        )

    by_township = selectors.open_findings_by_township(campaign, user)
    document.add_heading(_("二、未整改问题分布"), level=2)
    if by_township:
        _table(document, [_("乡镇"), _("未整改问题")], [[r["name"], r["count"]] for r in by_township])
        chart = Chart(
            key="townships",
            title=_("各乡镇未整改问题数"),
            categories=[r["name"] for r in by_township],
            series=[(_("问题数"), [float(r["count"]) for r in by_township])],
            unit="",
        )
        document.add_picture(io.BytesIO(render_png(chart)), width=Cm(15))
        by_section = selectors.open_findings_by_section(campaign, user)
        document.add_paragraph()
        _table(
            document, [_("检查部分"), _("未整改问题")], [[r["item__section__title"], r["count"]] for r in by_section]
        )
    else:
        document.add_paragraph(_("发现的问题均已整改到位。"))

    document.add_heading(_("三、各对象检查结果"), level=2)
    columns, rows = results_table(campaign, user)
    keep = [0, 1, 4, 5, 6, 7]
    _table(document, [columns[i][0] for i in keep], [[row[i] for i in keep] for row in rows])
    today = timezone.localdate()
    document.add_paragraph(_("{y}年{m}月{d}日").format(y=today.year, m=today.month, d=today.day))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
