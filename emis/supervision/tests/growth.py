"""One more row of a supervision model inside the small county, for tests/test_pages.py's query-count test (_grow)."""

import datetime as dt

from emis.core.access import Role
from emis.testing import make_school, make_user


def _inspector(i):
    from emis.supervision.models import Inspector

    return Inspector.objects.create(name=f"督学{i}", kind="part_time", start_date=dt.date(2020, 1, 1))


def grow(model, county, i: int) -> None:
    from emis.supervision.models import Assignment, Inspector, LeaderPost, Visit, VisitPlan

    if model is Inspector:
        inspector = _inspector(i)
        Assignment.objects.create(inspector=inspector, school=county.school_b1, start_date=dt.date(2024, 9, 1))
    elif model in (Assignment, VisitPlan, Visit):
        school = make_school(f"21424{10000 + i:05d}", f"督导学校{i}", "primary", county.township_b)
        inspector = _inspector(i)
        Assignment.objects.create(inspector=inspector, school=school, start_date=dt.date(2024, 9, 1))
        if model is VisitPlan:
            VisitPlan.objects.create(school=school, month=dt.date(2024, 10, 1), inspector=inspector)
        if model is Visit:
            visit = Visit.objects.create(
                school=school, inspector=inspector, visited_on=dt.date(2024, 10, 8), matters=["safety"]
            )
            visit.findings.create(text="消防通道堵塞", severity="serious", must_change=True)
    elif model is LeaderPost:
        from emis.orgs.models import Division

        township = Division.objects.create(
            code=f"421224{200 + i:03d}", name=f"乡镇{i}", level="township", parent=county.county
        )
        leader = make_user(f"leader{i}", Role.LEADER, divisions=[county.county])
        LeaderPost.objects.create(leader=leader, township=township, start_date=dt.date(2024, 9, 1))
    else:
        raise AssertionError(f"no way to add rows of {model.__name__}")
