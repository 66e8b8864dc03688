"""One more row of an aid model inside the small county, for tests/test_pages.py's query-count test (_grow)."""

import datetime as dt
from decimal import Decimal

from emis.core.access import Role
from emis.testing import id_for, make_school


def grow(model, county, i: int) -> None:
    from emis.aid.models import Programme, Recognition, Roll, Source, Standard
    from emis.aid.services import add_standard, generate_rolls, term_for
    from emis.aid.tests.conftest import pupil

    admin = county.users[Role.ADMIN]
    if model is Programme:
        Programme.objects.create(code=f"local_{i}", name=f"地方资助项目{i}", levels=["primary"], order=100 + i)
    elif model is Standard:
        base = Standard.objects.filter(programme__code="compulsory_living_allowance").order_by("-valid_from").first()
        add_standard(
            Standard(
                programme=base.programme,
                level=base.level,
                boarder=base.boarder,
                eligibility=base.eligibility,
                categories=base.categories,
                amount_per_year=Decimal("1000") + i,
                valid_from=dt.date(2040, 1, 1) + dt.timedelta(days=i),
                source="测试",
            ),
            admin,
        )
    elif model.__name__ == "Term":
        from emis.orgs.models import SchoolYear

        SchoolYear.objects.get_or_create(start_year=2030 + i, defaults={"census_date": dt.date(2030 + i, 9, 1)})
        term_for(2030 + i, "autumn")
    elif model is Recognition:
        Recognition.objects.create(
            id_number=id_for(dt.date(2014, 1, 1) + dt.timedelta(days=i), "1"),
            name=f"认定{i}",
            category="dibao",
            recognised_on=dt.date(2024, 1, 1) + dt.timedelta(days=i),
            source=Source.CIVIL,
            county_code="421224",
            township_code=county.township_a.code,
        )
    elif model is Roll:  # a school with one boarder of a 脱贫家庭, and its roll (and case)
        school = make_school(f"21424{10000 + i:05d}", f"资助学校{i}", "primary", county.township_b)
        pupil(county, school, "P3", boarder=True, categories=["poverty"])
        programme = Programme.objects.get(code="compulsory_living_allowance")
        generate_rolls(programme, term_for(2024, "autumn"), acting_user=admin, school_ids=[school.pk])
    else:
        raise AssertionError(f"no way to add rows of {model.__name__}")
