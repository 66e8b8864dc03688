"""The demo county's 招生入学 (contributed by emis.admissions and emis.rounds through the demo's hook): a 划片 plan
with something for each of the page's warnings, a 中考 round in progress and a published one with appeals; every
page of the 招生入学 menu has rows for the 股室 account, and the school sees its own."""

import pytest
from django.test import Client
from django.urls import reverse

from emis.accounts.models import User
from emis.admissions.choices import EntryLevel
from emis.admissions.models import CatchmentException, CatchmentZone, EntryPlan
from emis.admissions.selectors import catchment_plan
from emis.orgs.models import SchoolYear
from emis.orgs.selectors import current_school_year
from emis.rounds.choices import AppealStatus, RoundStatus
from emis.rounds.models import AdmissionRound, Appeal, Applicant

pytestmark = pytest.mark.django_db


def test_a_catchment_plan_with_its_warnings_to_try(tongshan):
    year = current_school_year()
    assert CatchmentZone.objects.filter(school_year=year, township__code__startswith="421224").count() > 50
    assert EntryPlan.objects.filter(school_year=year).exists()
    assert CatchmentException.objects.filter(school_year=year).count() >= 3
    plan = catchment_plan(User.objects.get(username="section"), year, EntryLevel.PRIMARY)
    flags = " ".join(flag for row in plan.schools for flag in row.flags)
    assert "未填报招生计划" in flags and "大班额" in flags and "需求超出计划学位" in flags
    assert plan.unzoned > 0 and not plan.duplicate_villages
    # Next year's junior entry counts this year's 六年级.
    following = SchoolYear.objects.get(start_year=year.start_year + 1)
    following = catchment_plan(User.objects.get(username="section"), following, EntryLevel.JUNIOR)
    assert sum(row.entrants for row in following.schools) > 0


def test_a_round_in_progress_and_a_published_one_with_appeals(tongshan):
    rounds = {r.status: r for r in AdmissionRound.objects.filter(division_code="421224")}
    assert set(rounds) == {RoundStatus.PUBLISHED, RoundStatus.ALLOCATED}
    published, open_round = rounds[RoundStatus.PUBLISHED], rounds[RoundStatus.ALLOCATED]
    assert Applicant.objects.filter(round=published).exclude(result_school=None).exists()
    assert Applicant.objects.filter(round=published, result_school=None).exists()  # not everyone gets in
    assert Applicant.objects.filter(round=open_round).count() > 1000
    assert open_round.quota_allocations.exists()
    statuses = sorted(Appeal.objects.filter(applicant__round=published).values_list("case__state", flat=True))
    assert statuses == sorted([AppealStatus.UPHELD, AppealStatus.DISMISSED, AppealStatus.RECEIVED])


@pytest.mark.parametrize(
    "name",
    [
        "admissions:catchment_plan",
        "admissions:catchmentzone_list",
        "admissions:entryplan_list",
        "admissions:catchmentexception_list",
        "rounds:admissionround_list",
        "rounds:appeal_list",
    ],
)
def test_every_admissions_menu_entry_has_something_to_try(tongshan, name):
    client = Client()
    client.force_login(User.objects.get(username="section"))
    page = client.get(reverse(name))
    assert page.status_code == 200
    html = page.content.decode()
    assert "共 0 条" not in html and "本学年尚未划定片区或填报招生计划" not in html


def test_loading_again_adds_nothing(tongshan):
    from emis.demo import loader

    before = (CatchmentZone.objects.count(), AdmissionRound.objects.count(), Applicant.objects.count())
    loader.load_contributions(loader.TONGSHAN)
    assert (CatchmentZone.objects.count(), AdmissionRound.objects.count(), Applicant.objects.count()) == before
