"""校外培训机构概况: the county's (or a township's) institutions by kind, status and township, 年检 results, complaints
and rectifications open and overdue, within the user's scope (printable; xlsx export). Figures from selectors."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from emis.core.exports import xlsx_response

from . import selectors


def _rows(figures) -> list[list]:
    counts, complaints, rect = figures["counts"], figures["complaints"], figures["rectifications"]
    rows = [
        [_("机构总数"), counts["total"]],
        [_("学科类"), counts["academic"]],
        [_("非学科类"), counts["non_academic"]],
        [_("正常办学"), counts["active"]],
        [_("停业整顿"), counts["suspended"]],
        [_("已注销"), counts["closed"]],
        [_("已营转非"), counts["converted"]],
        [_("使用示范合同文本（正常办学）"), counts["contract"]],
        [_("落实预收费资金监管（正常办学）"), counts["supervised"]],
        [_("许可证已过期（正常办学）"), counts["licence_expired"]],
        [_("白名单"), counts["white"]],
        [_("黑名单"), counts["black"]],
        [_("投诉举报"), complaints["total"]],
        [_("投诉未办结"), complaints["open"]],
        [_("投诉已逾期"), complaints["overdue"]],
        [_("整改"), rect["total"]],
        [_("整改中"), rect["open"]],
        [_("整改逾期"), rect["overdue"]],
        [_("复查合格"), rect["passed"]],
    ]
    return rows


class SummaryView(LoginRequiredMixin, View):
    def get(self, request):
        figures = selectors.summary(request.user)
        return render(
            request,
            "tutoring/summary.html",
            {
                "figures": figures,
                "rows": _rows(figures),
                "annual": selectors.annual_results(request.user),
                "private_annual": selectors.annual_results(request.user, private_schools=True),
                "today": timezone.localdate(),
            },
        )


class SummaryExportView(LoginRequiredMixin, View):
    def get(self, request):
        figures = selectors.summary(request.user)
        columns = [(_("项目"), None), (_("乡镇"), None), (_("数量"), None), (_("学科类"), None), (_("非学科类"), None)]
        rows = [[label, "", value, "", ""] for label, value in _rows(figures)]
        rows += [
            [_("按乡镇"), t["township__name"], t["total"], t["academic"], t["non_academic"]]
            for t in figures["by_township"]
        ]
        rows += [
            [row["campaign"], _("年检结果"), row["total"], row["label"], row["count"]]
            for private in (False, True)
            for row in selectors.annual_results(request.user, private_schools=private)
        ]
        return xlsx_response(_("校外培训机构概况"), _("概况"), columns, rows)
