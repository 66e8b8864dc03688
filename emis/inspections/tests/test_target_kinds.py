"""A registered kind of target (here a stand-in: villages, orgs.Division rows): campaigns accept its rows, an
inspector's scope applies by division, and sign-off hands the findings to the kind's ``rectify``, whose case closes
them."""

import datetime as dt

import pytest

from emis.core.access import Role
from emis.core.writes import Refused
from emis.inspections import selectors, services, targets
from emis.inspections.models import Finding
from emis.work.services import case_open, case_transition

from .conftest import DAY, SECTIONS, jpeg

pytestmark = pytest.mark.django_db


def _rectify(inspection, findings, acting_user):
    return case_open(
        workflow="rectification",
        title=f"{inspection.target.name}整改",
        division_code=inspection.target.division_code,
        acting_user=acting_user,
        values={"days": 10},
        today=DAY,
    )


@pytest.fixture
def village_kind():
    from emis.orgs.models import Division

    kind = targets.register_target_kind(
        targets.TargetKind(
            code="village_test",
            label="村（测试）",
            model=Division,
            division_code_of=lambda obj: obj.code,
            name_of=lambda obj: obj.name,
            rectify=_rectify,
            url_of=lambda obj: "",
        )
    )
    yield kind
    targets._KINDS.pop("village_test", None)


def test_a_registered_kind_is_inspected_and_its_findings_closed_by_its_case(county, section, village_kind):
    version = services.template_publish(
        code="village",
        name="村检查表",
        purpose="special",
        target_kind="village_test",
        sections=SECTIONS,
        acting_user=section,
    )
    with pytest.raises(Refused):  # a school is not this template's kind
        services.campaign_create(
            name="x",
            kind="special",
            version=version,
            targets=[county.school_a1],
            starts_on=DAY,
            ends_on=DAY,
            acting_user=section,
        )
    campaign = services.campaign_create(
        name="村级检查",
        kind="special",
        version=version,
        targets=[county.village_a, county.village_b],
        starts_on=DAY,
        ends_on=DAY,
        acting_user=section,
    )
    target = campaign.targets.get(subject_id=county.village_a.pk)
    assert target.kind == "village_test" and target.division_code == "421224100001" and target.name == "城东社区"
    # the township (通羊镇) reaches its village's target; the inspector (schools only) none
    assert selectors.targets_of(campaign, county.users[Role.TOWNSHIP]).count() == 1
    assert selectors.targets_of(campaign, county.users[Role.INSPECTOR]).count() == 0
    inspection = services.inspection_submit(
        target=target,
        answers={"1.1": "no", "1.2": "20", "1.3": "yes", "2.1": "full"},
        photos={"2.2": [jpeg()]},
        client_token="village",
        inspected_on=dt.date(2021, 9, 10),
        acting_user=county.users[Role.TOWNSHIP],
        today=DAY,
    )
    inspection = services.inspection_sign_off(inspection=inspection, acting_user=section, today=DAY)
    assert inspection.notice is None and inspection.rectify_case is not None
    assert Finding.objects.open().count() == 1 and Finding.objects.get().case == inspection.rectify_case
    assert list(selectors.inspections_of(county.village_a, section)) == [inspection]
    case_transition(
        case=inspection.rectify_case, transition="withdraw", acting_user=section, values={"reason": "已整改"}, today=DAY
    )
    assert Finding.objects.open().count() == 0


def test_the_campaign_page_takes_every_row_of_the_kind(county, section, village_kind):
    from django.test import Client
    from django.urls import reverse

    from emis.orgs.models import Division

    targets._KINDS["village_test"] = targets.TargetKind(
        **{**village_kind.__dict__, "queryset_for": lambda user: Division.objects.filter(level="village")}
    )
    version = services.template_publish(
        code="village",
        name="村检查表",
        purpose="special",
        target_kind="village_test",
        sections=SECTIONS,
        acting_user=section,
    )
    client = Client()
    client.force_login(section)
    response = client.post(
        reverse("inspections:campaign_new"),
        {
            "name": "村级检查",
            "kind": "special",
            "version": version.pk,
            "starts_on": "2021-09-01",
            "ends_on": "2021-09-30",
            "townships": [county.township_b.pk],
        },
    )
    assert response.status_code == 302
    assert list(version.campaigns.get().targets.values_list("name", flat=True)) == ["石门村"]
