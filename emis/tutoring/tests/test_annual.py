"""年检 on the inspection engine: the institution target kind, the 校外培训机构年检 checklist and its results
(合格 / 基本合格 / 不合格), a failing institution's findings in one rectification case, closing the case closing the
findings; and the 民办学校年检 over private schools, whose findings go into a 整改通知书."""

import datetime as dt

import pytest

from emis.core.access import Role
from emis.inspections.models import Finding, Inspection
from emis.inspections.selectors import inspections_of
from emis.inspections.services import campaign_create, inspection_sign_off, inspection_submit
from emis.inspections.targets import target_kind
from emis.testing import make_school
from emis.tutoring import annual, selectors, services
from emis.tutoring.annual import PRIVATE_SECTIONS, TUTORING_SECTIONS, passing_answers

pytestmark = pytest.mark.django_db

DAY = dt.date(2021, 11, 15)


@pytest.fixture
def admin(county):
    return county.users[Role.ADMIN]


def _campaign(version, targets, admin):
    return campaign_create(
        name="2021年度校外培训机构年检",
        kind="annual",
        version=version,
        targets=targets,
        starts_on=dt.date(2021, 11, 1),
        ends_on=dt.date(2021, 12, 15),
        acting_user=admin,
    )


def _inspect(target, answers, admin, token):
    inspection = inspection_submit(
        target=target, answers=answers, client_token=token, inspected_on=DAY, acting_user=admin, today=DAY
    )
    return inspection_sign_off(inspection=inspection, acting_user=admin, today=DAY)


def test_the_institution_kind_is_registered(county, institutions):
    kind = target_kind("institution")
    assert kind is not None and kind.model is type(institutions["A"])
    assert kind.division_code_of(institutions["B"]) == institutions["B"].township.code
    assert kind.url_of(institutions["A"]) == institutions["A"].get_absolute_url()
    institutions["B"].status = "closed"
    institutions["B"].save()
    # A campaign takes the institutions not 注销 in the user's scope.
    assert list(kind.queryset_for(county.users[Role.ADMIN])) == [institutions["A"]]
    assert list(kind.queryset_for(county.users[Role.TOWNSHIP])) == [institutions["A"]]
    assert list(kind.queryset_for(county.users[Role.SCHOOL])) == []


def test_annual_results_and_a_failing_institutions_rectification(institutions, admin):
    version, _private = annual.publish_templates(admin)
    again, _private = annual.publish_templates(admin)
    assert again.pk == version.pk  # unchanged content: no new version
    a, b = institutions["A"], institutions["B"]
    campaign = _campaign(version, [a, b], admin)
    targets = {t.subject_id: t for t in campaign.targets.all()}

    passed = _inspect(targets[b.pk], passing_answers(TUTORING_SECTIONS, b), admin, "t-b")
    assert (passed.result, passed.score, passed.rectify_case_id) == ("pass", 100, None)

    answers = passing_answers(TUTORING_SECTIONS, a) | {"B1": "no", "D1": "no"}  # no fire approval: 一票否决
    failed = _inspect(targets[a.pk], answers, admin, "t-a")
    assert failed.result == "fail"
    case = failed.rectify_case
    assert case.workflow == "tutoring_rectification" and case.state == "ordered"
    assert case.subject_id == a.pk and case.division_code == a.township.code
    assert len(case.data["findings"]) == 2
    assert case.due_on == DAY + dt.timedelta(days=10)  # the worst severity is 严重: 10 calendar days
    findings = Finding.objects.filter(inspection=failed)
    assert findings.count() == 2 and findings.open().count() == 2

    # The same inspection sent twice creates one.
    assert (
        inspection_submit(
            target=targets[a.pk], answers=answers, client_token="t-a", inspected_on=DAY, acting_user=admin, today=DAY
        ).pk
        == failed.pk
    )

    case = services.rectification_step(case=case, transition="report", acting_user=admin, comment="已取得消防备案。")
    assert findings.open().count() == 2
    services.rectification_step(case=case, transition="pass", acting_user=admin)
    assert findings.open().count() == 0

    history = list(inspections_of(a, admin))
    assert [i.pk for i in history] == [failed.pk]
    assert [row["inspection"].pk for row in selectors.inspections_of(a, admin)] == [failed.pk]
    results = {(row["result"], row["count"]) for row in selectors.annual_results(admin)}
    assert results == {("pass", 1), ("fail", 1)}


def test_a_township_sees_only_its_institutions_inspections(county, institutions, admin):
    version, _private = annual.publish_templates(admin)
    campaign = _campaign(version, [institutions["A"], institutions["B"]], admin)
    for target in campaign.targets.all():
        _inspect(target, passing_answers(TUTORING_SECTIONS), admin, f"t-{target.pk}")
    township = county.users[Role.TOWNSHIP]  # township A
    assert Inspection.objects.for_user(township).count() == 1
    assert list(selectors.inspections_of(institutions["B"], township)) == []
    assert Inspection.objects.for_user(county.users[Role.SCHOOL]).count() == 0


def test_a_private_schools_findings_become_a_notice(county, admin):
    private = make_school("2142000901", "通羊镇启明民办小学", "primary", county.township_a, ownership="private")
    _tutoring, version = annual.publish_templates(admin)
    campaign = campaign_create(
        name="2021年度民办学校年检",
        kind="annual",
        version=version,
        targets=[private],
        starts_on=dt.date(2021, 11, 1),
        ends_on=dt.date(2021, 12, 31),
        acting_user=admin,
    )
    answers = passing_answers(PRIVATE_SECTIONS) | {"P8": "no", "P9": "90"}
    inspection = _inspect(campaign.targets.get(), answers, admin, "p-1")
    assert (inspection.result, str(inspection.score)) == ("pass", "86.7")  # 39 of 45 points
    assert inspection.notice is not None and inspection.notice.items.count() == 2
    results = selectors.annual_results(admin, private_schools=True)
    assert [(r["campaign"], r["label"], r["count"]) for r in results] == [("2021年度民办学校年检", "合格", 1)]
    assert selectors.annual_results(admin) == []
