"""The monthly report on the work engine: opened by the county, reported by the school, checked by the township,
confirmed by the county; refusals (role, level, missing reason); a missing report overdue through its clock."""

import datetime as dt
from decimal import Decimal

import pytest

from emis.core.access import Role
from emis.core.writes import Refused
from emis.meals import services
from emis.meals.models import MonthlyReport
from emis.work.deadlines import sweep
from emis.work.services import TransitionRefused

from .conftest import month

pytestmark = pytest.mark.django_db

OCT = month(2024, 10)
OPENED = dt.date(2024, 11, 1)


def open_october(county, desk):
    return {r.school_id: r for r in services.reports_open(month=OCT, acting_user=desk, today=OPENED)}


def test_the_county_opens_one_report_per_participating_school_with_the_expected_figures(programme, desk):
    reports = open_october(programme, desk)
    assert set(reports) == {programme.school_a1.pk, programme.school_a2.pk, programme.school_b1.pk}
    a1 = reports[programme.school_a1.pk]
    assert (a1.expected_beneficiaries, a1.expected_days, a1.expected_amount) == (2, 20, Decimal("160.00"))
    assert a1.case.state == "due" and a1.case.workflow == "meals_monthly_report"
    assert a1.case.due_on == dt.date(2024, 11, 8)  # 5 working days
    # Opening again adds nothing.
    assert services.reports_open(month=OCT, acting_user=desk, today=OPENED) == []
    # Only the county opens the month.
    with pytest.raises(Refused):
        services.reports_open(month=month(2024, 11), acting_user=programme.users[Role.TOWNSHIP], today=OPENED)
    assert not MonthlyReport.objects.filter(month=month(2024, 11)).exists()


def test_report_check_send_back_and_confirm(programme, desk):
    report = open_october(programme, desk)[programme.school_a1.pk]
    school, township = programme.users[Role.SCHOOL], programme.users[Role.TOWNSHIP]
    with pytest.raises(TransitionRefused):  # a township is not the school
        services.report_submit(report=report, beneficiaries=2, days=20, amount="160", acting_user=township)
    report = services.report_submit(
        report=report, beneficiaries=3, days=20, amount="240.00", acting_user=school, today=dt.date(2024, 11, 5)
    )
    assert report.case.state == "reported"
    assert report.differences == {"beneficiaries": 1, "days": 0, "amount": Decimal("80.00")}
    assert report.case.data["beneficiaries"] == 3
    with pytest.raises(TransitionRefused):  # the school cannot check its own report
        services.report_step(report=report, transition="check", acting_user=school)
    with pytest.raises(TransitionRefused):  # 退回 needs its reason
        services.report_step(report=report, transition="send_back", acting_user=township)
    report = services.report_step(
        report=report,
        transition="send_back",
        acting_user=township,
        comment="人数与学籍不符",
        today=dt.date(2024, 11, 6),
    )
    assert report.case.state == "due" and report.case.due_on == dt.date(2024, 11, 13)  # the clock restarted
    report = services.report_submit(report=report, beneficiaries=2, days=20, amount="160", acting_user=school)
    assert report.differences == {"beneficiaries": 0, "days": 0, "amount": Decimal("0.00")}
    with pytest.raises(TransitionRefused):  # the county confirms only after the township's check
        services.report_step(report=report, transition="confirm", acting_user=desk)
    report = services.report_step(report=report, transition="check", acting_user=township)
    with pytest.raises(TransitionRefused):  # a township does not confirm for the county
        services.report_step(report=report, transition="confirm", acting_user=township)
    report = services.report_step(report=report, transition="confirm", acting_user=desk)
    assert report.case.state == "confirmed" and report.case.closed_at is not None
    steps = list(report.case.steps.order_by("id").values_list("transition", flat=True))
    assert steps == ["open", "report", "send_back", "report", "check", "confirm"]


def test_bad_figures_are_refused_and_nothing_moves(programme, desk):
    report = open_october(programme, desk)[programme.school_a1.pk]
    school = programme.users[Role.SCHOOL]
    for values in ({"beneficiaries": -1, "days": 20, "amount": 1}, {"beneficiaries": 1, "days": 40, "amount": 1}):
        with pytest.raises(Refused):
            services.report_submit(report=report, acting_user=school, **values)
    report.case.refresh_from_db()
    assert report.case.state == "due"


def test_a_missing_report_becomes_overdue_and_a_school_sees_only_its_own(programme, desk):
    reports = open_october(programme, desk)
    services.report_submit(
        report=reports[programme.school_a1.pk],
        beneficiaries=2,
        days=20,
        amount="160",
        acting_user=programme.users[Role.SCHOOL],
        today=dt.date(2024, 11, 4),
    )
    sweep(today=dt.date(2024, 11, 12))
    states = {r.school_id: (r.case.state, r.case.urgency) for r in MonthlyReport.objects.select_related("case").all()}
    assert states[programme.school_b1.pk] == ("due", "overdue")
    assert states[programme.school_a1.pk][0] == "reported" and states[programme.school_a1.pk][1] != "overdue"
    visible = set(MonthlyReport.objects.for_user(programme.users[Role.SCHOOL]).values_list("school_id", flat=True))
    assert visible == {programme.school_a1.pk}
    township = set(MonthlyReport.objects.for_user(programme.users[Role.TOWNSHIP]).values_list("school_id", flat=True))
    assert township == {programme.school_a1.pk, programme.school_a2.pk}


def test_a_standard_is_added_never_edited(programme):
    from emis.meals.models import DailyStandard

    standard = DailyStandard.objects.get(effective_from=dt.date(2014, 11, 1))
    standard.amount = Decimal("5.00")
    with pytest.raises(Refused):
        services.standard_save(standard=standard)
    with pytest.raises(Refused):
        services.standard_delete(standard=standard, today=dt.date(2024, 1, 1))
    new = services.standard_save(standard=DailyStandard(effective_from=dt.date(2030, 9, 1), amount=Decimal("6.00")))
    services.standard_delete(standard=new, today=dt.date(2024, 1, 1))  # not yet in force: a mistake may go


def test_participations_of_a_school_do_not_overlap(programme):
    from emis.meals.models import Participation

    with pytest.raises(Refused):
        services.participation_save(
            participation=Participation(school=programme.school_a1, scheme="national", start_date=dt.date(2024, 1, 1))
        )
    Participation.objects.filter(school=programme.school_a1).update(end_date=dt.date(2023, 12, 31))
    services.participation_save(
        participation=Participation(school=programme.school_a1, scheme="national", start_date=dt.date(2024, 1, 1))
    )
