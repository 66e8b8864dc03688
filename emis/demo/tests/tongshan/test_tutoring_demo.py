"""The demo county's 校外培训机构 and 民办学校 (contributed through the demo's hook): the seed's figures counted back
from the rows by the selectors — 48 institutions (12 学科类, all 营转非), the 2021 年检 with exactly 5 不合格 whose
rectification cases were closed 复查合格 (their findings closed, their notices numbered), 12 private schools inspected,
and one complaint overdue."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(tongshan):
    """What `load_demo tongshan` printed (the package's one load)."""
    return tongshan.output


def test_the_demo_figures(demo):
    from emis.accounts.models import User
    from emis.inspections.models import Finding, Inspection
    from emis.tutoring import selectors
    from emis.tutoring.annual import CAMPAIGN_NAME, PRIVATE_CAMPAIGN_NAME
    from emis.work.models import DocumentNumber

    assert "tutoring institutions 48" in demo
    section = User.objects.get(username="section")
    figures = selectors.summary(section)
    counts = figures["counts"]
    assert (counts["total"], counts["academic"], counts["non_academic"]) == (48, 12, 36)
    assert counts["converted"] == 12
    assert (counts["active"], counts["suspended"], counts["closed"]) == (44, 2, 2)
    assert figures["complaints"] == {"total": 5, "open": 2, "overdue": 1}
    assert figures["rectifications"] == {"total": 5, "open": 0, "overdue": 0, "passed": 5}

    results = {(r["campaign"], r["label"]): r["count"] for r in selectors.annual_results(section)}
    assert results == {(CAMPAIGN_NAME, "不合格"): 5, (CAMPAIGN_NAME, "合格"): 43}
    private = selectors.annual_results(section, private_schools=True)
    assert {r["campaign"] for r in private} == {PRIVATE_CAMPAIGN_NAME} and sum(r["count"] for r in private) == 12
    schools = Inspection.objects.filter(target__campaign__name=PRIVATE_CAMPAIGN_NAME)
    assert schools.filter(target__school__ownership="private").count() == 12

    failing = Finding.objects.filter(inspection__target__kind="institution")
    assert failing.count() > 5 and failing.open().count() == 0
    assert DocumentNumber.objects.filter(series="通教培整", year=2021).count() == 5

    # A township's account sees its own; a school's none.
    assert selectors.summary(User.objects.get(username="township"))["counts"]["total"] == 4
    assert selectors.summary(User.objects.get(username="school"))["counts"]["total"] == 0
