"""The indicator dashboard shows the two enrolment rates of issue 15 side by side, each with its formula: the net rate
by the statistics definition (pupils counted at the schools, migrants included) and the 户籍比对 入学率 of the
控辍保学 (register children on a roll or verified outside the county). Leaves a screenshot behind."""

from __future__ import annotations

import datetime as dt

import pytest

from .helpers import SCREENSHOTS, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def school_age(mini_county):
    """通羊镇's register of 2025: three pupils of the county's primary school, a child verified at school in 武汉, a
    child on no roll; and two migrant pupils (ID numbers of 崇阳县) at the school, on no register of ours."""
    from emis.common.idnumbers import make_id_number
    from emis.population.models import OutsideEnrollment, PopulationRecord
    from emis.students.models import Enrollment, SchoolClass, Student

    c = mini_county
    birth = dt.date(2016, 3, 1)  # 9 on the census date 2025-09-01
    klass = SchoolClass.objects.create(school=c.primary, school_year=c.year, grade="P4", name="1班")

    def pupil(i: int, area: str) -> str:
        number = make_id_number(area, birth, 40 + 2 * i, "1")
        child = Student.objects.create(
            name=f"学生{i}",
            gender="1",
            birth_date=birth,
            id_number=number,
            current_school=c.primary,
            county_code="421224",
        )
        Enrollment.objects.create(
            student=child,
            school=c.primary,
            school_year=c.year,
            school_class=klass,
            grade="P4",
            status="enrolled",
            status_date=c.year.census_date,
        )
        return number

    def registered(i: int, number: str | None = None) -> PopulationRecord:
        return PopulationRecord.objects.create(
            school_year=c.year,
            name=f"儿童{i}",
            gender="1",
            birth_date=birth,
            id_number=number or make_id_number("421224", birth, 60 + 2 * i, "1"),
            hukou_township=c.tongyang,
        )

    for i in range(3):
        registered(i, pupil(i, "421224"))
    for i in range(3, 5):
        pupil(i, "421223")  # migrants
    away = registered(5)
    OutsideEnrollment.objects.create(
        school_year=c.year,
        name=away.name,
        id_number=away.id_number,
        hukou_township=c.tongyang,
        school_name="武汉市育才小学",
        region="湖北省武汉市",
        verified_on=dt.date(2025, 9, 20),
    )
    registered(6)  # out of school
    return c


def test_the_dashboard_shows_both_enrolment_rates_each_with_its_formula(admin_page, live_server, school_age):
    page = admin_page
    page.goto(f"{live_server.url}/indicators/?year=2025")
    section = page.locator("[data-testid=enrolment-rates]")
    section.scroll_into_view_if_needed()
    net = section.locator("tr[data-code=primary_ner]")
    share = section.locator("tr[data-code=compulsory_enrolment_rate]")
    # 5 pupils of 6-11 at the school (2 migrants) over 5 registered children; 4 of them in school (1 outside).
    assert net.locator("[data-testid=enrolment-rate-value]").inner_text().strip() == "100.00%"
    assert "5 / 5" in net.inner_text()
    assert share.locator("[data-testid=enrolment-rate-value]").inner_text().strip() == "80.00%"
    assert "4 / 5" in share.inner_text()
    assert "随迁子女" in net.locator("[data-testid=enrolment-rate-formula]").inner_text()
    assert "县外就读核实名单" in share.locator("[data-testid=enrolment-rate-formula]").inner_text()
    junior = section.locator("tr[data-code=junior_ner] [data-testid=enrolment-rate-value]")
    assert junior.inner_text().strip() == "无数据"
    shot(page, "25-indicator-enrolment-rates")
    section.screenshot(path=str(SCREENSHOTS / "25-indicator-enrolment-rates-section.png"))
    page.problems.assert_none()
