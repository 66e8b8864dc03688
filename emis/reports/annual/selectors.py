"""Data selection for the annual report: which area the user's scope covers, which years may be compared, and the
evaluations (this year's by township, or by county for a city or a province; the 初中 schools by category; the
baseline's totals) a draft is built from.
Every figure is computed within the user's scope (emis.indicators.engine.evaluate starts from for_user)."""

from __future__ import annotations

from django.utils import translation

from emis.core.access import covers, scope_of, sees_everything
from emis.indicators.engine import evaluate
from emis.orgs.area import WHOLE_AREA
from emis.orgs.models import Division, School, SchoolYear

from .blocks import AnnualDraft, Area
from .draft import build_draft
from .wording import REPORT_LANGUAGE

BASELINE_GAP = 5  # the default baseline: five years earlier (the previous plan's base year)


def _whole(name: str) -> str:
    if name.endswith("镇"):
        return "全镇"
    if name.endswith("乡"):
        return "全乡"
    return "辖区"


def area_division(user) -> Division | None:
    """The county, city or province whose bureau's report this user works with: the deployment's area for
    administrators, else the one division of the user's scope when it is a county, a city or a province the scope
    covers whole (局领导 and 股室人员 of a county, a 市 or 省 department); None for township and school users."""
    school_ids, codes = scope_of(user)
    if sees_everything(user):
        code = codes[0] if codes else ""
    elif len(codes) == 1 and not school_ids:
        code = codes[0]
    else:
        return None
    division = Division.objects.filter(code=code, level__in=list(WHOLE_AREA)).first() if code else None
    if division is None or not covers(user, division=division.code):
        return None
    return division


def scope_area(user) -> Area:
    """The area the user's scope covers: the deployment's area (a county, a city or a province) for administrators,
    the county, city or province of a user whose scope covers one whole, else their township(s) or school(s)."""
    division = area_division(user)
    if division is not None:
        return Area(division.name, division.level, f"{division.name}教育局", WHOLE_AREA[division.level], division)
    school_ids, codes = scope_of(user)
    divisions = list(Division.objects.filter(code__in=codes).order_by("code"))
    if divisions and not school_ids:
        name = "、".join(d.name for d in divisions)
        whole = _whole(divisions[0].name) if len(divisions) == 1 else "辖区"
        return Area(name, "township", name, whole, divisions[0] if len(divisions) == 1 else None)
    schools = list(
        School.objects.filter(id__in=school_ids, parent__isnull=True).order_by("code").values_list("name", flat=True)
    )
    if not schools:
        schools = list(School.objects.filter(id__in=school_ids).order_by("code").values_list("name", flat=True))
    if not schools:
        return Area("（无管辖范围）", "schools", "", "辖区")
    name = "、".join(schools[:3]) + (f"等{len(schools)}所学校" if len(schools) > 3 else "")
    return Area(name, "schools", name, "本校" if len(schools) == 1 else "所辖学校")


def default_baseline(user, year: int) -> int | None:
    """Five years earlier when that school year exists (the plan's base year: 2015 for 2020)."""
    wanted = year - BASELINE_GAP
    return wanted if SchoolYear.objects.for_user(user).filter(start_year=wanted).exists() else None


def annual_draft(user, year: int, *, baseline: int | None = None) -> AnnualDraft:
    """The draft for `year` in the user's scope, compared with `baseline` (None: no comparison). Raises
    SchoolYear.DoesNotExist for a year that is not there."""
    area = scope_area(user)
    with translation.override(REPORT_LANGUAGE):
        now = evaluate(user, year, by=(area.part,))
        kinds = evaluate(user, year, codes=["junior_school_count"], by=("category",))
        junior_kinds = {
            item.dimensions["category"]: item.value for item in kinds.rows("junior_school_count", "category")
        }
        then = evaluate(user, baseline) if baseline else None
        return build_draft(now, then, area=area, junior_kinds=junior_kinds)


def school_years(user):
    """The school years the user may report on, newest first."""
    return SchoolYear.objects.for_user(user).order_by("-start_year")


def is_baseline(user, year: int, baseline: int) -> bool:
    """May `baseline` be compared with `year`: an earlier school year that exists?"""
    return baseline < year and school_years(user).filter(start_year=baseline).exists()
