"""教育督导's own pages: the 督导达标 (visit compliance) page with its xlsx and print, the 督导记录 form for a phone,
and the 幼儿园督导评估 / 五项管理 summaries (engine.py). Thin: the figures come from selectors and engine."""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from emis.core import access
from emis.core.exports import xlsx_response
from emis.core.forms import style_form
from emis.core.writes import Refused
from emis.orgs.choices import DivisionLevel
from emis.orgs.models import Division

from . import engine, selectors, services, terms
from .forms import VisitForm, _years
from .models import Inspector, Visit


class ComplianceForm(forms.Form):
    year = forms.TypedChoiceField(label=gettext_lazy("年度"), coerce=int, choices=_years, required=False)
    term = forms.ChoiceField(
        label=gettext_lazy("学期"), choices=[("", gettext_lazy("当前学期")), *terms.TERMS.items()], required=False
    )
    township = forms.ModelChoiceField(
        label=gettext_lazy("乡镇"), queryset=Division.objects.none(), required=False, empty_label=gettext_lazy("全部")
    )
    inspector = forms.ModelChoiceField(
        label=gettext_lazy("督学"), queryset=Inspector.objects.none(), required=False, empty_label=gettext_lazy("全部")
    )
    missing = forms.BooleanField(label=gettext_lazy("只看未达标"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = Division.objects.for_user(user).filter(level=DivisionLevel.TOWNSHIP)
        self.fields["inspector"].queryset = Inspector.objects.for_user(user)
        style_form(self)


def _compliance(request):
    form = ComplianceForm(request.GET or None, user=request.user)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    year, term = terms.term_of(timezone.localdate())
    if data.get("term"):
        term = data["term"]
        year = data.get("year") or year
    result = selectors.compliance(
        request.user, year, term, inspector=data.get("inspector"), township=data.get("township")
    )
    rows = result.missing if data.get("missing") else result.schools
    return form, result, rows


class ComplianceView(LoginRequiredMixin, View):
    def get(self, request):
        form, result, rows = _compliance(request)
        page = Paginator(rows, 50).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        return render(
            request,
            "supervision/compliance.html",
            {"form": form, "result": result, "page": page, "query": query.urlencode(), "floors": _floors()},
        )


def _floors():
    return {"monthly": selectors.MONTHLY_FLOOR, "term": selectors.TERM_FLOOR}


class CompliancePrintView(LoginRequiredMixin, View):
    def get(self, request):
        _form, result, rows = _compliance(request)
        return render(
            request,
            "supervision/compliance_print.html",
            {"result": result, "rows": rows, "today": timezone.localdate(), "floors": _floors()},
        )


class ComplianceExportView(LoginRequiredMixin, View):
    def get(self, request):
        _form, result, rows = _compliance(request)
        columns = [
            (_("学校标识码"), None),
            (_("学校名称"), None),
            (_("乡镇"), None),
            (_("责任督学"), None),
            *[(f"{m:%Y-%m}", None) for m in result.months],
            (_("学期合计"), None),
            (_("未督导的月份"), None),
            (_("距学期要求尚差（次）"), None),
        ]
        data = [
            [
                row.code,
                row.name,
                row.township,
                row.inspector,
                *row.by_month,
                row.total,
                "、".join(f"{m:%Y-%m}" for m in row.missing_months),
                row.term_short,
            ]
            for row in rows
        ]
        data += [
            [s.code, s.name, s.township.name if s.township_id else "", _("未落实责任督学")] for s in result.unassigned
        ]
        return xlsx_response(_("{term}挂牌督导达标情况").format(term=result.label), _("达标情况"), columns, data)


class VisitNewView(LoginRequiredMixin, View):
    """督导记录 on a phone: the draft is kept in the browser until it is sent (static script in the template), and a
    form sent twice records one visit (its client_token)."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not access.role_may(request.user, Visit.domain, access.ADD):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        # ?token= is the client token of a draft the browser kept: already recorded, the page tells the script to
        # drop the draft; not yet, the draft is restored (with its token).
        token = request.GET.get("token", "")[:64]
        recorded = bool(token) and Visit.objects.filter(client_token=token).exists()
        form = VisitForm(user=request.user, initial={"client_token": uuid.uuid4().hex})
        return render(
            request,
            "supervision/visit_form.html",
            {"form": form, "checked_token": token, "recorded": recorded},
        )

    def post(self, request):
        form = VisitForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                visit = services.visit_record(
                    school=data["school"],
                    inspector=data["inspector"],
                    visited_on=data["visited_on"],
                    kind=data["kind"],
                    methods=data["methods"],
                    matters=data["matters"],
                    summary=data["summary"],
                    findings=form.findings(),
                    client_token=data.get("client_token") or None,
                    acting_user=request.user,
                )
            except Refused as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("督导记录已保存。"))
                response = HttpResponseRedirect(visit.get_absolute_url())
                return response
        return render(request, "supervision/visit_form.html", {"form": form}, status=200)


# 幼儿园办园行为督导评估 and 城镇小区配套园治理 ---------------------------------------------------------------------


def _year(request, codes) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = None
    if year is not None and 1900 <= year <= 2100:  # a year out of the calendar's range (99999999) falls back
        return year
    found = sorted({y for code in codes for y in engine.years(request.user, code)}, reverse=True)
    return found[0] if found else timezone.localdate().year


def _kindergartens(request):
    year = _year(request, (engine.KG_ASSESSMENT, engine.KG_ESTATE))
    blocks = []
    for code, title in (
        (engine.KG_ASSESSMENT, _("幼儿园办园行为督导评估")),
        (engine.KG_ESTATE, _("城镇小区配套幼儿园治理")),
    ):
        rows = engine.campaign_rows(request.user, code, year)
        blocks.append(
            {
                "code": code,
                "title": title,
                "figures": engine.campaign_summary(request.user, code, year),
                "rows": [
                    {
                        "target": t,
                        "inspection": getattr(t, "inspection", None),
                        "url": engine.url_of(getattr(t, "inspection", None)),
                        "notice": engine.notice_state(t),
                    }
                    for t in rows
                ],
            }
        )
    years = sorted(
        {y for code in (engine.KG_ASSESSMENT, engine.KG_ESTATE) for y in engine.years(request.user, code)}, reverse=True
    )
    return year, years, blocks


class KindergartenView(LoginRequiredMixin, View):
    def get(self, request):
        year, years, blocks = _kindergartens(request)
        return render(request, "supervision/kindergartens.html", {"year": year, "years": years, "blocks": blocks})


class KindergartenExportView(LoginRequiredMixin, View):
    def get(self, request):
        year, _years_, blocks = _kindergartens(request)
        columns = [
            (_("项目"), None),
            (_("幼儿园"), None),
            (_("乡镇"), None),
            (_("检查日期"), None),
            (_("得分"), None),
            (_("结论"), None),
            (_("整改通知书"), None),
            (_("整改状态"), None),
        ]
        data = []
        for block in blocks:
            for row in block["rows"]:
                inspection, target = row["inspection"], row["target"]
                data.append(
                    [
                        block["title"],
                        target.name,
                        target.school.township.name if target.school and target.school.township_id else "",
                        inspection.inspected_on if inspection else "",
                        inspection.score if inspection else "",
                        inspection.get_result_display() if inspection else _("未检查"),
                        str(inspection.notice) if inspection and inspection.notice else "",
                        row["notice"],
                    ]
                )
        return xlsx_response(_("{year}年幼儿园督导评估").format(year=year), _("督导评估"), columns, data)


# 五项管理 -------------------------------------------------------------------------------------------------------------


class FiveForm(forms.Form):
    year = forms.TypedChoiceField(label=gettext_lazy("年度"), coerce=int, choices=_years, required=False)
    term = forms.ChoiceField(
        label=gettext_lazy("学期"), choices=[("", gettext_lazy("当前学期")), *terms.TERMS.items()], required=False
    )
    township = forms.ModelChoiceField(
        label=gettext_lazy("乡镇"), queryset=Division.objects.none(), required=False, empty_label=gettext_lazy("全部")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = Division.objects.for_user(user).filter(level=DivisionLevel.TOWNSHIP)
        style_form(self)


def _five(request):
    form = FiveForm(request.GET or None, user=request.user)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    year, term = terms.term_of(timezone.localdate())
    if data.get("term"):
        term, year = data["term"], data.get("year") or year
    mine = engine.leader_townships(request.user)
    if data.get("township"):
        chosen = [data["township"]]
    else:
        chosen = mine or None
    detail = engine.five_summary(request.user, year, term, townships=chosen)
    county = engine.five_summary(request.user, year, term)
    return form, year, term, mine, chosen, detail, county


class FiveView(LoginRequiredMixin, View):
    def get(self, request):
        form, year, term, mine, chosen, detail, county = _five(request)
        page = Paginator(detail["rows"], 50).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        return render(
            request,
            "supervision/five.html",
            {
                "form": form,
                "label": terms.term_label(year, term),
                "mine": mine,
                "chosen": chosen,
                "detail": detail,
                "county": county,
                "areas": engine.FIVE_AREAS,
                "page": page,
                "query": query.urlencode(),
            },
        )


class FiveExportView(LoginRequiredMixin, View):
    def get(self, request):
        _form, year, term, _mine, _chosen, detail, _county = _five(request)
        columns = [
            (_("学校"), None),
            (_("乡镇"), None),
            (_("自查"), None),
            *[(area, None) for area in engine.FIVE_AREAS],
        ]
        yes, no = _("达标"), _("未达标")
        data = [
            [
                row["target"].name,
                row["township"],
                _("已完成") if row["done"] else _("未完成"),
                *[("" if ok is None else (yes if ok else no)) for ok in row["areas"]],
            ]
            for row in detail["rows"]
        ]
        return xlsx_response(
            _("{term}五项管理自查").format(term=terms.term_label(year, term)), _("五项管理"), columns, data
        )


# 我的责任区: the signed-in 督学's own page ------------------------------------------------------------------------


def is_inspector(user) -> bool:
    """The menu's condition for 我的责任区: a 督学 account (read off the role, so the menu costs no query)."""
    return user.is_authenticated and user.role == access.Role.INSPECTOR


class MyZoneView(LoginRequiredMixin, View):
    """The 督学's own page: their registry entry, the schools of their 责任区 today with this term's visits per
    school, their latest visits and the notices that came of them. A 督学 account not in the registry reads so;
    other accounts linked to no 督学 get 404."""

    def get(self, request):
        inspector = Inspector.objects.filter(user=request.user).first()
        if inspector is None:
            if not is_inspector(request.user):
                raise Http404
            # A 督学 account not yet entered in the registry: the page says so.
            return render(request, "supervision/my_zone.html", {"inspector": None})
        year, term = terms.term_of(timezone.localdate())
        result = selectors.compliance(request.user, year, term, inspector=inspector)
        visits = (
            Visit.objects.for_user(request.user)
            .filter(inspector=inspector)
            .select_related("school", "notice", "notice__case")
            .order_by("-visited_on")[:20]
        )
        return render(
            request,
            "supervision/my_zone.html",
            {"inspector": inspector, "result": result, "visits": visits, "floors": _floors()},
        )
