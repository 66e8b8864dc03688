"""The demo county's 教育督导 (contributed through the demo's hook): 3/12/12 督学 counted from the registry, the
demo inspector's 责任区 = its schools, the current term's visits with schools missing some, 24 kindergartens
assessed in 2019, 37 urban kindergartens with their notices followed to 验收, 22 monitoring pilot schools in 2021,
and the 五项管理 self-check with some schools not done."""

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db


def test_the_seed_figures_come_out_of_the_data(tongshan):
    from emis.accounts.models import User
    from emis.inspections.models import Campaign
    from emis.supervision import engine, selectors, terms
    from emis.supervision.models import Assignment, Inspector

    admin = tongshan.admin
    by_kind = {row["kind"]: row["count"] for row in selectors.inspectors_by_kind(admin)}
    assert by_kind == {"special": 3, "full_time": 12, "part_time": 12}
    account = User.objects.get(username="inspector")
    own = Inspector.objects.get(user=account)
    zone = set(Assignment.objects.filter(inspector=own, end_date__isnull=True).values_list("school_id", flat=True))
    assert zone and zone == set(account.schools.values_list("pk", flat=True))
    counts = selectors.assigned_school_counts(admin)
    assert max(counts.values()) <= 10

    year, term = terms.term_of(timezone.localdate())
    result = selectors.compliance(admin, year, term)
    assert result.schools and 0 < len(result.missing) < len(result.schools)

    kg = engine.campaign_summary(admin, engine.KG_ASSESSMENT, 2019)
    assert kg["targets"] == 24 and kg["signed"] == 24 and kg["average"] is not None
    assert kg["notices"] > 0 and kg["closed"] == kg["notices"]
    estate = engine.campaign_summary(admin, engine.KG_ESTATE, 2019)
    assert estate["targets"] == 37 and estate["notices"] == 37 and estate["closed"] == 37
    monitoring = Campaign.objects.get(version__template__code=engine.MONITORING)
    assert monitoring.targets.count() == 22 and monitoring.starts_on.year == 2021
    five = engine.five_summary(admin, year, term)
    assert 0 < five["done"] < five["schools"]
    print(tongshan.output.split("supervision")[-1][:400])
