import datetime as dt
import io

import pytest
from django.core.files.base import ContentFile

from emis.core.access import Role
from emis.testing import make_user

DAY = dt.date(2021, 9, 30)


def jpeg(name="photo.jpg", color=(30, 120, 200)):
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(out, "JPEG")
    return ContentFile(out.getvalue(), name=name)


SECTIONS = [
    {
        "title": "校园安全",
        "items": [
            {"code": "1.1", "text": "门卫室有专职保安在岗", "kind": "yes_no", "weight": 2, "severity": "serious"},
            {
                "code": "1.2",
                "text": "监控摄像头路数",
                "kind": "number",
                "weight": 2,
                "threshold": 16,
                "threshold_op": ">=",
            },
            {
                "code": "1.3",
                "text": "消防通道畅通",
                "kind": "yes_no",
                "weight": 1,
                "critical": True,
                "severity": "critical",
                "guidance": "立即清理消防通道",
            },
        ],
    },
    {
        "title": "食堂",
        "items": [
            {
                "code": "2.1",
                "text": "食品留样情况",
                "kind": "choice",
                "weight": 1,
                "choices": [
                    {"value": "full", "label": "按规定留样", "passes": True},
                    {"value": "partial", "label": "部分留样", "passes": False},
                    {"value": "none", "label": "未留样", "passes": False},
                ],
            },
            {"code": "2.2", "text": "食堂照片", "kind": "photo", "photo_required": True},
            {"code": "2.3", "text": "其他情况", "kind": "text", "required": False},
        ],
    },
]


@pytest.fixture
def section(county):
    """A county 股室 account that keeps checklists and issues 整改 notices."""
    return make_user("section_insp", Role.SECTION, divisions=[county.county], domains=["inspections", "rectification"])


@pytest.fixture
def version(county, section):
    from emis.inspections.services import template_publish

    return template_publish(
        code="opening",
        name="秋季开学工作检查表",
        purpose="opening",
        applies_to=["primary", "junior"],
        sections=SECTIONS,
        pass_score=60,
        good_score=85,
        acting_user=section,
    )


@pytest.fixture
def campaign(county, section, version):
    from emis.inspections.services import campaign_create

    return campaign_create(
        name="2021年秋季开学工作专项督查",
        kind="opening",
        version=version,
        targets=[county.school_a1, county.school_a2, county.school_b1],
        starts_on=dt.date(2021, 9, 1),
        ends_on=dt.date(2021, 9, 30),
        inspectors=[county.users[Role.INSPECTOR]],
        acting_user=section,
    )


def target_of(campaign, school):
    return campaign.targets.get(school=school)


GOOD = {"1.1": "yes", "1.2": "20", "1.3": "yes", "2.1": "full", "2.3": ""}
