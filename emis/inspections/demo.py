"""The demo county's inspections (emis load_demo, through the "apps contribute demo data" hook): the real 春/秋季开学
工作检查 checklist, and a 开学工作专项督查 campaign of 通山县 over a dozen schools across the townships, with the demo
督学 account as inspector of its 责任区 schools: some inspections signed off (合格, 基本合格, 不合格; the failed items
in 整改 notices, one of them overdue), some submitted and waiting for sign-off, the rest not yet inspected. All through
the services; deterministic (the same schools and answers each time; dates count back from the base day)."""

from __future__ import annotations

from django.db import transaction

from .apps import DOMAIN

OPENING_CODE = "opening-check"
OPENING_NAME = "春/秋季开学工作检查表"

OPENING_SECTIONS = [
    {
        "title": "校园安全",
        "items": [
            {"code": "1.1", "text": "专职保安员在岗，持证上岗", "severity": "serious", "weight": 3, "critical": True},
            {"code": "1.2", "text": "校园封闭化管理，外来人员登记", "weight": 2},
            {"code": "1.3", "text": "一键式报警器与公安联网且可正常使用", "severity": "serious", "weight": 2},
            {
                "code": "1.4",
                "text": "视频监控路数",
                "kind": "number",
                "threshold": 16,
                "threshold_op": ">=",
                "weight": 2,
                "guidance": "校门、围墙、教学楼、食堂、宿舍全覆盖",
            },
            {"code": "1.5", "text": "上下学时段护学岗到岗", "weight": 2},
            {
                "code": "1.6",
                "text": "消防通道畅通，灭火器在有效期内",
                "severity": "critical",
                "weight": 3,
                "critical": True,
                "photo_required": True,
                "guidance": "立即清理消防通道，更换过期灭火器",
            },
        ],
    },
    {
        "title": "教学秩序",
        "items": [
            {"code": "2.1", "text": "开齐开足国家规定课程，课表公示", "weight": 2},
            {"code": "2.2", "text": "教材教辅按时到位", "weight": 1},
            {
                "code": "2.3",
                "text": "教师到岗情况",
                "kind": "choice",
                "weight": 2,
                "choices": [
                    {"value": "all", "label": "全部到岗", "passes": True},
                    {"value": "some", "label": "个别未到岗（已报备）", "passes": True},
                    {"value": "absent", "label": "有未报备缺岗", "passes": False},
                ],
            },
        ],
    },
    {
        "title": "食堂",
        "items": [
            {"code": "3.1", "text": "从业人员健康证齐全有效", "severity": "serious", "weight": 2},
            {
                "code": "3.2",
                "text": "食品留样情况",
                "kind": "choice",
                "weight": 2,
                "severity": "serious",
                "choices": [
                    {"value": "full", "label": "每餐留样48小时以上并登记", "passes": True},
                    {"value": "partial", "label": "留样不全或登记不全", "passes": False},
                    {"value": "none", "label": "未留样", "passes": False},
                ],
                "guidance": "完善48小时留样及登记",
            },
            {"code": "3.3", "text": "食堂后厨照片", "kind": "photo", "weight": 0},
        ],
    },
    {
        "title": "校舍",
        "items": [
            {"code": "4.1", "text": "无D级危房在用", "severity": "critical", "weight": 3, "critical": True},
            {"code": "4.2", "text": "护栏、门窗、电线完好", "weight": 2, "guidance": "立即维修并设置警示"},
        ],
    },
    {
        "title": "防疫与卫生",
        "items": [
            {"code": "5.1", "text": "晨午检、因病缺课登记追踪落实", "weight": 1},
            {"code": "5.2", "text": "校医室（保健室）药品在有效期内", "weight": 1},
            {"code": "5.3", "text": "其他需说明的情况", "kind": "text", "required": False, "weight": 0},
        ],
    },
]

GOOD = {
    "1.1": "yes",
    "1.2": "yes",
    "1.3": "yes",
    "1.4": "24",
    "1.5": "yes",
    "1.6": "yes",
    "2.1": "yes",
    "2.2": "yes",
    "2.3": "all",
    "3.1": "yes",
    "3.2": "full",
    "4.1": "yes",
    "4.2": "yes",
    "5.1": "yes",
    "5.2": "yes",
    "5.3": "",
}

# The inspections of the demo campaign, school by school: (answers changed from GOOD, signed off?, days before base).
PLAN = (
    ({}, True, 30),  # 合格 (100)
    ({"1.4": "12", "2.3": "absent", "3.1": "no"}, True, 29),  # 基本合格 (80.0), three findings
    (
        {"1.2": "no", "1.3": "no", "1.5": "no", "2.1": "no", "2.2": "no", "3.2": "partial", "4.2": "no", "5.2": "no"},
        True,
        28,
    ),  # 不合格 (53.3), eight findings: the notice is overdue
    ({"1.6": "no", "2.3": "absent"}, True, 6),  # 不合格 (一票否决), two findings: 5 working days, still running
    ({}, True, 5),  # 合格
    ({"1.5": "no", "3.1": "no", "3.2": "partial"}, True, 4),  # 基本合格 (80.0)
    ({"1.3": "no"}, False, 2),  # submitted, waiting for sign-off
    ({}, False, 1),  # submitted
)
SCHOOL_COUNT = 12


def section_domains() -> list[str]:
    """The demo 股室 account keeps the checklists and campaigns and signs inspections off."""
    return [DOMAIN]


def publish_opening(acting_user):
    from .services import template_publish

    return template_publish(
        code=OPENING_CODE,
        name=OPENING_NAME,
        purpose="opening",
        applies_to=["primary", "junior", "nine_year", "high", "complete_secondary", "twelve_year"],
        sections=OPENING_SECTIONS,
        pass_score=60,
        good_score=85,
        acting_user=acting_user,
        note="开学前后对学校安全、教学秩序、食堂、校舍和防疫工作的专项检查。",
    )


def _schools(county_code: str, inspector) -> list:
    from emis.orgs.models import School

    schools = list(
        School.objects.filter(
            township__code__startswith=county_code, category__in=("primary", "junior", "nine_year"), closed_on=None
        )
        .select_related("township")
        .order_by("code")
    )
    own = [s for s in schools if inspector is not None and inspector.schools.filter(pk=s.pk).exists()]
    step = max(1, len(schools) // SCHOOL_COUNT)
    rest = [s for s in schools[::step] if s not in own]
    return (own + rest)[:SCHOOL_COUNT]


def load(county, log) -> dict[str, int]:
    """Contribute the checklist and the demo campaign to 通山县 (once: nothing is added when the county has one)."""
    from emis.accounts.models import User
    from emis.demo.loader import TONGSHAN
    from emis.rectification.demo import _base_day, _photo
    from emis.work.calendar import WorkCalendar
    from emis.work.deadlines import sweep

    from . import services
    from .models import Campaign

    if county.key != TONGSHAN.key or Campaign.objects.filter(county_code=county.code).exists():
        return {}
    section = User.objects.filter(username="section").first()
    inspector = User.objects.filter(username="inspector").first()
    if section is None or not {DOMAIN, "rectification"} <= set(section.domains or []):
        return {}
    calendar = WorkCalendar()
    base = _base_day()
    counts = {"inspections signed": 0, "inspections submitted": 0}
    with transaction.atomic():
        version = publish_opening(section)
        schools = _schools(county.code, inspector)
        start = calendar.subtract(base, 32)
        season = "春季" if start.month < 8 else "秋季"
        campaign = services.campaign_create(
            name=f"{start.year}年{season}开学工作专项督查",
            kind="opening",
            version=version,
            targets=schools,
            starts_on=start,
            ends_on=calendar.add(base, 10),
            inspectors=[inspector] if inspector else [],
            acting_user=section,
            note="县教育局组织督学对学校开学工作进行专项督查，发现问题限期整改。",
        )
        targets = {t.school_id: t for t in campaign.targets.all()}
        photo_no = 500
        for n, ((changes, sign, back), school) in enumerate(zip(PLAN, schools, strict=False)):
            day = calendar.subtract(base, back)
            actor = inspector if inspector is not None and inspector.schools.filter(pk=school.pk).exists() else section
            photo_no += 2
            inspection = services.inspection_submit(
                target=targets[school.pk],
                answers=GOOD | changes,
                photos={"1.6": [_photo(photo_no)], "3.3": [_photo(photo_no + 1)]},
                notes={code: "现场检查发现" for code in changes},
                client_token=f"demo-{county.code}-{campaign.pk}-{n}",
                inspected_on=day,
                acting_user=actor,
                summary="学校开学准备工作总体有序。" if not changes else "存在问题须限期整改。",
                today=day,
            )
            if sign:
                services.inspection_sign_off(inspection=inspection, acting_user=section, today=calendar.add(day, 1))
                counts["inspections signed"] += 1
            else:
                counts["inspections submitted"] += 1
        sweep(today=base)
    log(
        f"  inspections          {sum(counts.values()):>8,}  (campaign {campaign.name}: {len(schools)} schools, "
        f"{counts['inspections signed']} signed off, {counts['inspections submitted']} waiting)"
    )
    return counts


def wipe(county, log) -> dict[str, int]:
    """Delete the county's campaigns, their inspections and cases (the checklists stay: they serve every county)."""
    from emis.work.cleanup import delete_cases

    from .models import Answer, Campaign, Finding, Inspection, Target

    campaigns = Campaign.objects.filter(county_code__startswith=county.code)
    if not campaigns.exists():
        return {}
    inspections = Inspection.objects.filter(target__campaign__in=campaigns)
    case_ids = list(inspections.values_list("case_id", flat=True))
    counts = {}
    photos = Answer.photos.through.objects.filter(answer__inspection__in=inspections)
    photos._raw_delete(photos.db)
    for label, rows in (
        ("inspection findings", Finding.objects.filter(inspection__in=inspections)),
        ("inspection answers", Answer.objects.filter(inspection__in=inspections)),
        ("inspections", inspections),
    ):
        counts[label] = rows._raw_delete(rows.db)
    inspectors = Target.inspectors.through.objects.filter(target__campaign__in=campaigns)
    inspectors._raw_delete(inspectors.db)
    targets = Target.objects.filter(campaign__in=campaigns)
    counts["inspection targets"] = targets._raw_delete(targets.db)
    counts["inspection campaigns"] = campaigns._raw_delete(campaigns.db)
    counts["inspection cases"] = delete_cases(case_ids)
    log(f"  deleted {'inspections':<20}{counts['inspections']:>8,}")
    return counts
