import datetime as dt
import io

import pytest
from django.core.files.base import ContentFile

from emis.core.access import Role
from emis.dropouts.apps import DOMAIN
from emis.dropouts.categories import Category, FlaggedChild
from emis.testing import id_for, make_user

# A Tuesday of the 2024 school year, far from holidays.
DAY = dt.date(2024, 10, 15)


def jpeg(name="photo.jpg", color=(30, 120, 200)):
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(out, "JPEG")
    return ContentFile(out.getvalue(), name=name)


@pytest.fixture
def section(county):
    """A county 股室 account with the 控辍保学 domain."""
    return make_user("section_drop", Role.SECTION, divisions=[county.county], domains=[DOMAIN])


def flag(
    county,
    category=Category.NOT_ENROLLED,
    *,
    name="何小明",
    birth=dt.date(2012, 5, 1),
    township=None,
    school=None,
    student=None,
    id_number=None,
):
    township = township or county.township_a
    return FlaggedChild(
        school_year_id=county.year.pk,
        category=category,
        reason="户籍在册，未在任何学籍中",
        id_number=id_number or (student.id_number if student else id_for(birth, "1")),
        name=student.name if student else name,
        gender="1",
        birth_date=student.birth_date if student else birth,
        hukou_township_id=township.pk,
        student_id=student.pk if student else None,
        school_id=school.pk if school else None,
    )


DUTIES = {
    "township_official": "李镇长",
    "township_official_phone": "13800000001",
    "village_cadre": "张书记",
    "village_cadre_phone": "13800000002",
    "principal": "王校长",
    "principal_phone": "13800000003",
    "class_teacher": "赵老师",
    "class_teacher_phone": "13800000004",
}
