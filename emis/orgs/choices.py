from django.db import models
from django.utils.translation import gettext_lazy as _


class DivisionLevel(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    COUNTY = "county", _("县")
    TOWNSHIP = "township", _("乡镇")
    VILLAGE = "village", _("村/社区")


# Code length of each level in the hierarchical division code (统计用区划代码 without the zero padding).
DIVISION_CODE_LENGTH = {
    DivisionLevel.PROVINCE: 2,
    DivisionLevel.CITY: 4,
    DivisionLevel.COUNTY: 6,
    DivisionLevel.TOWNSHIP: 9,
    DivisionLevel.VILLAGE: 12,
}


def unpadded_division_code(code: str, level: str) -> str:
    """The stored form (ADR 0003) of a code given padded: GB/T 2260's six digits for a province or city (420000,
    421200) or the 12-digit 统计用区划代码 (421224100000) lose the zeros after the level's digits. Anything else
    is returned as given, for the length check to name."""
    length = DIVISION_CODE_LENGTH.get(level)
    if length and code.isdigit() and len(code) in (6, 12) and len(code) > length and set(code[length:]) == {"0"}:
        return code[:length]
    return code


class SchoolCategory(models.TextChoices):
    KINDERGARTEN = "kindergarten", _("幼儿园")
    PRIMARY = "primary", _("小学")
    TEACHING_POINT = "teaching_point", _("教学点")
    JUNIOR = "junior", _("初级中学")
    NINE_YEAR = "nine_year", _("九年一贯制学校")
    TWELVE_YEAR = "twelve_year", _("十二年一贯制学校")
    COMPLETE_SECONDARY = "complete_secondary", _("完全中学")
    SENIOR = "senior", _("高级中学")
    VOCATIONAL = "vocational", _("中等职业学校")
    SPECIAL = "special", _("特殊教育学校")


# Categories by the levels they teach; a teaching point is not counted as a school (不计校数).
PRIMARY_SCHOOL_CATEGORIES = (SchoolCategory.PRIMARY,)
JUNIOR_SCHOOL_CATEGORIES = (
    SchoolCategory.JUNIOR,
    SchoolCategory.NINE_YEAR,
    SchoolCategory.TWELVE_YEAR,
    SchoolCategory.COMPLETE_SECONDARY,
)
SENIOR_SCHOOL_CATEGORIES = (SchoolCategory.SENIOR, SchoolCategory.COMPLETE_SECONDARY, SchoolCategory.TWELVE_YEAR)
# Every category teaching a level, for lists "schools offering 小学 / 初中 / 高中" (teaching points included here:
# they teach pupils, even though they are not counted as schools).
CATEGORIES_OFFERING = {
    "preschool": (SchoolCategory.KINDERGARTEN,),
    "primary": (
        SchoolCategory.PRIMARY,
        SchoolCategory.TEACHING_POINT,
        SchoolCategory.NINE_YEAR,
        SchoolCategory.TWELVE_YEAR,
    ),
    "junior": JUNIOR_SCHOOL_CATEGORIES,
    "senior": SENIOR_SCHOOL_CATEGORIES,
    "vocational": (SchoolCategory.VOCATIONAL,),
}
OFFERED_LEVEL_CHOICES = (
    ("preschool", _("学前教育")),
    ("primary", _("小学")),
    ("junior", _("初中")),
    ("senior", _("普通高中")),
    ("vocational", _("中等职业教育")),
)


class Ownership(models.TextChoices):
    PUBLIC = "public", _("公办")
    PRIVATE = "private", _("民办")


class UrbanRural(models.TextChoices):
    URBAN = "urban", _("城区")
    TOWN = "town", _("镇区")
    RURAL = "rural", _("乡村")


class SchoolEventKind(models.TextChoices):
    OPENED = "opened", _("设立")
    RENAMED = "renamed", _("更名")
    MERGED = "merged", _("撤并入他校")
    UPGRADED = "upgraded", _("教学点升格为小学")
    CLOSED = "closed", _("撤销")


# Events after which the school no longer exists under this record.
ENDING_EVENTS = (SchoolEventKind.MERGED, SchoolEventKind.UPGRADED, SchoolEventKind.CLOSED)
