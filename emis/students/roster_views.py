"""The 花名册 pages: a class's or a school's roster to print (A4) or download (xlsx). Scoped: a class or school
outside the user's scope answers 404, as does a role that may not read pupils."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from emis.core import access
from emis.orgs.models import School
from emis.orgs.selectors import requested_school_year

from .apps import DOMAIN
from .models import SchoolClass
from .roster import XLSX_CONTENT_TYPE, class_roster, headers, roster_xlsx, school_roster


def _may_read(user) -> None:
    if not access.role_may(user, DOMAIN, access.VIEW):
        raise Http404


def _class(request, pk: int) -> SchoolClass:
    _may_read(request.user)
    return get_object_or_404(SchoolClass.objects.for_user(request.user).select_related("school", "school_year"), pk=pk)


def _school_and_year(request, pk: int):
    _may_read(request.user)
    school = get_object_or_404(School.objects.for_user(request.user), pk=pk)
    year = requested_school_year(request)
    if year is None:
        raise Http404
    return school, year


def page_words() -> list[str]:
    """The words around the printed page numbers ("第 ", " 页，共 ", " 页"), for the CSS counters."""
    text = _("第 {page} 页，共 {pages} 页")
    before, rest = text.split("{page}", 1)
    middle, after = rest.split("{pages}", 1)
    return [before, middle, after]


def _page(request, roster, *, back: str, xlsx: str):
    return render(
        request,
        "students/roster.html",
        {"roster": roster, "headers": headers(), "back": back, "xlsx": xlsx, "page_words": page_words()},
    )


def _download(roster, name: str) -> HttpResponse:
    response = HttpResponse(roster_xlsx(roster), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@login_required
@require_GET
def class_roster_page(request, pk: int):
    school_class = _class(request, pk)
    roster = class_roster(request.user, school_class)
    return _page(
        request,
        roster,
        back=school_class.get_absolute_url(),
        xlsx=reverse("students:schoolclass_roster_xlsx", args=[pk]),
    )


@login_required
@require_GET
def class_roster_xlsx(request, pk: int):
    school_class = _class(request, pk)
    roster = class_roster(request.user, school_class)
    return _download(roster, f"{school_class.school.name}{roster.sections[0].title}花名册.xlsx")


@login_required
@require_GET
def school_roster_page(request, pk: int):
    school, year = _school_and_year(request, pk)
    roster = school_roster(request.user, school, year)
    return _page(
        request,
        roster,
        back=school.get_absolute_url(),
        xlsx=f"{reverse('students:school_roster_xlsx', args=[pk])}?year={year.start_year}",
    )


@login_required
@require_GET
def school_roster_xlsx(request, pk: int):
    school, year = _school_and_year(request, pk)
    return _download(school_roster(request.user, school, year), f"{school.name}{year}学年花名册.xlsx")
