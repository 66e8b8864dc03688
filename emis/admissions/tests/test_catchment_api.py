"""Finding 14 of issue 10: `POST /api/catchment-zones/` with villages answered 500 (the serializer assigned the
many-to-many to the unsaved row). Zones are written with their villages now, under the form's rules."""

from __future__ import annotations

import pytest
from django.test import Client

from emis.admissions.apps import DOMAIN as ADMISSIONS_DOMAIN
from emis.admissions.models import CatchmentZone
from emis.core.access import Role
from emis.testing import api_token_for, make_division, make_user


@pytest.fixture
def zoner(county):
    user = make_user("zoner", Role.SECTION, divisions=[county.county], domains=[ADMISSIONS_DOMAIN])
    return Client(headers={"authorization": f"Token {api_token_for(user)}"})


def zone_body(county, **overrides) -> dict:
    return {
        "school_year": county.year.pk,
        "name": "通羊城西片区",
        "township": county.township_a.pk,
        "villages": [],
        "primary_school": county.school_a1.pk,
        **overrides,
    }


def test_a_zone_is_created_and_changed_with_its_villages(county, zoner):
    village = make_division("421224100002", "城西社区", "village", county.township_a)
    response = zoner.post("/api/catchment-zones/", zone_body(county, villages=[village.pk]), "application/json")
    assert response.status_code == 201, response.content
    zone = CatchmentZone.objects.get(pk=response.json()["id"])
    assert list(zone.villages.all()) == [village]
    assert response.json()["villages"] == [village.pk]
    other = make_division("421224100003", "城南社区", "village", county.township_a)
    response = zoner.patch(f"/api/catchment-zones/{zone.pk}/", {"villages": [other.pk]}, "application/json")
    assert response.status_code == 200, response.content
    assert list(zone.villages.all()) == [other]


def test_the_api_keeps_the_forms_village_rules(county, zoner):
    # A village of another township, and one already in another zone this year, are refused with the reason.
    response = zoner.post(
        "/api/catchment-zones/", zone_body(county, villages=[county.village_b.pk]), "application/json"
    )
    assert response.status_code == 400
    assert "不属于所选乡镇" in " ".join(response.json()["villages"])
    response = zoner.post(
        "/api/catchment-zones/", zone_body(county, villages=[county.village_a.pk]), "application/json"
    )
    assert response.status_code == 400
    assert "已划入其他片区" in " ".join(response.json()["villages"])
    # A township is no village.
    response = zoner.post(
        "/api/catchment-zones/", zone_body(county, villages=[county.township_a.pk]), "application/json"
    )
    assert response.status_code == 400
    assert not CatchmentZone.objects.filter(name="通羊城西片区").exists()


def test_a_school_cannot_put_villages_outside_its_scope_into_a_zone(county):
    # The school administrator of A1 may not even name a village of another township.
    client = Client(headers={"authorization": f"Token {county.tokens[Role.SCHOOL]}"})
    body = zone_body(county, villages=[county.village_b.pk])
    response = client.post("/api/catchment-zones/", body, "application/json")
    assert response.status_code in (400, 403, 404)
    assert not CatchmentZone.objects.filter(name="通羊城西片区").exists()
