"""The 校园安全隐患排查 checklist (the seed's themes: 交通, 消防, 防溺水, 防欺凌, 食堂和净菜配送, 危险化学品), published
through the inspection engine (emis.inspections.services.template_publish): by the demo, and in a real deployment by
`emis safety seed_templates --user NAME` (a new version only when the content changed; past inspections keep
theirs). No data migration: the bureau edits it afterwards on the checklist page."""

from __future__ import annotations

SAFETY_CODE = "safety-hazard-check"
SAFETY_NAME = "校园安全隐患排查表"
SCHOOL_KINDS = ["kindergarten", "primary", "junior", "nine_year", "twelve_year", "complete_secondary", "senior"]

SAFETY_SECTIONS = [
    {
        "title": "交通安全",
        "items": [
            {"code": "T1", "text": "校门口交通标志、减速带、护学岗设置到位", "weight": 2},
            {"code": "T2", "text": "校车证照齐全、驾驶人资质合格、卫星定位在线", "weight": 3, "severity": "serious"},
            {"code": "T3", "text": "学生乘车安全教育和接送登记落实", "weight": 1},
        ],
    },
    {
        "title": "消防安全",
        "items": [
            {
                "code": "F1",
                "text": "消防通道、安全出口畅通，疏散标志完好",
                "weight": 3,
                "severity": "critical",
                "critical": True,
                "photo_required": True,
                "guidance": "立即清理占用物，修复疏散指示",
            },
            {"code": "F2", "text": "灭火器在有效期内的比例（%）", "kind": "number", "threshold": 100, "weight": 2},
            {"code": "F3", "text": "本学期开展消防疏散演练", "weight": 1},
        ],
    },
    {
        "title": "防溺水",
        "items": [
            {"code": "W1", "text": "周边危险水域警示牌、防护设施到位", "weight": 2, "severity": "serious"},
            {"code": "W2", "text": "“六不”宣传和致家长一封信全覆盖", "weight": 1},
        ],
    },
    {
        "title": "防欺凌",
        "items": [
            {"code": "B1", "text": "学生欺凌防治工作机构和制度健全", "weight": 1},
            {
                "code": "B2",
                "text": "欺凌事件排查与处置情况",
                "kind": "choice",
                "weight": 2,
                "severity": "serious",
                "choices": [
                    {"value": "none", "label": "未发现欺凌事件", "passes": True},
                    {"value": "handled", "label": "发现并已按规定处置", "passes": True},
                    {"value": "open", "label": "发现未处置或未上报", "passes": False},
                ],
            },
        ],
    },
    {
        "title": "食堂和净菜配送",
        "items": [
            {"code": "C1", "text": "食品留样48小时以上并登记", "weight": 2, "severity": "serious"},
            {"code": "C2", "text": "净菜配送企业资质、索证索票和进货查验记录齐全", "weight": 2, "severity": "serious"},
            {"code": "C3", "text": "后厨现场照片", "kind": "photo", "weight": 0},
        ],
    },
    {
        "title": "危险化学品",
        "items": [
            {
                "code": "H1",
                "text": "实验室危险化学品双人双锁、台账清楚",
                "weight": 3,
                "severity": "critical",
                "critical": True,
            },
            {"code": "H2", "text": "其他隐患说明", "kind": "text", "required": False, "weight": 0},
        ],
    },
]

GOOD = {
    "T1": "yes",
    "T2": "yes",
    "T3": "yes",
    "F1": "yes",
    "F2": "100",
    "F3": "yes",
    "W1": "yes",
    "W2": "yes",
    "B1": "yes",
    "B2": "none",
    "C1": "yes",
    "C2": "yes",
    "H1": "yes",
    "H2": "",
}


def publish_safety(acting_user):
    """Publish (or keep, when unchanged) the 校园安全隐患排查表; returns its current version."""
    from emis.inspections.services import template_publish

    return template_publish(
        code=SAFETY_CODE,
        name=SAFETY_NAME,
        purpose="safety",
        applies_to=SCHOOL_KINDS,
        sections=SAFETY_SECTIONS,
        pass_score=60,
        good_score=85,
        acting_user=acting_user,
        note="校园安全隐患常态化排查：交通、消防、防溺水、防欺凌、食堂和净菜配送、危险化学品。",
    )
