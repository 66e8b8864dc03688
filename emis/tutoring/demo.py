"""The demo county's 校外培训机构 and 民办学校 (emis load_demo, through provides["demo.load"]).

For 通山县: 48 institutions (12 学科类, every one 营转非 and re-registered in the autumn of 2021; 36 非学科类 under the
education, sports, culture and science departments), most in the county seat, two 停业整顿 and two 注销; their
teachers and fee plans (all within the 预收费 rule); five complaints (three 办结, one 核查中, one overdue); joint
checks with 市场监管, 消防, 应急 and 公安; the 2021 年检 campaign over the institutions then in business
where exactly five fail (不合格) and are rectified (their cases closed 复查合格); and the 2021 民办学校年检 over
twelve private schools (their findings into emis.rectification notices by the inspection engine). The figures quoted in
docs/domains/tutoring.md are counted from these rows by emis.tutoring.selectors. Deterministic; nothing is added when
the county's institutions are there."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from .apps import DOMAIN

# (township code, how many institutions): the county seat has most.
PLACES = (
    ("421224100", 26),
    ("421224570", 6),
    ("421224101", 4),
    ("421224102", 2),
    ("421224103", 2),
    ("421224105", 2),
    ("421224106", 2),
    ("421224107", 2),
    ("421224200", 2),
)
ACADEMIC = (
    ("学而思", "语文、数学、英语"),
    ("启航", "数学、物理"),
    ("博学", "语文、英语"),
    ("优学", "数学、化学"),
    ("明德", "语文、数学"),
    ("致远", "英语"),
    ("求实", "数学、物理、化学"),
    ("育英", "语文、数学、英语"),
    ("新思维", "数学"),
    ("书香", "语文"),
    ("智慧树", "英语、数学"),
    ("状元", "语文、数学、英语"),
)
NON_ACADEMIC = (
    ("童画", "美术", "culture"),
    ("七彩", "美术、书法", "culture"),
    ("墨香", "书法", "culture"),
    ("小天鹅", "舞蹈", "culture"),
    ("金色童年", "舞蹈、声乐", "culture"),
    ("音悦", "钢琴、声乐", "culture"),
    ("琴韵", "古筝、钢琴", "culture"),
    ("小主持人", "播音主持", "culture"),
    ("快乐童声", "声乐", "culture"),
    ("翰墨", "书法、国画", "culture"),
    ("星光", "表演", "culture"),
    ("妙笔", "美术", "culture"),
    ("飞跃", "跆拳道", "sports"),
    ("冠军", "篮球", "sports"),
    ("绿茵", "足球", "sports"),
    ("银河", "游泳", "sports"),
    ("精武", "武术", "sports"),
    ("旋风", "乒乓球", "sports"),
    ("羽翼", "羽毛球", "sports"),
    ("阳光", "体适能", "sports"),
    ("棋道", "围棋、象棋", "sports"),
    ("乐高", "机器人", "science"),
    ("创客", "编程、机器人", "science"),
    ("科学家", "科学实验", "science"),
    ("未来星", "编程", "science"),
    ("航模", "航模", "science"),
    ("启智", "思维训练", "education"),
    ("小书虫", "阅读", "education"),
    ("口才", "演讲与口才", "education"),
    ("博艺", "美术、舞蹈", "culture"),
    ("梦想", "街舞", "culture"),
    ("竹韵", "笛子、二胡", "culture"),
    ("陶艺坊", "陶艺", "culture"),
    ("蓝天", "轮滑", "sports"),
    ("燕子", "跳绳、田径", "sports"),
    ("星空", "天文科普", "science"),
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐"
GIVEN = ("丽", "芳", "伟", "敏", "静", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "霞", "平", "刚")
STREETS = ("通羊大道", "新城大道", "九宫大道", "湄港路", "太平路", "府前路", "凤池路", "沿河路")
BANKS = ("湖北通山农村商业银行", "中国农业银行通山支行", "中国建设银行通山支行")

# Institutions (by index in the order built) that are 停业整顿 and 注销.
SUSPENDED = (20, 41)
# An institution in business whose licence lapsed in 2026 (the summary's 许可证已过期).
EXPIRED = 7
CLOSED = (33, 46)
CAMPAIGN_NAME = "2021年度校外培训机构年检"  # annual.CAMPAIGN_NAME


def section_domains() -> list[str]:
    """The demo 股室 account keeps the registry and handles complaints and rectifications (the inspection engine's
    demo gives it the inspections domain, which the 年检 campaigns need)."""
    return [DOMAIN]


def _person(i: int) -> str:
    return (
        SURNAMES[i % len(SURNAMES)] + GIVEN[(i * 7) % len(GIVEN)] + ("" if i % 3 else GIVEN[(i * 5 + 1) % len(GIVEN)])
    )


def _institutions(county):
    from emis.orgs.models import Division

    from .models import Institution

    townships = {d.code: d for d in Division.objects.filter(code__in=[code for code, _n in PLACES])}
    places = [code for code, n in PLACES if code in townships for _ in range(n)]
    rows = []
    academic = list(ACADEMIC)
    non_academic = list(NON_ACADEMIC)
    for index, code in enumerate(places):
        township = townships[code]
        is_academic = index % 4 == 0 and academic
        if is_academic:
            short, subjects = academic.pop(0)
            supervisor, kind, legal_form = "education", "academic", "nonprofit"
        else:
            short, subjects, supervisor = non_academic.pop(0)
            kind = "non_academic"
            legal_form = "nonprofit" if index % 3 == 0 else "profit"
        # The licence in force: renewed (or re-issued on 重新登记) in 2022–2024 for five years; one lapsed this year.
        issued = dt.date(2021, 6, 1) if index == EXPIRED else dt.date(2022 + index % 3, 1 + index % 12, 1 + index % 27)
        status = "suspended" if index in SUSPENDED else "closed" if index in CLOSED else "active"
        street = STREETS[index % len(STREETS)]
        place = "通山县" if code in ("421224100", "421224570") else f"通山县{township.name}"
        institution = Institution(
            name=f"通山县{short}培训学校"
            if kind == "academic"
            else f"通山县{short}艺体培训中心"
            if supervisor in ("culture", "sports")
            else f"通山县{short}培训中心",
            credit_code=f"52421224MJ{index:07d}X"[:18] if legal_form == "nonprofit" else f"91421224MA{index:07d}Y"[:18],
            licence_number=f"教民14212247{index:05d}号" if supervisor == "education" else f"通{index:03d}号",
            licence_issued=issued,
            licence_expires=dt.date(issued.year + 5, issued.month, issued.day),
            legal_form=legal_form,
            kind=kind,
            subjects=subjects,
            supervisor=supervisor,
            converted_on=dt.date(2021, 10, 8 + index % 20) if kind == "academic" else None,
            reregistered_on=dt.date(2021, 11, 1 + index % 25) if kind == "academic" else None,
            address=f"{place}{street}{10 + index * 3}号"
            if code in ("421224100", "421224570")
            else f"{place}集镇{street[:2]}街{index}号",
            township=township,
            premises_area=Decimal(120 + (index * 37) % 480),
            fire_approved=index not in (20, 41),
            principal=_person(index),
            phone=f"0715-23{index:05d}"[:14],
            guided_price=kind == "academic",
            fund_supervision="bank" if kind == "academic" else ("bond" if index % 2 else "bank"),
            custodian_bank=BANKS[index % len(BANKS)],
            standard_contract=index % 9 != 5,
            status=status,
            status_since=dt.date(2022, 3, 1) if status != "active" else None,
            list_mark="black" if index in CLOSED else ("white" if status == "active" and index % 5 == 0 else ""),
        )
        rows.append(institution)
    return rows


def _teachers_and_fees(institution, index: int, desk) -> tuple[int, int]:
    from .models import FeePlan, Teacher
    from .services import fee_plan_save, teacher_save

    teachers = 0
    for number in range(2 + index % 4):
        person = index * 10 + number
        teacher_save(
            teacher=Teacher(
                institution=institution,
                name=_person(person + 3),
                subject=institution.subjects.split("、")[number % len(institution.subjects.split("、"))],
                certificate=f"2018421{person:09d}" if institution.kind == "academic" or number % 2 == 0 else "",
                other_qualification="" if institution.kind == "academic" else "专业等级证书",
                hired_on=dt.date(2019 + number % 3, 3 + number, 1),
            ),
            acting_user=desk,
        )
        teachers += 1
    fees = 0
    for number, subject in enumerate(institution.subjects.split("、")[:2]):
        price = Decimal(35 if institution.kind == "academic" else 60 + (index % 5) * 10)
        fee_plan_save(
            plan=FeePlan(
                institution=institution,
                course=f"{subject}（{'小学' if number == 0 else '初中'}）"
                if institution.kind == "academic"
                else subject,
                price_per_hour=price,
                prepaid_hours=40 + (index % 3) * 10,
                prepaid_months=Decimal("3") if index % 2 else Decimal("2.5"),
                effective_from=dt.date(2021, 12, 1),
            ),
            acting_user=desk,
        )
        fees += 1
    return teachers, fees


COMPLAINTS = (
    # (institution index, received, channel, content, steps: "check", "conclude")
    (0, dt.date(2021, 9, 6), "12345", "暑假期间仍在组织学科类集中培训。", ("check", "conclude")),
    (4, dt.date(2021, 12, 13), "phone", "一次性收取一学期学费，超过三个月。", ("check", "conclude")),
    (12, dt.date(2022, 5, 9), "letter", "退费困难，机构拖延不退。", ("conclude",)),
    (8, None, "online", "周末晚上九点后仍在上课。", ("check",)),
    (16, None, "12345", "培训场所无消防通道，存在安全隐患。", ()),
)
RESULTS = {
    0: "经核查属实，责令立即停止学科类培训，约谈负责人，机构已整改。",
    4: "经核查，机构已按规定退还超收费用并改为按三个月收费。",
    12: "经调解，机构已退还剩余课时费用，投诉人满意。",
}


def _complaints(institutions, desk, township_user, today) -> int:
    from emis.demo.loader import TOWNSHIP_ACCOUNT_DIVISION

    from .services import complaint_receive, complaint_step

    count = 0
    for index, received, channel, content, steps in COMPLAINTS:
        institution = institutions[index]
        if received is None:
            # This year's: one within its 15 working days, one received long ago and overdue.
            received = today - dt.timedelta(days=6) if steps else today - dt.timedelta(days=45)
        actor = township_user if institution.township.code == TOWNSHIP_ACCOUNT_DIVISION and township_user else desk
        complaint = complaint_receive(
            institution=institution,
            received_on=received,
            channel=channel,
            complainant=_person(index + 40)[0] + "女士" if index % 2 else _person(index + 40)[0] + "先生",
            phone=f"139{index:08d}",
            content=content,
            acting_user=actor,
            today=received,
        )
        for offset, step in enumerate(steps, start=1):
            complaint_step(
                complaint=complaint,
                transition=step,
                acting_user=actor,
                result=RESULTS.get(index, ""),
                today=received + dt.timedelta(days=3 * offset),
            )
        count += 1
    return count


JOINT_CHECKS = (
    (
        dt.date(2021, 8, 20),
        ("market", "fire"),
        "暑期校外培训专项治理",
        (0, 4, 8, 12),
        "1家机构消防通道堆放杂物；1家未公示收费标准。",
        "当场责令整改，已复查。",
    ),
    (
        dt.date(2021, 11, 10),
        ("market", "fire", "emergency"),
        CAMPAIGN_NAME,
        (1, 5, 9, 13, 17),
        "2家机构预收费超过3个月。",
        "纳入年检整改，限期退还超收费用。",
    ),
    (dt.date(2022, 1, 12), ("police", "fire"), "寒假校外培训安全检查", (2, 6, 10), "未发现问题。", ""),
    (
        dt.date(2022, 7, 18),
        ("market", "culture", "sports"),
        "暑期非学科类培训检查",
        (14, 18, 22, 26),
        "1家机构合同未使用示范文本。",
        "约谈负责人，已改用示范文本。",
    ),
)


def _joint_checks(county, institutions, desk) -> int:
    from .models import JointCheck
    from .services import joint_check_save

    campaigns = {}
    try:
        from emis.inspections.models import Campaign

        campaigns = {c.name: c for c in Campaign.objects.filter(county_code=county.code, name=CAMPAIGN_NAME)}
    except ImportError:
        pass
    count = 0
    for day, partners, campaign, indexes, findings, measures in JOINT_CHECKS:
        chosen = [institutions[i] for i in indexes if i < len(institutions)]
        check = joint_check_save(
            check=JointCheck(
                checked_on=day,
                township=chosen[0].township,
                partners=list(partners),
                campaign=campaign,
                inspection_campaign=campaigns.get(campaign),
                findings=findings,
                measures=measures,
            ),
            acting_user=desk,
        )
        check.institutions.set([i for i in chosen if i.township_id == check.township_id])
        count += 1
    return count


def load(county, log) -> dict[str, int]:
    """Contribute 通山县's institutions (once: nothing is added when they are there)."""
    from django.db import transaction
    from django.utils import timezone

    from emis.accounts.models import User
    from emis.demo.loader import TONGSHAN
    from emis.work.calendar import CalendarUnknown
    from emis.work.deadlines import sweep

    from .models import Institution
    from .services import institution_save

    if county.key != TONGSHAN.key:
        return {}
    if Institution.objects.filter(township__code__startswith=county.code).exists():
        return {}
    today = timezone.localdate()
    desk = User.objects.filter(username="section").first()
    township_user = User.objects.filter(username="township").first()
    counts = {"tutoring institutions": 0, "tutoring teachers": 0, "tutoring fee plans": 0}
    institutions = []
    with transaction.atomic():
        for index, institution in enumerate(_institutions(county)):
            institution_save(institution=institution, acting_user=desk, today=institution.status_since or today)
            institutions.append(institution)
            teachers, fees = _teachers_and_fees(institution, index, desk)
            counts["tutoring teachers"] += teachers
            counts["tutoring fee plans"] += fees
        counts["tutoring institutions"] = len(institutions)
        counts["tutoring complaints"] = _complaints(institutions, desk, township_user, today)
        counts.update(_annual(county, institutions, desk, log))
        counts["tutoring joint checks"] = _joint_checks(county, institutions, desk)
    try:
        sweep(today=today)
    except CalendarUnknown:
        pass
    log("  tutoring" + "".join(f"  {label} {n:,}" for label, n in counts.items()))
    return counts


def _annual(county, institutions, desk, log) -> dict[str, int]:
    """The 2021 年检 campaigns (institutions and private schools) on the inspection engine, when it is installed."""
    try:
        import emis.inspections.services  # noqa: F401
    except ImportError:  # the inspection engine is not installed
        return {}
    from . import annual

    return annual.load(county, institutions, desk, log)


def _wipe_campaigns(county) -> tuple[dict, list[int]]:
    """The demo's two 年检 campaigns with their targets, inspections, answers and findings; their cases' ids."""
    try:
        from emis.inspections.models import Answer, Campaign, Finding, Inspection, Target
    except ImportError:
        return {}, []
    from .annual import CAMPAIGN_NAME as TUTORING_CAMPAIGN
    from .annual import PRIVATE_CAMPAIGN_NAME

    campaigns = Campaign.objects.filter(name__in=(TUTORING_CAMPAIGN, PRIVATE_CAMPAIGN_NAME), county_code=county.code)
    inspections = Inspection.objects.filter(target__campaign__in=campaigns)
    case_ids = [pk for pair in inspections.values_list("case_id", "rectify_case_id") for pk in pair if pk]
    Finding.objects.filter(inspection__in=inspections).delete()
    Answer.objects.filter(inspection__in=inspections).delete()
    counts = {"tutoring annual inspections": inspections.delete()[0]}
    Target.objects.filter(campaign__in=campaigns).delete()
    counts["tutoring annual campaigns"] = campaigns.delete()[0]
    return counts, case_ids


def wipe(county, log) -> dict[str, int]:
    """Delete the county's 年检 campaigns of this app, complaints (with their cases), rectification cases, joint
    checks and institutions."""
    from django.contrib.contenttypes.models import ContentType

    from emis.work.cleanup import delete_cases
    from emis.work.models import Case

    from .models import Complaint, FeePlan, Institution, JointCheck, Teacher
    from .workflows import RECTIFICATION

    counts, case_ids = _wipe_campaigns(county)
    institutions = Institution.objects.filter(township__code__startswith=county.code)
    ids = list(institutions.values_list("pk", flat=True))
    complaints = Complaint.objects.filter(institution_id__in=ids)
    case_ids += list(complaints.values_list("case_id", flat=True))
    counts["tutoring complaints"] = complaints._raw_delete(complaints.db)
    content_type = ContentType.objects.get_for_model(Institution)
    case_ids += list(
        Case.objects.filter(workflow=RECTIFICATION.code, subject_type=content_type, subject_id__in=ids).values_list(
            "pk", flat=True
        )
    )
    counts["tutoring cases"] = delete_cases(set(case_ids))
    checks = JointCheck.objects.filter(township__code__startswith=county.code)
    JointCheck.institutions.through.objects.filter(jointcheck__in=checks).delete()
    counts["tutoring joint checks"] = checks._raw_delete(checks.db)
    for model in (Teacher, FeePlan):
        rows = model.objects.filter(institution_id__in=ids)
        counts[f"tutoring {model._meta.model_name}"] = rows._raw_delete(rows.db)
    counts["tutoring institutions"] = institutions._raw_delete(institutions.db)
    return counts
