"""One more row of an inspections model inside the small county, for tests/test_pages.py's query-count test."""

import datetime as dt

from emis.core.access import Role
from emis.testing import make_school

DAY = dt.date(2021, 9, 30)


def _campaign(county):
    from emis.inspections.models import Campaign
    from emis.inspections.services import campaign_create, template_publish

    from .conftest import SECTIONS

    found = Campaign.objects.filter(name="增长检查").first()
    if found is not None:
        return found
    admin = county.users[Role.ADMIN]
    version = template_publish(code="grow", name="增长检查表", purpose="special", sections=SECTIONS, acting_user=admin)
    return campaign_create(
        name="增长检查", kind="special", version=version, targets=[], starts_on=DAY, ends_on=DAY, acting_user=admin
    )


def grow(model, county, i: int) -> None:
    from emis.inspections.models import Campaign, Finding, Inspection, Target, Template
    from emis.inspections.services import inspection_sign_off, inspection_submit, targets_add, template_publish

    from .conftest import GOOD, SECTIONS, jpeg

    admin = county.users[Role.ADMIN]
    if model is Template:
        template_publish(code=f"grow-{i}", name=f"检查表{i}", purpose="special", sections=SECTIONS, acting_user=admin)
    elif model is Campaign:
        campaign = _campaign(county)
        from emis.inspections.services import campaign_create

        campaign_create(
            name=f"检查{i}",
            kind="special",
            version=campaign.version,
            targets=[],
            starts_on=DAY,
            ends_on=DAY,
            acting_user=admin,
        )
    elif model in (Target, Inspection, Finding):
        school = make_school(f"21424{10000 + i:05d}", f"检查学校{i}", "primary", county.township_b)
        (target,) = targets_add(campaign=_campaign(county), targets=[school], acting_user=admin)
        if model is Target:
            return
        inspection = inspection_submit(
            target=target,
            answers=GOOD | ({"1.1": "no"} if model is Finding else {}),
            photos={"2.2": [jpeg()]},
            client_token=f"grow-{i}",
            inspected_on=DAY,
            acting_user=admin,
            today=DAY,
        )
        if model is Finding:
            inspection_sign_off(inspection=inspection, acting_user=admin, today=DAY)
    else:
        raise AssertionError(f"no way to add rows of {model.__name__}")
