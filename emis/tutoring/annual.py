"""年检 on the inspection engine: the 校外培训机构年检 and 民办学校年检 checklists (published through
emis.inspections.services.template_publish) and the demo county's 2021 campaigns over them.

校外培训机构年检 (target kind "institution"): 办学资质, 场地安全与消防, 师资, 收费与资金监管, 合同,
培训内容与时间 (双减: no 学科类 training on holidays, classes ending by 20:30), 广告宣传. A failed critical item
(一票否决: an expired licence, no fire approval, a serving school teacher) makes the result 不合格 whatever the
score; otherwise the score (weights of the items passed over those judged) gives 合格 from GOOD_SCORE, 基本合格
from PASS_SCORE. A failing institution's findings become one rectification case (emis.tutoring.targets.rectify).

民办学校年检 (target kind "school", for schools with ownership private): 办学许可, 法人财产, 章程与决策机构,
招生与收费, 师资, 安全, 财务审计; findings go into an emis.rectification 整改通知书 through the engine."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

TUTORING_TEMPLATE = "tutoring_annual"
PRIVATE_TEMPLATE = "private_school_annual"
PASS_SCORE, GOOD_SCORE = 60, 85
PRIVATE_SCHOOLS = 12
CAMPAIGN_NAME = "2021年度校外培训机构年检"
PRIVATE_CAMPAIGN_NAME = "2021年度民办学校年检"

YES_NO_NA = [
    {"value": "yes", "label": "是", "passes": True},
    {"value": "no", "label": "否", "passes": False},
    {"value": "na", "label": "不适用", "passes": True},
]


def _item(code, text, *, weight=2, critical=False, severity="general", guidance="", **extra):
    return {
        "code": code,
        "text": text,
        "weight": weight,
        "critical": critical,
        "severity": severity,
        "guidance": guidance,
        **extra,
    }


TUTORING_SECTIONS = [
    {
        "title": "办学资质",
        "items": [
            _item(
                "A1",
                "办学许可证在有效期内，办学地址、项目与许可一致",
                weight=5,
                critical=True,
                severity="critical",
                guidance="依法办理办学许可证延续或变更手续。",
            ),
            _item("A2", "法人登记证书与办学许可证信息一致", weight=3, severity="serious"),
            _item(
                "A3",
                "学科类机构已完成非营利性登记（营转非）",
                kind="choice",
                choices=YES_NO_NA,
                weight=3,
                severity="serious",
            ),
        ],
    },
    {
        "title": "场地安全与消防",
        "items": [
            _item(
                "B1",
                "培训场所通过消防验收或备案",
                weight=5,
                critical=True,
                severity="critical",
                guidance="停止使用不符合消防要求的场所，取得消防验收或备案。",
            ),
            _item(
                "B2",
                "生均培训面积（平方米）",
                kind="number",
                threshold=3,
                threshold_op=">=",
                weight=3,
                severity="serious",
            ),
            _item("B3", "疏散通道畅通，消防器材完好有效", weight=3, severity="serious"),
            _item("B4", "建立安全管理制度和应急预案并开展演练", weight=2),
        ],
    },
    {
        "title": "师资",
        "items": [
            _item(
                "C1",
                "学科类培训教师均具有相应教师资格证",
                kind="choice",
                choices=YES_NO_NA,
                weight=4,
                severity="serious",
            ),
            _item("C2", "无在职中小学教师在机构任教", weight=4, critical=True, severity="critical"),
            _item("C3", "教师姓名、照片、资格证号在场所和平台公示", weight=2),
        ],
    },
    {
        "title": "收费与资金监管",
        "items": [
            _item(
                "D1",
                "一次预收费不超过3个月或60课时",
                weight=4,
                severity="serious",
                guidance="按规定退还超期预收费用，按不超过3个月或60课时收费。",
            ),
            _item("D2", "预收费资金全部纳入银行托管或风险保证金监管", weight=4, severity="serious"),
            _item("D3", "收费项目、标准和退费办法公示", weight=2),
            _item("D4", "学科类收费执行政府指导价", kind="choice", choices=YES_NO_NA, weight=2),
        ],
    },
    {
        "title": "合同",
        "items": [_item("E1", "使用培训服务合同示范文本", weight=2)],
    },
    {
        "title": "培训内容与时间",
        "items": [
            _item(
                "F1",
                "学科类培训未占用国家法定节假日、休息日和寒暑假",
                kind="choice",
                choices=YES_NO_NA,
                weight=4,
                severity="serious",
            ),
            _item("F2", "线下培训结束时间不晚于20:30，线上不晚于21:00", weight=3, severity="serious"),
            _item("F3", "无超标超前培训，培训材料经审核备案", weight=3),
        ],
    },
    {
        "title": "广告宣传",
        "items": [
            _item("G1", "无违规发布培训广告、虚假宣传", weight=2),
            _item("G2", "检查情况说明", kind="text", required=False, weight=0),
        ],
    },
]

PRIVATE_SECTIONS = [
    {
        "title": "办学许可",
        "items": [
            _item(
                "P1", "办学许可证在有效期内，按许可的层次、类别和规模办学", weight=5, critical=True, severity="critical"
            ),
            _item("P2", "年度检查材料按时报送", weight=2),
        ],
    },
    {
        "title": "法人财产",
        "items": [
            _item("P3", "举办者出资到位，法人财产权落实", weight=4, severity="serious"),
            _item("P4", "校舍、场地权属清晰或租期不少于办学周期", weight=3),
        ],
    },
    {
        "title": "章程与决策机构",
        "items": [
            _item("P5", "章程经核准，董事会（理事会）按章程议事", weight=3),
            _item("P6", "党组织建设和监事制度落实", weight=3),
        ],
    },
    {
        "title": "招生与收费",
        "items": [
            _item("P7", "招生简章和广告经备案，无违规招生", weight=3, severity="serious"),
            _item("P8", "收费项目和标准按规定公示，无违规收费", weight=3, severity="serious"),
        ],
    },
    {
        "title": "师资",
        "items": [
            _item("P9", "专任教师持证上岗率（%）", kind="number", threshold=100, threshold_op=">=", weight=3),
            _item("P10", "依法签订劳动合同并缴纳社会保险", weight=3),
        ],
    },
    {
        "title": "安全",
        "items": [
            _item("P11", "校舍安全，消防设施完好", weight=4, critical=True, severity="critical"),
            _item("P12", "食堂、校车等安全管理制度落实", weight=3, severity="serious"),
        ],
    },
    {
        "title": "财务审计",
        "items": [
            _item("P13", "年度财务审计报告无保留意见", weight=3, severity="serious"),
            _item("P14", "学费收入纳入学校账户管理，未抽逃办学资金", weight=3, severity="serious"),
        ],
    },
]


def publish_templates(acting_user):
    """Publish (or keep, when unchanged) the two 年检 checklists; returns their current versions."""
    from emis.inspections.services import template_publish

    tutoring = template_publish(
        code=TUTORING_TEMPLATE,
        name=str(_("校外培训机构年检")),
        purpose="annual",
        target_kind="institution",
        sections=TUTORING_SECTIONS,
        pass_score=PASS_SCORE,
        good_score=GOOD_SCORE,
        acting_user=acting_user,
        note=str(_("依据双减政策和校外培训机构管理规定制定。")),
    )
    private = template_publish(
        code=PRIVATE_TEMPLATE,
        name=str(_("民办学校年检")),
        purpose="annual",
        target_kind="school",
        sections=PRIVATE_SECTIONS,
        pass_score=PASS_SCORE,
        good_score=GOOD_SCORE,
        acting_user=acting_user,
        note=str(_("依据《民办教育促进法实施条例》制定。")),
    )
    return tutoring, private


def passing_answers(sections, institution=None) -> dict:
    """Every judged item passed (the 不适用 option where an item concerns 学科类 only)."""
    academic = institution is None or getattr(institution, "kind", "academic") == "academic"
    answers = {}
    for section in sections:
        for item in section["items"]:
            kind = item.get("kind", "yes_no")
            if kind == "yes_no":
                answers[item["code"]] = "yes"
            elif kind == "choice":
                answers[item["code"]] = "yes" if academic else "na"
            elif kind == "number":
                answers[item["code"]] = str(item["threshold"] + 2)
            elif kind == "text":
                answers[item["code"]] = ""
    return answers


# What each of the demo's five failing institutions gets wrong (a critical item each: 一票否决).
FAILURES = (
    {"B1": "no", "B3": "no", "D1": "no"},
    {"A1": "no", "E1": "no"},
    {"C2": "no", "C3": "no"},
    {"B1": "no", "B2": "1.5"},
    {"A1": "no", "D2": "no", "D3": "no"},
)
FIX_NOTES = (
    "已取得消防验收备案，清理疏散通道，退还超期预收费用。",
    "已办理许可证延续，改用示范合同文本。",
    "已解聘在职教师，补充公示教师信息。",
    "已取得消防备案，压减招生规模至生均3平方米以上。",
    "已办理许可证延续，预收费资金全部转入托管账户并公示收费标准。",
)


def load(county, institutions, desk, log) -> dict[str, int]:
    """The demo's 2021 年检 of the institutions in business then (five fail and are rectified: 复查合格) and of
    twelve private schools."""
    from emis.inspections.services import campaign_create, inspection_sign_off, inspection_submit
    from emis.orgs.models import School

    from .services import rectification_step

    tutoring_version, private_version = publish_templates(desk)
    # Every institution of the registry was in business in 2021 (the suspended and closed ones stopped in 2022).
    inspected = [i for i in institutions if i.status == "active" or i.status_since and i.status_since.year > 2021]
    campaign = campaign_create(
        name=CAMPAIGN_NAME,
        kind="annual",
        version=tutoring_version,
        targets=inspected,
        starts_on=dt.date(2021, 11, 1),
        ends_on=dt.date(2021, 12, 15),
        acting_user=desk,
        note="县教育局会同市场监管、消防、应急部门开展。",
    )
    failing = {}
    for n, index in enumerate(sorted({min(i, len(inspected) - 1) for i in (3, 11, 17, 25, 31)})):
        failing[inspected[index].pk] = n
    targets = {t.subject_id: t for t in campaign.targets.all()}
    counts = {"tutoring 2021 annual inspections": 0, "tutoring 2021 annual failing": 0}
    for day_offset, institution in enumerate(inspected):
        day = dt.date(2021, 11, 8) + dt.timedelta(days=day_offset % 20)
        answers = passing_answers(TUTORING_SECTIONS, institution)
        number = failing.get(institution.pk)
        if number is not None:
            answers.update(FAILURES[number])
        inspection = inspection_submit(
            target=targets[institution.pk],
            answers=answers,
            client_token=f"demo-tutoring-2021-{institution.pk}",
            inspected_on=day,
            acting_user=desk,
            today=day,
        )
        inspection = inspection_sign_off(inspection=inspection, acting_user=desk, today=day)
        counts["tutoring 2021 annual inspections"] += 1
        if inspection.rectify_case_id:
            counts["tutoring 2021 annual failing"] += inspection.result == "fail"
            case = inspection.rectify_case
            case = rectification_step(
                case=case,
                transition="report",
                acting_user=desk,
                comment=FIX_NOTES[number or 0],
                today=day + dt.timedelta(days=12),
            )
            rectification_step(case=case, transition="pass", acting_user=desk, today=day + dt.timedelta(days=16))

    # The county's private schools other than kindergartens, then private kindergartens by code: twelve in all.
    schools = School.objects.filter(township__code__startswith=county.code, ownership="private").order_by("code")
    private = list(schools.exclude(category="kindergarten")[:PRIVATE_SCHOOLS])
    private += list(schools.filter(category="kindergarten")[: PRIVATE_SCHOOLS - len(private)])
    private_campaign = campaign_create(
        name=PRIVATE_CAMPAIGN_NAME,
        kind="annual",
        version=private_version,
        targets=private,
        starts_on=dt.date(2021, 11, 1),
        ends_on=dt.date(2021, 12, 31),
        acting_user=desk,
        note="对全县民办学校（幼儿园）开展年度检查。",
    )
    school_targets = {t.school_id: t for t in private_campaign.targets.all()}
    for offset, school in enumerate(private):
        day = dt.date(2021, 12, 1) + dt.timedelta(days=offset)
        inspection = inspection_submit(
            target=school_targets[school.pk],
            answers=passing_answers(PRIVATE_SECTIONS),
            client_token=f"demo-private-2021-{school.pk}",
            inspected_on=day,
            acting_user=desk,
            today=day,
        )
        inspection_sign_off(inspection=inspection, acting_user=desk, today=day)
    counts["private schools 2021 annual inspections"] = len(private)
    return counts
