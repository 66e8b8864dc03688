"""The demo county's inspections (contributed through the demo's hook): the real 开学工作检查表 and a campaign of
通山县 with inspections signed off and waiting, findings in notices (one overdue), computed by the selectors."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(tongshan):
    """What `load_demo tongshan` printed (the package's one load)."""
    return tongshan.output


def test_the_demo_campaign(demo):
    from emis.accounts.models import User
    from emis.inspections import selectors
    from emis.inspections.demo import PLAN
    from emis.inspections.models import Campaign, Finding, Template

    assert "inspections" in demo
    template = Template.objects.get(code="opening-check")
    assert template.versions.count() == 1 and template.versions.get().sections.count() == 5
    campaign = Campaign.objects.get(version__template__code="opening-check")
    section = User.objects.get(username="section")
    progress = selectors.campaign_progress(campaign, section)
    signed = sum(1 for _c, sign, _b in PLAN if sign)
    assert progress["total"] == 12 and progress["inspected"] == len(PLAN) and progress["signed"] == signed
    assert progress["passed"] == 2 and progress["fair"] == 2 and progress["failed"] == 2
    assert progress["findings"] == 16 and progress["open_findings"] == 16
    assert progress["overdue"] >= 1
    assert Finding.objects.filter(inspection__target__campaign=campaign, notice_item__isnull=False).count() == 16
    inspector = User.objects.get(username="inspector")
    assert selectors.campaigns_for(inspector).filter(pk=campaign.pk).exists()
    mine = campaign.targets.filter(inspectors=inspector, school__in=inspector.schools.all())
    assert mine.exists() and mine.filter(inspection__isnull=False).exists()
