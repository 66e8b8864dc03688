import pytest
from django.core.files.base import ContentFile

from emis.core.access import Role
from emis.rectification.apps import DOMAIN
from emis.testing import make_user


def jpeg(name="photo.jpg", color=(200, 60, 30)):
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(out, "JPEG")
    return ContentFile(out.getvalue(), name=name)


@pytest.fixture
def issuer(county):
    """A 股室 account of the county with the rectification domain (the fixture's section user has other domains)."""
    return make_user("section_rect", Role.SECTION, divisions=[county.county], domains=[DOMAIN])


def draft(county, user, *, school=None, items=2, days=10, today=None):
    import datetime as dt

    from emis.rectification.services import notice_draft

    return notice_draft(
        school=school or county.school_a1,
        title="春季开学工作专项督查",
        inspected_on=dt.date(2021, 9, 1),
        basis="",
        days=days,
        responsible="王校长",
        acting_user=user,
        items=[
            {"severity": sev, "finding": f"问题{n}", "requirement": "限期整改", "photo": jpeg(f"p{n}.jpg")}
            for n, sev in zip(range(1, items + 1), ("serious", "general", "critical", "general"), strict=False)
        ],
        today=today,
    )
