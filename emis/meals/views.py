"""资金与人数汇总: a period's beneficiaries and funds by school, township, scheme and month, within the user's scope
(filters, pagination of the per-school table, xlsx export, printable summary). The figures come from selectors."""

from __future__ import annotations

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from emis.core.exports import xlsx_response
from emis.core.forms import style_form
from emis.orgs.choices import DivisionLevel
from emis.orgs.models import Division, School

from . import selectors
from .models import Scheme, SchoolDays


class TotalsForm(forms.Form):
    period = forms.ChoiceField(label=gettext_lazy("统计期间"), choices=list(selectors.PERIODS.items()), required=False)
    year = forms.IntegerField(
        label=gettext_lazy("年度"),
        min_value=2011,
        max_value=2100,
        required=False,
        help_text=gettext_lazy("自然年；学年、学期填学年起始年份。"),
    )
    township = forms.ModelChoiceField(
        label=gettext_lazy("乡镇"), queryset=Division.objects.none(), required=False, empty_label=gettext_lazy("全部")
    )
    school = forms.ModelChoiceField(
        label=gettext_lazy("学校"), queryset=School.objects.none(), required=False, empty_label=gettext_lazy("全部")
    )
    scheme = forms.ChoiceField(
        label=gettext_lazy("试点类型"), choices=[("", gettext_lazy("全部")), *Scheme.choices], required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = Division.objects.for_user(user).filter(level=DivisionLevel.TOWNSHIP)
        self.fields["school"].queryset = (
            School.objects.for_user(user).filter(meal_participations__isnull=False).distinct()
        )
        style_form(self)


def _latest_year(period: str) -> int:
    """The year of the latest month with 供餐天数 entered (this year when none is): the page opens on figures."""
    latest = SchoolDays.objects.order_by("-month").values_list("month", flat=True).first()
    if latest is None:
        latest = timezone.localdate()
    return latest.year if period == "year" else selectors.school_year_of(latest)


def _figures(request):
    form = TotalsForm(request.GET or None, user=request.user)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    period = data.get("period") or "year"
    year = data.get("year") or _latest_year(period)
    months = selectors.period_months(period, year)
    schools = School.objects.filter(pk=data["school"].pk) if data.get("school") else None
    result = selectors.totals(
        request.user, months, schools=schools, township=data.get("township"), scheme=data.get("scheme") or ""
    )
    label = selectors.PERIODS[period]
    title = (
        _("{year}年营养改善计划资金与人数").format(year=year)
        if period == "year"
        else _("{year}—{next}学年{period}营养改善计划资金与人数").format(year=year, next=year + 1, period=label)
    )
    return form, result, title


class TotalsView(LoginRequiredMixin, View):
    def get(self, request):
        form, result, title = _figures(request)
        page = Paginator(result.schools, 50).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        return render(
            request,
            "meals/totals.html",
            {"form": form, "totals": result, "title": title, "page": page, "query": query.urlencode()},
        )


class TotalsPrintView(LoginRequiredMixin, View):
    def get(self, request):
        form, result, title = _figures(request)
        return render(
            request, "meals/totals_print.html", {"totals": result, "title": title, "today": timezone.localdate()}
        )


class TotalsExportView(LoginRequiredMixin, View):
    def get(self, request):
        _form, result, title = _figures(request)
        columns = [
            (_("统计口径"), None),
            (_("代码"), None),
            (_("名称"), None),
            (_("乡镇"), None),
            (_("惠及学生（人）"), None),
            (_("人天数"), None),
            (_("资金（元）"), None),
        ]
        rows = [[_("合计"), "", "", "", result.beneficiaries, result.pupil_days, result.amount]]
        rows += [
            [_("乡镇"), g["key"], g["label"], "", g["beneficiaries"], g["pupil_days"], g["amount"]]
            for g in result.townships
        ]
        rows += [
            [_("学校"), g["key"], g["label"], g["township"], g["beneficiaries"], g["pupil_days"], g["amount"]]
            for g in result.schools
        ]
        rows += [
            [_("试点类型"), g["key"], g["label"], "", g["beneficiaries"], g["pupil_days"], g["amount"]]
            for g in result.schemes
        ]
        rows += [
            [_("月份"), g["key"], g["label"], "", g["beneficiaries"], g["pupil_days"], g["amount"]]
            for g in result.by_month
        ]
        return xlsx_response(title, _("汇总"), columns, rows)
