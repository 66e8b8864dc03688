"""Where an import row's division codes may point: the one checker every importer asks (ADR 0012).

A code in a row (a school's township, a person's 户籍 township or village) is accepted when, in this order,

1. it lies inside the deployment's area (``EMIS_AREA_CODE``; no bound when empty),
2. its county is set up here (a county Division row: ``emis setup-county`` or the 设立县区 page),
3. it is a known division of that level in that county, and
4. the importing user's scope covers it (for the codes the user writes under; a pupil's 户籍 township is an
   attribute and may lie anywhere in the area).

The first that fails is the row's reason, in Chinese, under the row's column. Townships and villages are loaded
per county, the first time a row names that county, so an import covers every county of the area it touches.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from emis.core import access

from .area import area_of, counties, county_of
from .choices import DIVISION_CODE_LENGTH, DivisionLevel
from .models import Division

# How many codes' answers one import remembers (Places.reason).
MAX_REMEMBERED = 100_000
LEVEL_NAMES = {DivisionLevel.TOWNSHIP: "乡镇", DivisionLevel.VILLAGE: "村/社区", DivisionLevel.COUNTY: "县"}


def setup_hint(county: str) -> str:
    """How a county is set up: the command and the page (shown wherever something needs a county that is not)."""
    return _(
        "请系统管理员运行 emis setup-county {code} --name 县名 --years 2015-2021，"
        "或在“区划与学校 → 行政区划 → 设立县区”页面设立。"
    ).format(code=county or "县级区划代码")


def school_year_hint(year) -> str:
    """The reason an import names a school year that does not exist, with the command and the page creating it."""
    return _(
        "学年 {year} 不存在。学年由系统管理员建立：运行 emis setup-county 县级区划代码 --name 县名 --years {year}"
        "（已设立的县再次运行只补建学年），或在“区划与学校 → 行政区划 → 设立县区”页面填写学年。"
    ).format(year=year or "—")


def outside_area_reason(code: str) -> str:
    area = area_of(settings.EMIS_AREA_CODE)
    return _("区划代码 {code} 不在本系统服务地区（{name} {area}）内。").format(
        code=code, name=area.name, area=area.code
    )


def in_area_or_above(code: str) -> bool:
    """May a division row of ``code`` be stored here: inside the deployment's area, or one of the area's parents
    (a county deployment still holds its province and city rows)?"""
    return access.in_deployment_area(code) or settings.EMIS_AREA_CODE.startswith(code)


class Places:
    """The division codes an import may use, for one import (built in ``begin``)."""

    def __init__(self, user):
        self.user = user
        self.counties = dict(
            Division.objects.filter(level=DivisionLevel.COUNTY, code__startswith=settings.EMIS_AREA_CODE).values_list(
                "code", "name"
            )
        )
        self.townships: dict[str, int] = {}  # code -> pk, of the counties loaded
        self.villages: dict[str, tuple[int, int]] = {}  # code -> (pk, township pk)
        self._loaded: set[str] = set()
        # Each code's answer, worked out once per import: a file names the same few townships on every row.
        self._reasons: dict[tuple, str | None] = {}

    def _load(self, county: str) -> None:
        if county in self._loaded:
            return
        self._loaded.add(county)
        for pk, code, level, parent_id in Division.objects.filter(
            code__startswith=county, level__in=(DivisionLevel.TOWNSHIP, DivisionLevel.VILLAGE)
        ).values_list("pk", "code", "level", "parent_id"):
            if level == DivisionLevel.TOWNSHIP:
                self.townships[code] = pk
            else:
                self.villages[code] = (pk, parent_id)

    def reason(self, code: str, level: str, *, scope: bool = True) -> str | None:
        """Why ``code`` may not be used as a division of ``level`` in a row (None: it may)."""
        key = (code, level, scope)
        try:
            return self._reasons[key]
        except KeyError:
            pass
        problem = self._reason(code, level, scope=scope)
        if len(self._reasons) < MAX_REMEMBERED:  # a file of a million different bad codes stays bounded
            self._reasons[key] = problem
        return problem

    def _reason(self, code: str, level: str, *, scope: bool) -> str | None:
        name = LEVEL_NAMES[level]
        length = DIVISION_CODE_LENGTH[level]
        if not code.isdigit() or len(code) != length:
            return _("{level}代码 {code} 应为{n}位数字。").format(level=name, code=code, n=length)
        if not access.in_deployment_area(code):
            return outside_area_reason(code)
        county = county_of(code)
        if county not in self.counties:
            return _("区划代码 {code} 所属的县区 {county} 尚未在本系统设立。").format(
                code=code, county=county
            ) + setup_hint(county)
        if level != DivisionLevel.COUNTY:
            self._load(county)
            known = self.townships if level == DivisionLevel.TOWNSHIP else self.villages
            if code not in known:
                message = _("{level}代码 {code} 不存在：{county}（{county_code}）没有这个{level}，请先导入行政区划。")
                return message.format(level=name, code=code, county=self.counties[county], county_code=county)
        if scope and not access.covers(self.user, division=code):
            return _("该{level}不在您的管辖范围内。").format(level=name)
        return None

    def check(self, row, column: str, code: str, level: str = DivisionLevel.TOWNSHIP, *, scope: bool = True) -> bool:
        """Refuse the row under ``column`` when ``code`` may not be used; True when it may."""
        problem = self.reason(code, level, scope=scope)
        if problem:
            row.error(column, problem, code)
        return problem is None


def county_for(user) -> str:
    """The county a record that names no place of its own is filed under, for ``user``: the county of the narrowest
    division holding the user's scope when that is a county or narrower; otherwise the one county set up that the
    scope touches, if there is exactly one; otherwise "" (the record must name its place)."""
    _school, code = access.narrowest_area(user)
    if len(code) >= DIVISION_CODE_LENGTH[DivisionLevel.COUNTY]:
        return county_of(code)
    touched = list(counties(user).values_list("code", flat=True)[:2])
    return touched[0] if len(touched) == 1 else ""
