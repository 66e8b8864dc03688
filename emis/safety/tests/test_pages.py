"""The pages: a school sees only its own rows (another school's bus answers 404), the county table and the
dashboard render within a constant number of queries, and the exports are workbooks."""

import pytest
from django.urls import reverse

from emis.core.access import Role

from .conftest import setup_buildings, setup_compliance, setup_fleet

pytestmark = pytest.mark.django_db


def test_another_schools_bus_answers_404(county, client):
    fleet = setup_fleet(county)
    client.force_login(county.users[Role.SCHOOL])  # school A1's account
    assert client.get(reverse("safety:bus_detail", args=[fleet["bus"].pk])).status_code == 200
    assert client.get(reverse("safety:bus_detail", args=[fleet["other"].pk])).status_code == 404
    listed = client.get(reverse("safety:bus_list")).content.decode()
    assert "鄂L·A0001" in listed and "鄂L·B0001" not in listed


def test_the_county_table_shows_the_percentages(county, client):
    setup_compliance(county)
    client.force_login(county.users[Role.ADMIN])
    page = client.get(reverse("safety:compliance"), {"on": "2024-12-31"}).content.decode()
    assert "33.3%" in page and "66.7%" in page
    export = client.get(reverse("safety:compliance_export"), {"on": "2024-12-31"})
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")


@pytest.mark.parametrize("name", ["safety:dashboard", "safety:compliance", "safety:figures"])
def test_pages_take_a_constant_number_of_queries(county, client, django_assert_max_num_queries, name):
    setup_compliance(county)
    setup_buildings(county)
    setup_fleet(county)
    client.force_login(county.users[Role.ADMIN])
    with django_assert_max_num_queries(40):
        assert client.get(reverse(name)).status_code == 200


def test_a_building_graded_d_shows_stop_use(county, client):
    buildings = setup_buildings(county)
    client.force_login(county.users[Role.ADMIN])
    page = client.get(reverse("safety:building_detail", args=[buildings["W"].pk])).content.decode()
    assert "危险部位停止使用" in page


def test_the_county_table_searches_by_school_name(county, client):
    setup_compliance(county)
    client.force_login(county.users[Role.ADMIN])
    page = client.get(reverse("safety:compliance"), {"on": "2024-12-31", "q": county.school_a2.name}).content.decode()
    assert county.school_a2.name in page and county.school_b1.name not in page


def test_a_guard_without_licence_is_saved_with_a_warning(county, client):
    client.force_login(county.users[Role.SCHOOL])
    response = client.post(
        reverse("safety:guard_add"),
        {
            "school": county.school_a1.pk,
            "name": "赵保安",
            "full_time": "on",
            "funding": "county",
            "started_on": "2024-09-01",
        },
        follow=True,
    )
    assert "不计入专职保安员配备" in response.content.decode()
