"""The app's own pages beyond the generic lists and pages (ui.DropoutCaseUI, ui.MonthlyReportUI): each step of a
case and of a monthly report (a POST calling the service, flashing its Chinese reason when refused; 404 outside the
user's scope), the three ledgers with their xlsx exports, the township dashboard, and the county's monthly report
management. Views are thin: the rules live in services and selectors."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from emis.core import access, exports
from emis.core.writes import Refused
from emis.orgs.models import Division, School, SchoolYear
from emis.work.scope import acting_role

from . import detection, filtersets, forms, selectors, services
from .apps import DOMAIN
from .ui import STEP_FORMS, DropoutCaseUI, MonthlyReportUI
from .workflows import COUNTY_SIDE, DROPOUT_RETURN

PER_PAGE = 50


def _refused(request, exc: Refused) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _school_year(request):
    """The school year asked for (?school_year=id), else the current one, else the latest."""
    years = SchoolYear.objects.order_by("-start_year")
    wanted = request.GET.get("school_year")
    if wanted and wanted.isdigit():
        found = years.filter(pk=int(wanted)).first()
        if found is not None:
            return found
    return years.filter(is_current=True).first() or years.first()


# Case steps ---------------------------------------------------------------------------------------------------------


@login_required
@require_POST
def case_step(request, pk: int, transition: str):
    dc = get_object_or_404(DropoutCaseUI.queryset(request.user), pk=pk)
    form_class = STEP_FORMS.get(transition)
    if form_class is None:
        raise Http404
    form = form_class(request.POST, request.FILES, prefix=transition)
    if not form.is_valid():
        messages.error(
            request,
            _("请完整填写：{fields}。").format(
                fields="、".join(str(form.fields[f].label) for f in form.errors if f in form.fields)
                or _("页面已过期，请刷新后再办理")
            ),
        )
        return HttpResponseRedirect(dc.get_absolute_url())
    data = form.cleaned_data
    version = data["version"]
    files = request.FILES.getlist(f"{transition}-files")
    try:
        if dc.case.version != version:
            raise Refused(_("办件已由他人办理，请刷新后查看最新情况再办理。"))
        if transition in ("verify",):
            services.step(dc, transition, request.user, version=version, comment=data["comment"])
        elif transition in ("defer", "suspend"):
            services.step(
                dc,
                transition,
                request.user,
                version=version,
                comment=data["comment"],
                values={"approval": data["approval"]},
                attachments=files,
            )
        elif transition == "confirm":
            services.confirm(
                dc, request.user, dropout_reason=data["dropout_reason"], version=version, comment=data["comment"]
            )
        elif transition == "issue_notice":
            services.issue_notice(dc, request.user, days=data["days"], guardian=data["guardian"], version=version)
        elif transition in ("contact", "home_visit"):
            services.record_contact(
                dc,
                request.user,
                date=data["date"],
                line=data["line"],
                who=data["who"],
                outcome=data["outcome"],
                photo=data.get("photo"),
                version=version,
            )
        elif transition == "return":
            services.mark_returned(
                dc, request.user, returned_on=data["returned_on"], version=version, comment=data["comment"]
            )
        elif transition == "close":
            services.close(dc, request.user, version=version, comment=data["comment"])
        elif transition == "home_teaching":
            services.home_teaching(dc, request.user, comment=data["comment"], attachments=files, version=version)
        elif transition == "exclude":
            services.exclude(
                dc,
                request.user,
                exclusion=data["exclusion"],
                comment=data["comment"],
                attachments=files,
                version=version,
            )
    except Refused as exc:
        _refused(request, exc)
    else:
        label = DROPOUT_RETURN.transition(transition).label
        messages.success(request, _("已办理：{step}。").format(step=label))
    return HttpResponseRedirect(dc.get_absolute_url())


@login_required
@require_POST
def case_responsibles(request, pk: int):
    dc = get_object_or_404(DropoutCaseUI.queryset(request.user), pk=pk)
    form = forms.ResponsibleForm(request.POST, instance=dc, prefix="resp")
    if not form.is_valid():
        messages.error(request, _("请检查双线责任人的填写。"))
        return HttpResponseRedirect(dc.get_absolute_url())
    dc.refresh_from_db()
    try:
        services.set_responsibles(dc, request.user, form.cleaned_data)
    except Refused as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("双线责任人已保存。"))
    return HttpResponseRedirect(dc.get_absolute_url())


@login_required
@require_POST
def open_detected(request):
    """立案 for what 四查三比对 finds in the user's area: a case for each child flagged and not yet on a case."""
    if not may_open(request.user):
        raise Http404
    year = get_object_or_404(SchoolYear, pk=request.POST.get("school_year") or 0)
    found = detection.detect(year, user=request.user, with_duplicates=False)
    try:
        result = services.open_cases(found.flags, request.user)
    except Refused as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("已立案 {n} 件，已有个案 {m} 件。").format(n=len(result.cases), m=result.existing))
    return HttpResponseRedirect(reverse("dropouts:ledger_suspected"))


def may_open(user) -> bool:
    from .workflows import TOWNSHIP_SIDE

    return acting_role(user) in TOWNSHIP_SIDE and access.role_may(user, DOMAIN, "flag")


# Monthly reports ----------------------------------------------------------------------------------------------------


def may_request_reports(user) -> bool:
    return acting_role(user) in COUNTY_SIDE and access.role_may(user, DOMAIN, "request")


@login_required
@require_POST
def report_submit(request, pk: int):
    report = get_object_or_404(MonthlyReportUI.queryset(request.user), pk=pk)
    form = forms.ReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写人数（没有填0）。"))
        return HttpResponseRedirect(report.get_absolute_url())
    data = form.cleaned_data
    try:
        if report.case.version != data["version"]:
            raise Refused(_("办件已由他人办理，请刷新后查看最新情况再办理。"))
        services.submit_report(
            report,
            request.user,
            suspected=data["suspected"],
            dropouts=data["dropouts"],
            returned=data["returned"],
            note=data["note"],
            version=data["version"],
        )
    except Refused as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("月报已报送。"))
    return HttpResponseRedirect(report.get_absolute_url())


@login_required
def reports_manage(request):
    """The county: 布置月报 (a report case per school for a month) and 季度复核."""
    if not may_request_reports(request.user):
        raise Http404
    request_form = forms.RequestReportsForm(prefix="req")
    recheck_form = forms.RecheckForm(prefix="chk")
    if request.method == "POST":
        try:
            if "req-month" in request.POST:
                request_form = forms.RequestReportsForm(request.POST, prefix="req")
                if request_form.is_valid():
                    made = services.request_reports(request_form.cleaned_data["month"], request.user)
                    messages.success(request, _("已布置月报 {n} 份。").format(n=len(made)))
                    return HttpResponseRedirect(reverse("dropouts:monthlyreport_list"))
            else:
                recheck_form = forms.RecheckForm(request.POST, prefix="chk")
                if recheck_form.is_valid():
                    data = recheck_form.cleaned_data
                    n = services.quarterly_recheck(
                        request.user, year=data["year"], quarter=int(data["quarter"]), comment=data["comment"]
                    )
                    messages.success(request, _("已复核月报 {n} 份。").format(n=n))
                    return HttpResponseRedirect(reverse("dropouts:monthlyreport_list"))
        except Refused as exc:
            _refused(request, exc)
    return render(request, "dropouts/reports_manage.html", {"request_form": request_form, "recheck_form": recheck_form})


# Ledgers ------------------------------------------------------------------------------------------------------------


def _page(request, queryset):
    paginator = Paginator(queryset, PER_PAGE)
    return paginator.get_page(request.GET.get("page"))


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    return query.urlencode()


class ChildFilterForm(forms._Styled, forms.forms.Form):
    school_year = forms.forms.ModelChoiceField(
        SchoolYear.objects.order_by("-start_year"), label=gettext_lazy("学年"), required=False
    )
    township = forms.forms.ModelChoiceField(Division.objects.none(), label=gettext_lazy("户籍乡镇"), required=False)
    school = forms.forms.ModelChoiceField(School.objects.none(), label=gettext_lazy("就读学校"), required=False)
    where = forms.forms.ChoiceField(
        label=gettext_lazy("状态"),
        required=False,
        choices=[("", gettext_lazy("全部")), *selectors.CHILD_STATES],
    )
    q = forms.forms.CharField(label=gettext_lazy("姓名或拼音首字母"), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = Division.objects.for_user(user).filter(level="township").order_by("code")
        self.fields["school"].queryset = School.objects.for_user(user).order_by("code")
        for name in ("school_year", "township", "school"):
            self.fields[name].empty_label = gettext_lazy("全部")


@login_required
def ledger_children(request):
    """适龄儿童台账: the register's school-age children and where each one is."""
    form = ChildFilterForm(request.GET or None, user=request.user)
    year = _school_year(request)
    rows = selectors.children_ledger(request.user, year) if year else None
    if rows is not None and form.is_valid():
        data = form.cleaned_data
        rows = selectors.filter_children(
            rows, township=data["township"], school=data["school"], where=data["where"], q=data["q"].strip()
        )
    user = request.user
    columns = [
        (_("姓名"), lambda r: r.name),
        (_("身份证号"), lambda r: access.display_id(user, r.id_number)),
        (_("性别"), lambda r: r.get_gender_display()),
        (_("出生日期"), lambda r: r.birth_date),
        (_("户籍乡镇"), lambda r: r.hukou_township.name if r.hukou_township_id else ""),
        (_("户籍村/社区"), lambda r: r.hukou_village.name if r.hukou_village_id else ""),
        (_("就读情况"), selectors.child_where),
    ]
    if request.GET.get("format") == "xlsx":
        return _export(request, _("适龄儿童台账"), columns, rows if rows is not None else [])
    page = _page(request, rows if rows is not None else [])
    return render(
        request,
        "dropouts/ledger.html",
        {
            "title": _("适龄儿童台账"),
            "form": form,
            "year": year,
            "headers": [str(h) for h, _g in columns],
            "rows": [
                {
                    "cells": [g(r) for _h, g in columns],
                    "url": reverse("dropouts:dropoutcase_detail", args=[r.case_pk]) if r.case_pk else "",
                }
                for r in page
            ],
            "page": page,
            "query": _query_without_page(request),
        },
    )


def _case_columns(user):
    return [
        (_("姓名"), lambda o: o.name),
        (_("身份证号"), lambda o: access.display_id(user, o.id_number)),
        (_("性别"), lambda o: o.get_gender_display()),
        (_("出生日期"), lambda o: o.birth_date),
        (_("户籍乡镇"), lambda o: o.hukou_township.name if o.hukou_township_id else ""),
        (_("户籍村/社区"), lambda o: o.hukou_village.name if o.hukou_village_id else ""),
        (_("学校"), lambda o: o.school.name if o.school_id else ""),
        (_("比对类别"), lambda o: o.get_category_display()),
        (_("辍学原因"), lambda o: o.get_dropout_reason_display()),
        (_("状态"), lambda o: str(DROPOUT_RETURN.state_label(o.case.state))),
        (_("期限"), lambda o: o.case.due_on or ""),
        (_("时限状态"), lambda o: o.case.get_urgency_display() if o.case.closed_at is None else ""),
    ]


def _case_ledger(request, title: str, base):
    data = request.GET.copy()
    if "school_year" not in data:
        year = _school_year(request)
        if year is not None:
            data["school_year"] = str(year.pk)
    filterset = filtersets.DropoutCaseFilterSet(data, queryset=base, request=request)
    rows = filterset.qs.order_by("case__township_code", "name", "id")
    columns = _case_columns(request.user)
    if request.GET.get("format") == "xlsx":
        return _export(request, title, columns, rows)
    page = _page(request, rows)
    return render(
        request,
        "dropouts/ledger.html",
        {
            "title": title,
            "form": filterset.form,
            "headers": [str(h) for h, _g in columns],
            "rows": [{"cells": [g(o) for _h, g in columns], "url": o.get_absolute_url()} for o in page],
            "page": page,
            "query": _query_without_page(request),
            "may_open": may_open(request.user),
            "year": _school_year(request),
        },
    )


@login_required
def ledger_suspected(request):
    """疑似辍学学生台账: the flagged children before 确认辍学."""
    return _case_ledger(request, _("疑似辍学学生台账"), selectors.suspected_ledger(request.user))


@login_required
def ledger_dropouts(request):
    """辍学学生台账: confirmed dropouts and what became of them."""
    return _case_ledger(request, _("辍学学生台账"), selectors.dropout_ledger(request.user))


def _export(request, title, columns, rows):
    rows = list(rows)
    exports.record_download(
        request.user, list_name=str(title), fmt="xlsx", rows=len(rows), query=request.GET.urlencode()
    )
    return exports.xlsx_response(str(title), str(title)[:31], columns, ([g(r) for _h, g in columns] for r in rows))


# Dashboard ----------------------------------------------------------------------------------------------------------


@login_required
def dashboard(request):
    year = _school_year(request)
    summary = (
        selectors.dashboard(request.user, year) if year else {"townships": [], "total": {}, "none_out_of_school": False}
    )
    return render(
        request,
        "dropouts/dashboard.html",
        {
            "year": year,
            "years": SchoolYear.objects.order_by("-start_year"),
            **summary,
            "measures": [
                ("flagged", _("比对发现")),
                ("suspected", _("待核实")),
                ("confirmed", _("确认辍学")),
                ("out_of_school", _("尚未复学")),
                ("returned", _("已复学")),
                ("closed", _("已办结")),
                ("overdue", _("已逾期")),
            ],
        },
    )
