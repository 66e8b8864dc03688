"""Writes with rules beyond one row: school history events keep opened_on/closed_on in step; a county is set up
with its divisions and school years."""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from emis.common.schoolyear import school_year_label, school_year_start
from emis.core import access
from emis.core.audit import record_event
from emis.core.writes import Refused

from .choices import DIVISION_CODE_LENGTH, ENDING_EVENTS, DivisionLevel, SchoolEventKind
from .importing import outside_area_reason
from .models import Division, SchoolEvent, SchoolYear


@transaction.atomic
def school_event_apply(*, event: SchoolEvent) -> SchoolEvent:
    """Save a history event and update the school's opening or closing date from it."""
    event.save()
    school = event.school
    if event.kind == SchoolEventKind.OPENED and school.opened_on != event.date:
        school.opened_on = event.date
        school.save()
    elif event.kind in ENDING_EVENTS and school.closed_on != event.date:
        school.closed_on = event.date
        school.save()
    elif event.kind == SchoolEventKind.RENAMED and not event.old_name:
        event.old_name = school.name
        event.save()
    return event


# Setting up a county (ADR 0012) ----------------------------------------------------------------------------

# The 34 province-level divisions (GB/T 2260), for naming a county's province when none is given.
PROVINCES = {
    "11": "北京市",
    "12": "天津市",
    "13": "河北省",
    "14": "山西省",
    "15": "内蒙古自治区",
    "21": "辽宁省",
    "22": "吉林省",
    "23": "黑龙江省",
    "31": "上海市",
    "32": "江苏省",
    "33": "浙江省",
    "34": "安徽省",
    "35": "福建省",
    "36": "江西省",
    "37": "山东省",
    "41": "河南省",
    "42": "湖北省",
    "43": "湖南省",
    "44": "广东省",
    "45": "广西壮族自治区",
    "46": "海南省",
    "50": "重庆市",
    "51": "四川省",
    "52": "贵州省",
    "53": "云南省",
    "54": "西藏自治区",
    "61": "陕西省",
    "62": "甘肃省",
    "63": "青海省",
    "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区",
    "71": "台湾省",
    "81": "香港特别行政区",
    "82": "澳门特别行政区",
}
FIRST_YEAR, LAST_YEAR = 1990, 2100


@dataclass
class CountySetup:
    """What ``county_setup`` did: one line per row created or changed, and warnings (a city named by its code)."""

    code: str
    done: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.done)


def _setup_problems(code: str, name: str, years, current) -> list[str]:
    problems = []
    if not (code.isdigit() and len(code) == DIVISION_CODE_LENGTH[DivisionLevel.COUNTY]):
        problems.append(_("县级区划代码应为6位数字（如 421224），“{code}”不是。").format(code=code))
    elif code.endswith("00") or code[2:4] == "00":
        problems.append(
            _("“{code}”不是县级区划代码：末两位为 00 的是市级代码（GB/T 2260），请填县、区、县级市的6位代码。").format(
                code=code
            )
        )
    elif code[:2] not in PROVINCES:
        problems.append(_("“{code}”的前两位 {province} 不是省级区划代码。").format(code=code, province=code[:2]))
    elif not access.in_deployment_area(code):
        problems.append(outside_area_reason(code))
    if not name.strip():
        problems.append(_("请填写县区名称。"))
    bad = [year for year in years if not FIRST_YEAR <= year <= LAST_YEAR]
    if bad:
        problems.append(
            _("学年起始年份应在 {first}–{last} 之间：{years}。").format(
                first=FIRST_YEAR, last=LAST_YEAR, years="、".join(map(str, bad))
            )
        )
    if current is not None and current not in years and not SchoolYear.objects.filter(start_year=current).exists():
        problems.append(_("当前学年 {year} 既不在所列学年中，也尚未建立。").format(year=current))
    return problems


def _division(code: str, name: str, level: str, parent: Division | None, result: CountySetup, *, rename: bool):
    """The division ``code``: created when missing; renamed only when its stored name is its code (a city set up
    before its name was known) and a name is given."""
    division = Division.objects.filter(code=code).first()
    if division is None:
        division = Division.objects.create(code=code, name=name, level=level, parent=parent)
        result.done.append(
            _("建立{level}级区划 {code} {name}").format(level=division.get_level_display(), code=code, name=name)
        )
        return division
    if division.level != level:
        raise Refused(
            _("区划代码 {code} 已作为{found}级区划“{name}”存在，不能再作{level}级。").format(
                code=code, found=division.get_level_display(), name=division.name, level=DivisionLevel(level).label
            )
        )
    if rename and name and division.name == code and name != code:
        division.name = name
        division.save()
        result.done.append(_("区划 {code} 改名为 {name}").format(code=code, name=name))
    return division


@transaction.atomic
def county_setup(
    *,
    code: str,
    name: str,
    years,
    current: int | None = None,
    city_name: str = "",
    province_name: str = "",
    acting_user=None,
) -> CountySetup:
    """Set up a county: its province > city > county Division chain and the school years given.

    Idempotent: what exists is kept (a second run changes nothing and says so; ``CountySetup.changed``). School
    years are national and shared by every county: missing ones are created with the census date 1 September;
    ``current`` makes that year the current one, and without it a year is made current only when none is (the
    latest one given that has begun). Refused (``emis.core.writes.Refused``, in Chinese) for a malformed code, a
    code outside the deployment's area (EMIS_AREA_CODE), a county stored under another name, or a user who is not
    a system administrator."""
    code, name = (code or "").strip(), (name or "").strip()
    years = sorted(set(years))
    if acting_user is not None and not access.sees_everything(acting_user):
        raise Refused(_("只有系统管理员可以设立县区。"))
    problems = _setup_problems(code, name, years, current)
    if problems:
        raise Refused(*problems)
    result = CountySetup(code)
    existing = Division.objects.filter(code=code).first()
    if existing is not None and existing.level == DivisionLevel.COUNTY and existing.name != name:
        raise Refused(
            _("县区 {code} 已设立为“{stored}”，不是“{name}”：改名请在“行政区划”中编辑该区划。").format(
                code=code, stored=existing.name, name=name
            )
        )
    province_code, city_code = code[:2], code[:4]
    province = _division(
        province_code,
        province_name.strip() or PROVINCES[province_code],
        DivisionLevel.PROVINCE,
        None,
        result,
        rename=bool(province_name.strip()),
    )
    city_label = city_name.strip()
    if not city_label and not Division.objects.filter(code=city_code).exists():
        result.warnings.append(
            _("未给出市级区划 {code} 的名称，暂以代码为名：请用 --city-name 再次运行，或在“行政区划”中编辑。").format(
                code=city_code
            )
        )
    city = _division(city_code, city_label or city_code, DivisionLevel.CITY, province, result, rename=bool(city_label))
    _division(code, name, DivisionLevel.COUNTY, city, result, rename=False)

    stored = set(SchoolYear.objects.filter(start_year__in=years).values_list("start_year", flat=True))
    for year in years:
        if year not in stored:
            SchoolYear.objects.create(start_year=year, census_date=school_year_start(year))
            result.done.append(
                _("建立学年 {label}（统计时点 {year}-09-01）").format(label=school_year_label(year), year=year)
            )
    now = SchoolYear.objects.filter(is_current=True).first()
    if current is None and now is None and years:
        started = [year for year in years if school_year_start(year) <= timezone.localdate()]
        current = max(started or years)
    if current is not None and (now is None or now.start_year != current):
        for year in SchoolYear.objects.filter(is_current=True):
            year.is_current = False
            year.save()
        year = SchoolYear.objects.get(start_year=current)
        year.is_current = True
        year.save()
        result.done.append(_("当前学年设为 {label}").format(label=school_year_label(current)))
    if result.changed:
        record_event("orgs.county_setup", data={"county": code, "name": name, "done": result.done}, division_code=code)
    return result
