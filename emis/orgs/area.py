"""The deployment's area and the counties set up inside it.

One installation serves the counties of one area: a county, a city or a province (``EMIS_AREA_CODE``; empty means
the narrowest division holding every county set up, emis.core.access.deployment_area_code). Counties are data:
a county-level Division row, set up with its school years by ``emis setup-county`` or the administrator's page.
What a user works with is the part of the area their scope covers (emis.core.access.covers).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _

from emis.core import access

from .choices import DIVISION_CODE_LENGTH, DivisionLevel
from .models import Division

COUNTY_LENGTH = DIVISION_CODE_LENGTH[DivisionLevel.COUNTY]
# How an area of each level calls itself in reports and table headings (全县 / 全市 / 全省).
WHOLE_AREA = {
    DivisionLevel.COUNTY: "全县",
    DivisionLevel.CITY: "全市",
    DivisionLevel.PROVINCE: "全省",
}


@dataclass(frozen=True)
class Area:
    """A division a user's work covers: its code, name and level (county, city, province, township)."""

    code: str
    name: str
    level: str

    @property
    def whole(self) -> str:
        """全县 / 全市 / 全省 (the whole of a township is its name)."""
        return WHOLE_AREA.get(self.level, self.name)

    @property
    def is_above_county(self) -> bool:
        return len(self.code) < COUNTY_LENGTH


def area_of(code: str) -> Area:
    """The Area of a division code; a code with no Division row is named by its code."""
    division = Division.objects.filter(code=code).only("code", "name", "level").first()
    if division is not None:
        return Area(division.code, division.name, division.level)
    level = next((lvl for lvl, n in DIVISION_CODE_LENGTH.items() if n == len(code)), "")
    return Area(code, code or _("全部地区"), level)


def deployment_area() -> Area:
    return area_of(access.deployment_area_code())


def county_of(code: str) -> str:
    """The county code a township, village or county code belongs to ("" above county level)."""
    return code[:COUNTY_LENGTH] if len(code) >= COUNTY_LENGTH else ""


def counties(user=None):
    """The counties set up inside the deployment's area, by code; given a user, those their scope touches (a county
    it covers whole, or the county of one of its townships or schools)."""
    queryset = Division.objects.filter(level=DivisionLevel.COUNTY, code__startswith=settings.EMIS_AREA_CODE)
    if user is None or access.sees_everything(user):
        return queryset.order_by("code")
    schools, codes = access.scope_of(user)
    touched = {county_of(code) for code in codes}
    touched |= {county_of(code) for code in Division.objects.filter(schools__in=schools).values_list("code", flat=True)}
    covered = access.covering(user, division_paths=("code",))
    return queryset.filter(Q(code__in=touched - {""}) | covered).order_by("code")
