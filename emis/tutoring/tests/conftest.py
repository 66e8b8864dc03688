import datetime as dt
from decimal import Decimal

import pytest

from emis.core.access import Role
from emis.testing import make_user
from emis.tutoring.apps import DOMAIN


def make_institution(county, *, name="通羊学而思培训学校", township=None, kind="academic", **extra):
    """An institution saved straight to the table (the fixture's; services are tested on their own)."""
    from emis.tutoring.models import Institution

    values = {
        "name": name,
        "township": township or county.township_a,
        "kind": kind,
        "legal_form": "nonprofit",
        "address": "通羊镇通羊大道1号",
        "subjects": "数学" if kind == "academic" else "美术",
        "licence_number": "教民142122470001号",
        "licence_issued": dt.date(2019, 3, 1),
        "licence_expires": dt.date(2024, 3, 1),
        "premises_area": Decimal("200"),
        **extra,
    }
    return Institution.objects.create(**values)


def setup_institutions(county) -> dict:
    """One 学科类 institution in township A and one 非学科类 in township B, each with a teacher and a fee plan."""
    from emis.tutoring.models import FeePlan, Teacher

    a = make_institution(county)
    b = make_institution(county, name="南林桥童画艺术培训中心", township=county.township_b, kind="non_academic")
    for institution, certificate in ((a, "20184210001"), (b, "")):
        Teacher.objects.create(institution=institution, name=f"{institution.name[:2]}老师", certificate=certificate)
        FeePlan.objects.create(
            institution=institution,
            course="课程",
            price_per_hour=Decimal("40"),
            prepaid_hours=40,
            prepaid_months=Decimal("3"),
            effective_from=dt.date(2021, 12, 1),
        )
    return {"A": a, "B": b}


@pytest.fixture
def institutions(county):
    return setup_institutions(county)


@pytest.fixture
def desk(county):
    """A 股室 account of the county with the tutoring domain."""
    return make_user("section_tutoring", Role.SECTION, divisions=[county.county], domains=[DOMAIN])
