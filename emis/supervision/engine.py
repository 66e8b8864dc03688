"""教育督导 on the inspection engine (emis.inspections): the checklists this app ships (幼儿园办园行为督导评估 on
the 2017 national framework's five areas, 城镇小区配套幼儿园治理, 义务教育质量监测 and 五项管理 self-checks), published
through ``template_publish``; and the summaries read from their campaigns, in SQL, within the user's scope: the
kindergartens' scores and notices, and the 五项管理 completion and pass per area (a leader's 挂点 townships first)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Avg, Count, Q
from django.utils import timezone

from emis.inspections.models import Answer, Purpose, Result, Target

from . import terms
from .models import LeaderPost

KG_ASSESSMENT = "kg_conduct_assessment"
KG_ESTATE = "kg_estate_rectification"
MONITORING = "quality_monitoring"
FIVE = "five_management"

KINDERGARTEN = ("kindergarten",)
COMPULSORY = ("primary", "junior", "nine_year", "twelve_year", "complete_secondary")


def _yes(code, text, weight=1, **extra):
    return {"code": code, "text": text, "kind": "yes_no", "weight": weight, **extra}


def _number(code, text, threshold, op=">=", weight=1, **extra):
    return {
        "code": code,
        "text": text,
        "kind": "number",
        "threshold": threshold,
        "threshold_op": op,
        "weight": weight,
        **extra,
    }


# 《幼儿园办园行为督导评估办法》(2017): five areas, weighted to 100; 80 合格, 60 基本合格.
KG_SECTIONS = [
    {
        "title": "办园条件",
        "items": [
            _number("kg_c1", "生均室内活动面积（平方米）", 2, weight=6),
            _yes("kg_c2", "户外活动场地满足需要，设施设备安全适宜", 6),
            _yes("kg_c3", "玩教具、图书配备符合《幼儿园玩教具配备目录》", 8),
        ],
    },
    {
        "title": "安全卫生",
        "items": [
            _yes("kg_s1", "建立安全责任制和安全管理制度，定期排查隐患", 7, severity="serious"),
            _yes("kg_s2", "门卫、视频监控、消防设施齐全有效", 6, severity="serious"),
            _yes("kg_s3", "食品安全管理规范，晨午检和卫生保健制度落实", 6),
            _yes("kg_s4", "一学年内未发生安全责任事故", 6, critical=True, severity="critical"),
        ],
    },
    {
        "title": "保育教育",
        "items": [
            _yes("kg_e1", "以游戏为基本活动，一日活动安排合理", 9),
            _yes("kg_e2", "无“小学化”倾向，不提前教授小学课程内容", 8, severity="serious"),
            _number("kg_e3", "最大班额（人）", 35, op="<=", weight=8),
        ],
    },
    {
        "title": "教职工队伍",
        "items": [
            _number("kg_t1", "保教人员持证上岗率（%）", 100, weight=8),
            _yes("kg_t2", "落实教职工培训和师德考核", 7),
        ],
    },
    {
        "title": "内部管理",
        "items": [
            _yes("kg_m1", "办园许可、收费项目和标准公示规范", 8),
            _yes("kg_m2", "家长委员会和家长开放日制度落实", 7),
        ],
    },
]

KG_ESTATE_SECTIONS = [
    {
        "title": "配套园治理",
        "items": [
            _yes("es_1", "小区配套园已按规划建设并移交教育部门", 1, severity="serious"),
            _yes("es_2", "配套园办成公办园或普惠性民办园", 1, severity="serious"),
            _yes("es_3", "收费执行普惠性收费标准", 1),
        ],
    }
]

MONITORING_SECTIONS = [
    {
        "title": "监测组织实施",
        "items": [
            _yes("qm_1", "成立监测工作组织，责任落实到人", 1),
            _number("qm_2", "样本学生到考率（%）", 95, weight=1),
            _yes("qm_3", "监测工具保密，交接登记完整", 1, critical=True, severity="critical"),
            _yes("qm_4", "按要求完成校长、教师问卷", 1),
        ],
    }
]

FIVE_AREAS = ("手机管理", "睡眠管理", "读物管理", "体质管理", "作业管理")
FIVE_SECTIONS = [
    {
        "title": "手机管理",
        "items": [
            _yes("fm_phone1", "学生手机有限带入校园，统一保管，禁止带入课堂"),
            _yes("fm_phone2", "设立公共电话等家校沟通渠道"),
        ],
    },
    {
        "title": "睡眠管理",
        "items": [
            _yes("fm_sleep1", "上午上课时间小学不早于8:20、中学不早于8:00"),
            _number("fm_sleep2", "学生睡眠时间达标率（%）", 90),
        ],
    },
    {
        "title": "读物管理",
        "items": [
            _yes("fm_read1", "建立课外读物进校园审核制度"),
            _yes("fm_read2", "校园图书馆藏排查清理到位"),
        ],
    },
    {
        "title": "体质管理",
        "items": [
            _yes("fm_fit1", "保证学生每天校内、校外各1小时体育活动"),
            _number("fm_fit2", "国家学生体质健康标准合格率（%）", 90),
        ],
    },
    {
        "title": "作业管理",
        "items": [
            _yes("fm_hw1", "一、二年级不布置书面家庭作业"),
            _number("fm_hw2", "书面作业平均完成时间（分钟；小学不超过60，初中不超过90）", 90, op="<="),
        ],
    },
]

TEMPLATES = {
    KG_ASSESSMENT: dict(
        name="幼儿园办园行为督导评估",
        purpose=Purpose.ASSESSMENT,
        applies_to=KINDERGARTEN,
        sections=KG_SECTIONS,
        pass_score=60,
        good_score=80,
    ),
    KG_ESTATE: dict(
        name="城镇小区配套幼儿园治理专项督查",
        purpose=Purpose.SPECIAL,
        applies_to=KINDERGARTEN,
        sections=KG_ESTATE_SECTIONS,
    ),
    MONITORING: dict(
        name="义务教育质量监测工作检查",
        purpose=Purpose.MONITORING,
        applies_to=COMPULSORY,
        sections=MONITORING_SECTIONS,
    ),
    FIVE: dict(
        name="中小学五项管理学校自查",
        purpose=Purpose.SELF_CHECK,
        applies_to=COMPULSORY,
        sections=FIVE_SECTIONS,
    ),
}


def publish_templates(*, acting_user) -> dict:
    """The app's checklists published (a new version only where the content changed): {code: TemplateVersion}."""
    from emis.inspections.services import template_publish

    return {
        code: template_publish(code=code, acting_user=acting_user, **definition)
        for code, definition in TEMPLATES.items()
    }


# Summaries -----------------------------------------------------------------------------------------------------------


def campaigns(user, code: str):
    from emis.inspections.selectors import campaigns_for

    return campaigns_for(user).filter(version__template__code=code).order_by("-starts_on")


def years(user, code: str) -> list[int]:
    return sorted({day.year for day in campaigns(user, code).values_list("starts_on", flat=True)}, reverse=True)


def _rate(part, whole):
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


def _targets(user, code: str, year: int):
    return Target.objects.for_user(user).filter(campaign__version__template__code=code, campaign__starts_on__year=year)


def campaign_summary(user, code: str, year: int) -> dict:
    """A year's campaigns of a checklist: targets, inspected and signed off, results, average score, and the notices
    (issued, closed by 验收, still open, overdue) – one aggregate query."""
    figures = _targets(user, code, year).aggregate(
        targets=Count("pk"),
        inspected=Count("inspection"),
        signed=Count("inspection", filter=Q(inspection__case__state="signed")),
        passed=Count("inspection", filter=Q(inspection__result=Result.PASS)),
        fair=Count("inspection", filter=Q(inspection__result=Result.FAIR)),
        failed=Count("inspection", filter=Q(inspection__result=Result.FAIL)),
        average=Avg("inspection__score"),
        notices=Count("inspection__notice"),
        closed=Count("inspection__notice", filter=Q(inspection__notice__case__state="accepted")),
        overdue=Count(
            "inspection__notice",
            filter=Q(inspection__notice__case__urgency="overdue", inspection__notice__case__closed_at__isnull=True),
        ),
    )
    figures["open"] = figures["notices"] - figures["closed"]
    if figures["average"] is not None:
        figures["average"] = Decimal(figures["average"]).quantize(Decimal("0.1"))
    figures["pass_rate"] = _rate(figures["passed"] + figures["fair"], figures["signed"])
    return figures


def campaign_rows(user, code: str, year: int, township=None):
    """The year's targets of a checklist with their inspection and notice (one query)."""
    rows = (
        _targets(user, code, year)
        .select_related(
            "school", "school__township", "campaign", "inspection", "inspection__notice", "inspection__notice__case"
        )
        .order_by("division_code", "name")
    )
    if township is not None:
        rows = rows.filter(division_code__startswith=township.code)
    return rows


def notice_state(target) -> str:
    inspection = getattr(target, "inspection", None)
    notice = inspection.notice if inspection is not None else None
    if notice is None:
        return ""
    from emis.rectification.workflows import RECTIFICATION

    return str(RECTIFICATION.state_label(notice.case.state))


# 五项管理 ------------------------------------------------------------------------------------------------------------


def leader_townships(user, day: dt.date | None = None):
    """The townships a 局领导 is 挂点包片 for on ``day`` (Division rows)."""
    day = day or timezone.localdate()
    posts = (
        LeaderPost.objects.filter(leader=user, start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .select_related("township")
        .order_by("township__code")
    )
    return [post.township for post in posts]


def _five_targets(user, year: int, term: str):
    start, end = terms.term_bounds(year, term)
    return Target.objects.for_user(user).filter(
        campaign__version__template__code=FIVE, campaign__starts_on__range=(start, end)
    )


def five_summary(user, year: int, term: str, townships=None) -> dict:
    """A term's 五项管理 self-checks within the user's scope (within ``townships`` when given): schools, done,
    passed as a whole, and per area the schools whose every item of it passed; plus each school's row. Three
    queries: the figures, the failed areas per inspection, the rows."""
    targets = _five_targets(user, year, term)
    if townships:
        condition = Q()
        for township in townships:
            condition |= Q(division_code__startswith=township.code)
        targets = targets.filter(condition)
    done_q = Q(inspection__case__state__in=("submitted", "signed"))
    figures = targets.aggregate(
        schools=Count("pk"),
        done=Count("inspection", filter=done_q),
    )
    failed = defaultdict(set)  # inspection id -> areas failed
    for inspection_id, area in (
        Answer.objects.filter(inspection__target__in=targets, passed=False)
        .filter(inspection__case__state__in=("submitted", "signed"))
        .values_list("inspection_id", "item__section__title")
        .distinct()
    ):
        failed[inspection_id].add(area)
    rows = []
    for target in targets.select_related("school", "school__township", "inspection", "inspection__case").order_by(
        "division_code", "name"
    ):
        inspection = getattr(target, "inspection", None)
        done = inspection is not None and inspection.case.state in ("submitted", "signed")
        areas = {area: (area not in failed[inspection.pk]) if done else None for area in FIVE_AREAS}
        rows.append(
            {
                "target": target,
                "township": target.school.township.name if target.school and target.school.township_id else "",
                "done": done,
                "inspection": inspection if done else None,
                "url": url_of(inspection) if done else "",
                "areas": [areas[a] for a in FIVE_AREAS],
            }
        )
    done_rows = [row for row in rows if row["done"]]
    figures["areas"] = [
        {
            "area": area,
            "passed": sum(1 for row in done_rows if row["areas"][i]),
            "rate": _rate(sum(1 for row in done_rows if row["areas"][i]), len(done_rows)),
        }
        for i, area in enumerate(FIVE_AREAS)
    ]
    figures["passed"] = sum(1 for row in done_rows if all(row["areas"]))
    figures["pass_rate"] = _rate(figures["passed"], len(done_rows))
    figures["completion"] = _rate(figures["done"], figures["schools"])
    figures["rows"] = rows
    figures["not_done"] = [row for row in rows if not row["done"]]
    return figures


def url_of(obj) -> str:
    """A row's page, or "" while its app has no page for it (the engine's pages come with its app)."""
    from django.urls import NoReverseMatch

    if obj is None:
        return ""
    try:
        return obj.get_absolute_url()
    except NoReverseMatch:
        return ""
