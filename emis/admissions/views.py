"""划片测算 (entrants against places, per zone and school) and each school's printable entrant list."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from emis.core import access
from emis.core.exports import xlsx_response
from emis.orgs.models import School, SchoolYear
from emis.orgs.selectors import requested_school_year

from .choices import EntryLevel
from .selectors import catchment_plan, entry_birth_window, school_entrants


def _year_and_level(request) -> tuple[SchoolYear | None, str]:
    level = request.GET.get("level", EntryLevel.PRIMARY)
    if level not in EntryLevel.values:
        raise Http404("unknown level")
    return requested_school_year(request), level


@require_GET
@login_required
def plan_page(request):
    year, level = _year_and_level(request)
    plan = catchment_plan(request.user, year, level) if year else None
    window = entry_birth_window(year.start_year) if year and level == EntryLevel.PRIMARY else None
    context = {
        "years": SchoolYear.objects.for_user(request.user).order_by("-start_year"),
        "year": year,
        "level": level,
        "levels": EntryLevel.choices,
        "plan": plan,
        "window": window,
    }
    return render(request, "admissions/plan.html", context)


@require_GET
@login_required
def school_list(request, pk: int):
    school = get_object_or_404(School.objects.for_user(request.user), pk=pk)
    year, level = _year_and_level(request)
    if year is None:
        raise Http404("no school year")
    entrants = school_entrants(school, year, level)
    for entrant in entrants:
        entrant.shown_id = access.display_id(request.user, entrant.id_number)
    if request.GET.get("format") == "xlsx":
        columns = [
            (_("序号"), None),
            (_("姓名"), None),
            (_("性别"), None),
            (_("出生日期"), None),
            (_("身份证件号"), None),
            (_("户籍村/社区"), None),
            (_("片区"), None),
            (_("安排方式"), None),
        ]
        rows = (
            [i, e.name, e.gender, e.birth_date or "", e.shown_id, e.village, e.zone, e.placement]
            for i, e in enumerate(entrants, start=1)
        )
        title = _("{school}{year}{level}入学名单").format(school=school.name, year=year, level=EntryLevel(level).label)
        return xlsx_response(title, _("入学名单"), columns, rows)
    context = {
        "school": school,
        "year": year,
        "level": level,
        "level_label": EntryLevel(level).label,
        "entrants": entrants,
    }
    return render(request, "admissions/school_list.html", context)
