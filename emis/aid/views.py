"""The aid pages beyond the generic lists and pages (ui.py): adding a standard, generating rolls, a roll's steps and
line changes (POSTs calling the services, flashing the Chinese reason when refused; 404 outside the scope), the
公示 list (printable and xlsx, names partly masked), the totals and the coverage check."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.http import require_GET, require_POST

from emis.core import access
from emis.core.exports import record_download, xlsx_response
from emis.core.writes import Refused
from emis.students.choices import Level
from emis.work.scope import acting_role

from . import rules, selectors, services
from .apps import DOMAIN
from .models import Category, Eligibility, Programme, RollLine, Standard, Term, TermKind
from .ui import RollUI
from .workflows import AID_ROLL, COUNTY


def may_manage(user) -> bool:
    """The county's aid staff: a 股室 account with the 学生资助 domain, or the administrator."""
    return user.is_authenticated and acting_role(user) in COUNTY and access.role_may(user, DOMAIN, "generate")


def _flash_refused(request, exc: Refused) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _terms():
    return Term.objects.select_related("school_year").order_by("-school_year__start_year", "kind")


def _chosen_term(request):
    terms = list(_terms())
    wanted = request.GET.get("term")
    chosen = next((t for t in terms if str(t.pk) == wanted), None) if wanted else None
    if chosen is None and terms:
        with_rolls = set(RollUI.model.objects.values_list("term_id", flat=True).distinct()[:50])
        chosen = next((t for t in terms if t.pk in with_rolls), terms[0])
    return terms, chosen


# Standards --------------------------------------------------------------------------------------------------------


class StandardForm(forms.ModelForm):
    categories = forms.MultipleChoiceField(
        label=gettext_lazy("资助对象类别"),
        choices=Category.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    boarder = forms.NullBooleanField(
        label=gettext_lazy("寄宿生"),
        required=False,
        widget=forms.Select(
            choices=[
                ("unknown", gettext_lazy("不限")),
                ("true", gettext_lazy("寄宿生")),
                ("false", gettext_lazy("非寄宿生")),
            ]
        ),
    )

    class Meta:
        model = Standard
        fields = (
            "programme",
            "level",
            "boarder",
            "tier",
            "eligibility",
            "categories",
            "amount_per_year",
            "valid_from",
            "source",
        )
        widgets = {"valid_from": forms.DateInput(attrs={"type": "date"})}


class StandardCreateView(LoginRequiredMixin, View):
    """新增资助标准: a new row with a later date; an old standard is never edited."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not may_manage(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        initial = {}
        source = Standard.objects.filter(pk=request.GET.get("from") or 0).first()
        if source is not None:
            initial = {
                "programme": source.programme_id,
                "level": source.level,
                "boarder": source.boarder,
                "tier": source.tier,
                "eligibility": source.eligibility,
                "categories": source.categories,
            }
        return self._render(request, StandardForm(initial=initial))

    def post(self, request):
        form = StandardForm(request.POST)
        if form.is_valid():
            standard = form.save(commit=False)
            standard.categories = form.cleaned_data["categories"] if standard.eligibility == Eligibility.LISTED else []
            try:
                services.add_standard(standard, request.user)
            except Refused as exc:
                form.add_error(None, exc.messages[0])
            except ValidationError as exc:
                form.add_error(None, exc.messages[0])
            else:
                messages.success(request, _("已新增资助标准，自{date}起执行。").format(date=standard.valid_from))
                return HttpResponseRedirect(standard.programme.get_absolute_url())
        return self._render(request, form, status=400)

    def _render(self, request, form, status=200):
        return render(request, "aid/standard_form.html", {"form": form}, status=status)


# Generating rolls -------------------------------------------------------------------------------------------------


class GenerateForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("学年（起始年份）"), min_value=2000, max_value=2100)
    term = forms.ChoiceField(label=gettext_lazy("学期"), choices=TermKind.choices)
    programme = forms.ModelChoiceField(label=gettext_lazy("资助项目"), queryset=Programme.objects.all())
    census_date = forms.DateField(
        label=gettext_lazy("统计日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("不填：秋季学期为9月30日，春季学期为次年3月31日；学期已有名单后不再改动。"),
    )
    publicity_days = forms.IntegerField(label=gettext_lazy("公示天数"), required=False, min_value=1, max_value=30)


class GenerateView(LoginRequiredMixin, View):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not may_manage(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return render(request, "aid/generate.html", {"form": GenerateForm()})

    def post(self, request):
        form = GenerateForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                term = services.term_for(data["year"], data["term"])
                services.configure_term(term, census_date=data["census_date"], publicity_days=data["publicity_days"])
                result = services.generate_rolls(data["programme"], term, acting_user=request.user)
            except Refused as exc:
                form.add_error(None, exc.messages[0])
            else:
                messages.success(
                    request,
                    _(
                        "已生成{created}份名单、重新生成{regenerated}份，{kept}份已在审核中未改动；共{lines}人次、{amount}元。"
                    ).format(
                        created=result.created,
                        regenerated=result.regenerated,
                        kept=result.kept,
                        lines=result.lines,
                        amount=f"{result.amount:.2f}",
                    ),
                )
                return HttpResponseRedirect(
                    f"{reverse('aid:roll_list')}?term={term.pk}&programme={data['programme'].pk}"
                )
        return render(request, "aid/generate.html", {"form": form}, status=400)


# A roll's steps and lines -----------------------------------------------------------------------------------------


def _roll(request, pk):
    return get_object_or_404(RollUI.queryset(request.user), pk=pk)


@login_required
@require_POST
def roll_step(request, pk: int):
    roll = _roll(request, pk)
    transition = request.POST.get("transition", "")
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        messages.error(request, _("页面已过期，请刷新后再办理。"))
        return HttpResponseRedirect(roll.get_absolute_url())
    values = {}
    if request.POST.get("publicity_days"):
        values["publicity_days"] = request.POST["publicity_days"]
    if request.POST.get("paid_on"):
        values["paid_on"] = request.POST["paid_on"]
    try:
        if transition not in {t.name for t in AID_ROLL.transitions if not t.opens}:
            raise Refused(_("未知的办理环节。"))
        services.roll_step(
            roll,
            transition,
            acting_user=request.user,
            version=version,
            comment=request.POST.get("comment", "").strip(),
            values=values,
        )
    except Refused as exc:
        _flash_refused(request, exc)
    else:
        messages.success(request, _("已办理，名单现为“{state}”。").format(state=AID_ROLL.state_label(roll.case.state)))
    return HttpResponseRedirect(roll.get_absolute_url())


@login_required
@require_POST
def line_change(request, pk: int):
    line = get_object_or_404(RollLine.in_scope(request.user).select_related("roll__case"), pk=pk)
    roll = line.roll
    try:
        amount = request.POST.get("amount", "").strip()
        try:
            amount = Decimal(amount) if amount else None
        except InvalidOperation:
            raise Refused(_("金额格式不正确。")) from None
        removed = request.POST.get("removed")
        services.line_change(
            line,
            acting_user=request.user,
            amount=amount,
            removed=None if removed is None else removed in ("1", "true", "on"),
            reason=request.POST.get("reason", ""),
        )
    except Refused as exc:
        _flash_refused(request, exc)
    else:
        messages.success(request, _("已修改名单明细。"))
    return HttpResponseRedirect(roll.get_absolute_url())


def _public_context(roll):
    ends = rules.publicity_ends(roll)
    return {"roll": roll, "rows": rules.public_list(roll), "ends": ends}


@login_required
@require_GET
def roll_public(request, pk: int):
    """The 公示 list, printable: names partly masked (张*明), no ID numbers."""
    roll = _roll(request, pk)
    return render(request, "aid/roll_public.html", _public_context(roll))


@login_required
@require_GET
def roll_public_xlsx(request, pk: int):
    roll = _roll(request, pk)
    rows = rules.public_list(roll)
    record_download(request.user, list_name="aid_public", fmt="xlsx", rows=len(rows))
    columns = [
        (_("序号"), None),
        (_("姓名"), None),
        (_("年级"), None),
        (_("档次"), None),
        (_("金额（元）"), None),
    ]
    data = [[n, r["name"], r["grade"], r["tier"], f"{r['amount']:.2f}"] for n, r in enumerate(rows, 1)]
    return xlsx_response(_("资助名单公示-{school}").format(school=roll.school.name), _("公示名单"), columns, data)


# Totals and coverage ----------------------------------------------------------------------------------------------


class TotalsView(LoginRequiredMixin, View):
    """人次 and 金额 of a term by programme, level, township and school (the user's scope), xlsx on ?format=xlsx."""

    def get(self, request):
        terms, term = _chosen_term(request)
        programme = request.GET.get("programme", "")
        data = selectors.totals(term, request.user, programme=programme) if term else None
        if data and request.GET.get("format") == "xlsx":
            rows = []
            for group, label in (
                ("programme", _("资助项目")),
                ("level", _("学段")),
                ("township", _("乡镇")),
                ("school", _("学校")),
            ):
                for entry in data[group]:
                    rows.append([str(label), entry["name"], entry["persons"], f"{entry['amount']:.2f}"])
            rows.append([_("合计"), "", data["total"]["persons"], f"{data['total']['amount']:.2f}"])
            record_download(request.user, list_name="aid_totals", fmt="xlsx", rows=len(rows))
            columns = [(_("分组"), None), (_("名称"), None), (_("人次"), None), (_("金额（元）"), None)]
            return xlsx_response(_("资助统计-{term}").format(term=term), _("资助统计"), columns, rows)
        context = {
            "terms": terms,
            "term": term,
            "programmes": Programme.objects.all(),
            "programme": programme,
            "data": data,
            "wan": (data["total"]["amount"] / Decimal(10000)).quantize(Decimal("0.0001")) if data else None,
        }
        return render(request, "aid/totals.html", context)


class CoverageView(LoginRequiredMixin, View):
    """应助未助: 脱贫家庭 and 监测对象 pupils 在读 on the census date and on no roll of the term, with the reason."""

    def get(self, request):
        terms, term = _chosen_term(request)
        gaps = selectors.coverage_gaps(term, request.user) if term else []
        if request.GET.get("format") == "xlsx":
            record_download(request.user, list_name="aid_coverage", fmt="xlsx", rows=len(gaps))
            columns = [
                (_("乡镇"), None),
                (_("学校"), None),
                (_("姓名"), None),
                (_("身份证件号"), None),
                (_("年级"), None),
                (_("资助对象类别"), None),
                (_("原因"), None),
            ]
            rows = [
                [
                    g["township"],
                    g["school"].name if g["school"] else "",
                    g["student"].name if g["student"] else "",
                    access.display_id(request.user, g["student"].id_number) if g["student"] else "",
                    g["grade"],
                    g["categories"],
                    g["reason"],
                ]
                for g in gaps
            ]
            return xlsx_response(_("应助未助核查-{term}").format(term=term), _("应助未助"), columns, rows)
        page = Paginator(gaps, 50).get_page(request.GET.get("page"))
        for gap in page.object_list:
            if gap["student"] is not None:
                gap["id_display"] = access.display_id(request.user, gap["student"].id_number)
        levels = dict(Level.choices)
        return render(
            request,
            "aid/coverage.html",
            {"terms": terms, "term": term, "page": page, "count": len(gaps), "levels": levels},
        )
