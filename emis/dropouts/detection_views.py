"""The 四查三比对 page (emis.dropouts.detection) and the review of its possible matches (emis.dropouts.review).

Accounts overseeing an area (county bureau, township, 股室, city, province, administrator) run it for a school year
and, optionally, one township they cover; the register is read within their scope (``detect(user=...)``). School
accounts get 404: the register is not theirs (a school's absent pupils are its rolls' business). ID numbers and
学籍号 are masked unless the role may see them; the xlsx download holds the same rows as the page, masked alike.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from emis.common.idnumbers import mask_id_number
from emis.core import access
from emis.core.exports import record_download, xlsx_response
from emis.core.writes import Refused
from emis.orgs.choices import DivisionLevel
from emis.orgs.models import Division, SchoolYear
from emis.population.models import PopulationRecord
from emis.students.models import Student

from .categories import Category
from .detection import COLUMNS, detect, duplicate_rows, flag_rows
from .models import MatchDecision, MatchSide
from .review import may_review, review_match

PER_PAGE = 50
HEADERS = {
    "id_number": gettext_lazy("身份证号"),
    "category": gettext_lazy("类别代码"),
    "candidate_student_no": gettext_lazy("疑似学籍的全国学籍号"),
    "name": gettext_lazy("姓名"),
    "birth_date": gettext_lazy("出生日期"),
    "hukou_township": gettext_lazy("户籍乡镇"),
    "hukou_village": gettext_lazy("户籍村/社区"),
    "gender": gettext_lazy("性别"),
    "category_label": gettext_lazy("类别"),
    "reason": gettext_lazy("原因"),
    "hukou_township_code": gettext_lazy("户籍乡镇代码"),
    "hukou_village_code": gettext_lazy("户籍村/社区代码"),
    "school": gettext_lazy("学校"),
    "school_code": gettext_lazy("学校标识码"),
}
# The review's choices: confirm and correct the register's ID, confirm and correct the roll's, or reject.
REVIEW_CHOICES = (
    (f"confirmed:{MatchSide.REGISTER}", gettext_lazy("同一人，更正户籍身份证号为学籍的")),
    (f"confirmed:{MatchSide.ROLL}", gettext_lazy("同一人，更正学籍身份证号为户籍的")),
    ("rejected:", gettext_lazy("不是同一人")),
)


def _context(request):
    """(school year, township or None) from the query, within what the user may see; 404 for anything else."""
    user = request.user
    if not access.oversees(user):
        raise Http404
    years = list(SchoolYear.objects.for_user(user).order_by("-start_year"))
    if not years:
        raise Http404
    wanted = request.GET.get("year") or request.POST.get("year")
    year = next((y for y in years if str(y.start_year) == wanted), None) if wanted else None
    if wanted and year is None:
        raise Http404
    year = year or next((y for y in years if y.is_current), years[0])
    townships = [
        (code, name)
        for code, name in Division.objects.filter(level=DivisionLevel.TOWNSHIP)
        .order_by("code")
        .values_list("code", "name")
        if access.covers(user, division=code)
    ]
    township = request.GET.get("township") or ""
    if township and township not in dict(townships):
        raise Http404
    return year, township, years, townships


def _show_id(user):
    return (lambda value: value) if access.may_see_full_ids(user) else mask_id_number


class DetectionView(LoginRequiredMixin, View):
    def get(self, request):
        year, township, years, townships = _context(request)
        result = detect(year, township_code=township or None, user=request.user, count_examined=True)
        show_id = _show_id(request.user)
        category = request.GET.get("category") or ""
        if category and category not in Category.values:
            raise Http404
        flags = [f for f in result.flags if not category or f.category == category]
        shown = type(result)(school_year=year, flags=flags, duplicates=result.duplicates)
        if request.GET.get("format") == "xlsx":
            rows = flag_rows(shown, show_id=show_id)
            columns = [(HEADERS[c], None) for c in COLUMNS]
            record_download(request.user, list_name="dropouts:detection", fmt="xlsx", rows=len(rows))
            title = _("四查三比对-%(year)s学年") % {"year": year.start_year}
            return xlsx_response(title, _("四查三比对"), columns, ([row[c] for c in COLUMNS] for row in rows))
        page = Paginator(flags, PER_PAGE).get_page(request.GET.get("page"))
        page_result = type(result)(school_year=year, flags=list(page.object_list), duplicates=result.duplicates)
        rows = flag_rows(page_result, show_id=show_id)
        for row, flag in zip(rows, page.object_list, strict=True):
            row["flag"] = flag
        counts = result.counts()
        query = request.GET.copy()
        query.pop("page", None)
        export = query.copy()
        export["format"] = "xlsx"
        return render(
            request,
            "dropouts/detection.html",
            {
                "year": year,
                "years": years,
                "township": township,
                "townships": townships,
                "category": category,
                "categories": [(code, label, counts[code]) for code, label in Category.choices],
                "examined": result.examined,
                "flagged": len(result.flags),
                "page": page,
                "rows": rows,
                "duplicates": duplicate_rows(result, show_id=show_id),
                "querystring": query.urlencode(),
                "export_url": f"{reverse('dropouts:detection')}?{export.urlencode()}",
                "may_review": may_review(request.user),
                "review_choices": REVIEW_CHOICES,
            },
        )


class ReviewView(LoginRequiredMixin, View):
    """POST: a decision on one possible match. 404 unless the user oversees an area, may review, sees the register
    child, and detection still proposes that candidate for that child and year."""

    def post(self, request):
        if not access.oversees(request.user) or not may_review(request.user):
            raise Http404
        try:
            year = SchoolYear.objects.for_user(request.user).get(start_year=int(request.POST.get("year", "")))
            record = PopulationRecord.objects.for_user(request.user).get(
                pk=int(request.POST.get("record", "")), school_year=year
            )
            candidate = Student.objects.get(pk=int(request.POST.get("candidate", "")))
        except (ValueError, SchoolYear.DoesNotExist, PopulationRecord.DoesNotExist, Student.DoesNotExist):
            raise Http404 from None
        proposed = detect(
            year, township_code=record.hukou_township.code, user=request.user, with_duplicates=False
        ).flags
        if not any(
            f.population_record_id == record.pk and f.candidate_student_id == candidate.pk
            for f in proposed
            if f.category == Category.POSSIBLE_MATCH
        ):
            raise Http404
        decision, _sep, side = (request.POST.get("decision") or "").partition(":")
        back = request.POST.get("next") or ""
        if not back.startswith(reverse("dropouts:detection")):
            back = f"{reverse('dropouts:detection')}?year={year.start_year}"
        try:
            review_match(
                record=record,
                candidate=candidate,
                decision=decision,
                side=side,
                note=request.POST.get("note", ""),
                acting_user=request.user,
            )
        except Refused as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect(back)
        if decision == MatchDecision.Decision.CONFIRMED:
            messages.success(request, _("已确认为同一人并更正身份证号：%(name)s") % {"name": record.name})
        else:
            messages.success(request, _("已核实不是同一人：%(name)s，列为适龄未入学。") % {"name": record.name})
        return redirect(back)
