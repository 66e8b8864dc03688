import datetime as dt

import pytest

from emis.core.access import Role

TODAY = dt.date(2024, 12, 15)  # the autumn term of 2024: September, October and November are over


def setup_supervision(county):
    """Two 督学 of the small county: 王督学 (专职, the fixture's inspector account) with A2 and B1, 李督学 (兼职)
    with A1; visits in the autumn of 2024 (A2: September, October; B1: September; A1: November); the leader
    挂点 通羊镇."""
    from emis.supervision.models import Assignment, Inspector, LeaderPost, Visit

    start = dt.date(2024, 9, 1)
    wang = Inspector.objects.create(
        name="王督学", kind="full_time", user=county.users[Role.INSPECTOR], start_date=dt.date(2020, 1, 1)
    )
    li = Inspector.objects.create(name="李督学", kind="part_time", start_date=dt.date(2020, 1, 1))
    Inspector.objects.create(name="赵督学", kind="special", start_date=dt.date(2020, 1, 1))
    for inspector, school in ((wang, county.school_a2), (wang, county.school_b1), (li, county.school_a1)):
        Assignment.objects.create(inspector=inspector, school=school, start_date=start)
    for inspector, school, day in (
        (wang, county.school_a2, dt.date(2024, 9, 10)),
        (wang, county.school_a2, dt.date(2024, 10, 12)),
        (wang, county.school_b1, dt.date(2024, 9, 20)),
        (li, county.school_a1, dt.date(2024, 11, 5)),
    ):
        Visit.objects.create(
            inspector=inspector, school=school, visited_on=day, kind="regular", methods=["patrol"], matters=["safety"]
        )
    LeaderPost.objects.create(leader=county.users[Role.LEADER], township=county.township_a, start_date=start)
    return {"wang": wang, "li": li}


@pytest.fixture
def supervision(county):
    return setup_supervision(county)
