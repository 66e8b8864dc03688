"""划片测算: entrants per zone and school, exceptions, flags, the entrant lists, and the zone form's rules.

The shared county (emis.testing.build_catchments) has zone A (village 城东社区 → A1 and A2) and zone B
(石门村 → B1); 2024 entrants are born 2017-09-01..2018-08-31: 张三丰 (A) and 赵思飞 (B, placed at A1 as a
随迁子女 exception).
"""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from emis.admissions.choices import EntryLevel
from emis.admissions.forms import CatchmentZoneForm
from emis.admissions.models import CatchmentZone, EntryPlan
from emis.admissions.selectors import catchment_plan, entry_birth_window, school_entrants
from emis.students.models import SchoolClass
from emis.testing import make_division, make_enrollment, make_population, make_student, xlsx_rows

PLAN = "/admissions/catchments/plan/"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def rows_by_school(plan) -> dict:
    return {row.school.code: row for row in plan.schools}


def test_entry_window_is_the_year_turning_six_by_31_august():
    assert entry_birth_window(2024) == (dt.date(2017, 9, 1), dt.date(2018, 8, 31))


def test_primary_plan_counts_zone_entrants_and_moves_exceptions(county):
    plan = catchment_plan(county.users["admin"], county.year, EntryLevel.PRIMARY)
    rows = rows_by_school(plan)
    a1, b1 = rows[county.school_a1.code], rows[county.school_b1.code]
    assert (a1.entrants, a1.exceptions_in, a1.exceptions_out, a1.demand) == (1, 1, 0, 2)
    assert (b1.entrants, b1.exceptions_in, b1.exceptions_out, b1.demand) == (1, 0, 1, 0)
    assert (a1.capacity, b1.capacity) == (45, 90)
    assert plan.unzoned == 0 and plan.flagged == []
    assert {z["zone"].name: z["entrants"] for z in plan.zones} == {"通羊城东片区": 1, "南林桥片区": 1}


def test_children_outside_the_age_band_and_without_a_zone(county):
    # Born the day after the window closes: next year's entrant. Born in the window without a village: unzoned.
    make_population("晚生", county.year, county.township_a, birth=dt.date(2018, 9, 1), village=county.village_a)
    make_population("无村", county.year, county.township_b, birth=dt.date(2017, 9, 1))
    plan = catchment_plan(county.users["admin"], county.year, EntryLevel.PRIMARY)
    assert rows_by_school(plan)[county.school_a1.code].entrants == 1
    assert plan.unzoned == 1
    assert plan.unzoned_by_township == [("南林桥镇", 1)]


def test_demand_for_classes_of_56_or_more_is_flagged(county):
    for i in range(55):
        make_population(f"儿童{i}", county.year, county.township_a, birth=dt.date(2018, 1, 1), village=county.village_a)
    row = rows_by_school(catchment_plan(county.users["admin"], county.year, EntryLevel.PRIMARY))[county.school_a1.code]
    assert row.demand == 57  # 张三丰 + 55 + the exception placed here
    assert any("56人以上大班额" in flag for flag in row.flags)
    assert any("超出计划学位 12 个" in flag for flag in row.flags)
    EntryPlan.objects.filter(pk=county.entry_plans["A1"].pk).update(classes=2)
    row = rows_by_school(catchment_plan(county.users["admin"], county.year, EntryLevel.PRIMARY))[county.school_a1.code]
    assert row.flags == [] and row.average_class == 28.5


def test_junior_entrants_are_last_years_sixth_graders_by_village(county):
    p6 = SchoolClass.objects.create(school=county.school_a1, school_year=county.year_2023, grade="P6", name="1班")
    pupil = make_student("六年级生", county.school_a1, birth=dt.date(2012, 5, 5))
    pupil.hukou_village = county.village_a
    pupil.save()
    make_enrollment(pupil, p6)
    EntryPlan.objects.create(school_year=county.year, school=county.school_a2, level="junior", classes=1)
    row = rows_by_school(catchment_plan(county.users["admin"], county.year, EntryLevel.JUNIOR))[county.school_a2.code]
    assert (row.entrants, row.demand, row.capacity) == (1, 1, 50)
    assert [e.name for e in school_entrants(county.school_a2, county.year, EntryLevel.JUNIOR)] == ["六年级生"]


def test_school_lists_follow_zones_and_exceptions(county):
    a1 = school_entrants(county.school_a1, county.year, EntryLevel.PRIMARY)
    assert [(e.name, e.placement) for e in a1] == [("张三丰", "片区对口"), ("赵思飞", "例外安排：随迁子女")]
    assert school_entrants(county.school_b1, county.year, EntryLevel.PRIMARY) == []


def test_a_school_user_sees_its_own_school_only(county):
    plan = catchment_plan(county.users["school"], county.year, EntryLevel.PRIMARY)
    assert [row.school.code for row in plan.schools] == [county.school_a1.code]
    assert [z["zone"].name for z in plan.zones] == ["通羊城东片区"]


def test_plan_page_and_list_download(county):
    client = client_for(county.users["inspector"])
    page = client.get(PLAN, {"year": 2024})
    assert page.status_code == 200
    schools_table = page.content.decode().split('data-testid="plan-schools"')[1].split("</table>")[0]
    # The inspector's scope is A2 and B1: A1's row is not listed (zone A still is, through A2).
    assert "南林桥镇中心小学" in schools_table and "通羊镇中心小学" not in schools_table
    admin = client_for(county.users["admin"])
    response = admin.get(f"/admissions/catchments/school/{county.school_a1.pk}/", {"year": 2024, "format": "xlsx"})
    rows = xlsx_rows(response)
    assert rows[0][:2] == ["序号", "姓名"] and [r[1] for r in rows[1:]] == ["张三丰", "赵思飞"]


def test_id_numbers_on_the_list_are_masked_for_the_leader(county):
    response = client_for(county.users["leader"]).get(
        f"/admissions/catchments/school/{county.school_a1.pk}/", {"year": 2024}
    )
    child = county.population["张三丰"]
    assert child.id_number not in response.content.decode()
    assert child.id_number[:6] in response.content.decode()


def test_plan_page_query_count_does_not_grow_with_zones(county):
    client = client_for(county.users["admin"])

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(PLAN, {"year": 2024}).status_code == 200
        return len(ctx)

    before = queries()
    for i in range(5):
        village = make_division(f"42122410000{i + 2}"[:12].ljust(12, "0"), f"新村{i}", "village", county.township_a)
        zone = CatchmentZone.objects.create(
            school_year=county.year, name=f"新片区{i}", township=county.township_a, primary_school=county.school_a1
        )
        zone.villages.add(village)
    assert queries() <= before + 1


def test_zone_form_rejects_villages_of_another_township_or_zone(county):
    data = {
        "school_year": county.year.pk,
        "name": "新片区",
        "township": county.township_a.pk,
        "villages": [county.village_b.pk],
        "primary_school": county.school_a1.pk,
    }
    form = CatchmentZoneForm(data=data, user=county.users["admin"])
    assert not form.is_valid()
    errors = " ".join(form.errors["villages"])
    assert "不属于所选乡镇：石门村" in errors
    assert "已划入其他片区：石门村（南林桥片区）" in errors


@pytest.mark.parametrize("field", ["primary_school", "junior_school"])
def test_zone_schools_must_take_the_entry_grade(county, field):
    wrong = county.school_a2 if field == "primary_school" else county.school_a1
    zone = CatchmentZone(school_year=county.year, name="错配", township=county.township_a, **{field: wrong})
    with pytest.raises(ValidationError) as error:
        zone.full_clean()
    assert "不招收" in str(error.value.message_dict[field])
