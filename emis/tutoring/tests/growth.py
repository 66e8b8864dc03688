"""One more row of a tutoring model inside the small county, for tests/test_pages.py's query-count test (_grow)."""

import datetime as dt
from decimal import Decimal

from emis.core.access import Role


def grow(model, county, i: int) -> None:
    from emis.tutoring.models import Complaint, FeePlan, Institution, JointCheck, Teacher
    from emis.tutoring.services import complaint_receive

    from .conftest import make_institution

    institution = make_institution(county, name=f"培训机构{i}", township=county.township_b)
    if model is Institution:
        return
    if model is Teacher:
        Teacher.objects.create(institution=institution, name=f"教师{i}", certificate=f"2018{i:07d}")
    elif model is FeePlan:
        FeePlan.objects.create(
            institution=institution,
            course=f"课程{i}",
            price_per_hour=Decimal("30"),
            prepaid_hours=30,
            prepaid_months=Decimal("2"),
            effective_from=dt.date(2021, 12, 1),
        )
    elif model is Complaint:
        complaint_receive(
            institution=institution,
            received_on=dt.date(2024, 10, 8),
            channel="12345",
            complainant=f"投诉人{i}",
            content="收费超过三个月。",
            acting_user=county.users[Role.ADMIN],
        )
    elif model is JointCheck:
        check = JointCheck.objects.create(
            checked_on=dt.date(2024, 10, 8), township=county.township_b, partners=["market", "fire"], findings="无"
        )
        check.institutions.add(institution)
    else:
        raise AssertionError(f"no way to add rows of {model.__name__}")
