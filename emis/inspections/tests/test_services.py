"""The engine's services: publishing (versions), campaigns, idempotent submit, sign-off with one 整改 notice."""

import datetime as dt
from decimal import Decimal

import pytest

from emis.core.access import Role
from emis.core.writes import Refused
from emis.inspections import services
from emis.inspections.models import Answer, Finding, Inspection, Template
from emis.rectification import services as rectification
from emis.work.services import TransitionRefused

from .conftest import DAY, GOOD, SECTIONS, jpeg, target_of

pytestmark = pytest.mark.django_db


def submit(campaign, school, user, answers=None, token="t-1", photos=None):
    return services.inspection_submit(
        target=target_of(campaign, school),
        answers=answers if answers is not None else GOOD,
        photos=photos if photos is not None else {"2.2": [jpeg()]},
        notes={},
        client_token=token,
        inspected_on=dt.date(2021, 9, 10),
        acting_user=user,
        today=DAY,
    )


def test_publishing_the_same_content_keeps_the_version_and_a_change_makes_a_new_one(county, section, version):
    assert version.number == 1
    again = services.template_publish(
        code="opening",
        name="秋季开学工作检查表（修订）",
        purpose="opening",
        applies_to=["primary", "junior"],
        sections=SECTIONS,
        pass_score=60,
        good_score=85,
        acting_user=section,
    )
    assert again.pk == version.pk
    assert Template.objects.get(code="opening").name == "秋季开学工作检查表（修订）"
    changed = [dict(SECTIONS[0]), SECTIONS[1]]
    changed[0] = {"title": "校园安全", "items": [*SECTIONS[0]["items"], {"code": "1.4", "text": "有一键报警"}]}
    new = services.template_publish(
        code="opening", name="x", purpose="opening", sections=changed, pass_score=60, good_score=85, acting_user=section
    )
    assert new.number == 2 and new.template_id == version.template_id
    assert version.sections.get(order=1).items.count() == 3
    assert new.sections.get(order=1).items.count() == 4


def test_an_old_inspection_keeps_its_version(county, section, campaign, version):
    inspector = county.users[Role.INSPECTOR]
    inspection = submit(campaign, county.school_a2, inspector)
    services.template_publish(code="opening", name="x", purpose="opening", sections=SECTIONS[:1], acting_user=section)
    inspection.refresh_from_db()
    assert inspection.version == version and inspection.answers.count() == 6


def test_only_the_domain_may_publish(county):
    with pytest.raises(Refused):
        services.template_publish(
            code="x", name="x", purpose="opening", sections=SECTIONS, acting_user=county.users[Role.INSPECTOR]
        )


def test_bad_content_is_refused(county, section):
    with pytest.raises(Refused):
        services.template_publish(code="x", name="x", purpose="opening", sections=[], acting_user=section)
    with pytest.raises(Refused):
        services.template_publish(
            code="x",
            name="x",
            purpose="opening",
            sections=[{"title": "a", "items": [{"code": "1", "text": "t", "kind": "choice"}]}],
            acting_user=section,
        )


def test_campaign_checks_categories_and_scope(county, section, version):
    with pytest.raises(Refused):
        services.campaign_create(
            name="x",
            kind="opening",
            version=version,
            targets=[county.teaching_point],
            starts_on=DAY,
            ends_on=DAY,
            acting_user=section,
        )


def test_the_campaign_has_its_targets_and_inspectors(county, campaign):
    assert campaign.county_code == "421224"
    assert campaign.targets.count() == 3
    assert set(campaign.targets.values_list("division_code", flat=True)) == {"421224100", "421224101"}
    assert campaign.targets.first().inspectors.count() == 1


def test_submitting_twice_with_the_same_token_makes_one(county, campaign):
    inspector = county.users[Role.INSPECTOR]
    first = submit(campaign, county.school_a2, inspector)
    second = submit(campaign, county.school_a2, inspector)
    assert first.pk == second.pk
    assert Inspection.objects.count() == 1 and Answer.objects.filter(inspection=first).count() == 6
    assert first.case.workflow == "inspection" and first.case.state == "submitted"
    with pytest.raises(Refused):
        submit(campaign, county.school_a2, inspector, token="t-2")


def test_an_inspector_fills_only_their_schools(county, campaign):
    with pytest.raises(TransitionRefused):
        submit(campaign, county.school_a1, county.users[Role.INSPECTOR])


def test_a_school_fills_only_a_self_check(county, campaign):
    with pytest.raises(TransitionRefused):
        submit(campaign, county.school_a1, county.users[Role.SCHOOL])


def test_required_answers_and_photos(county, campaign):
    inspector = county.users[Role.INSPECTOR]
    with pytest.raises(Refused, match="监控"):
        submit(campaign, county.school_a2, inspector, answers=GOOD | {"1.2": ""})
    with pytest.raises(Refused, match="拍照"):
        submit(campaign, county.school_a2, inspector, photos={})
    with pytest.raises(Refused):
        submit(campaign, county.school_a2, inspector, answers=GOOD | {"2.1": "maybe"})
    assert not Inspection.objects.exists()


def test_sign_off_without_failures_passes_and_opens_no_notice(county, section, campaign):
    inspection = submit(campaign, county.school_a2, county.users[Role.INSPECTOR])
    inspection = services.inspection_sign_off(inspection=inspection, acting_user=section, today=DAY)
    assert inspection.case.state == "signed"
    assert inspection.score == Decimal("100.0") and inspection.result == "pass"
    assert inspection.notice is None and not Finding.objects.exists()


def test_sign_off_scores_and_opens_one_notice_by_the_worst_severity(county, section, campaign):
    answers = GOOD | {"1.1": "no", "1.2": "12", "2.1": "partial"}
    inspection = submit(campaign, county.school_a2, county.users[Role.INSPECTOR], answers=answers)
    inspection = services.inspection_sign_off(inspection=inspection, acting_user=section, today=DAY)
    # judged weights 2+2+1+1 = 6; passed 1.3 only (1) → 16.7 → 不合格
    assert inspection.score == Decimal("16.7") and inspection.result == "fail"
    findings = list(inspection.findings.order_by("id"))
    assert [f.item.code for f in findings] == ["1.1", "1.2", "2.1"]
    assert {f.severity for f in findings} == {"serious", "general"}
    notice = inspection.notice
    assert notice is not None and notice.items.count() == 3
    assert notice.days == 10 and notice.case.state == "issued"  # worst: 较重 → 10 working days
    assert notice.case.due_on == dt.date(2021, 10, 20)
    assert Finding.objects.open().count() == 3


def test_a_failed_critical_item_fails_whatever_the_score(county, section, campaign):
    answers = GOOD | {"1.3": "no"}
    inspection = submit(campaign, county.school_a2, county.users[Role.INSPECTOR], answers=answers)
    inspection = services.inspection_sign_off(inspection=inspection, acting_user=section, today=DAY)
    assert inspection.score == Decimal("83.3") and inspection.result == "fail"
    assert inspection.notice.days == 5 and inspection.notice.severity == "critical"


def test_accepting_the_notice_closes_the_findings(county, section, campaign):
    school_user = county.users[Role.SCHOOL]
    # school A1 is the school account's: its inspection by the section itself
    answers = GOOD | {"1.1": "no", "2.1": "none"}
    inspection = submit(campaign, county.school_a1, section, answers=answers)
    inspection = services.inspection_sign_off(inspection=inspection, acting_user=section, today=DAY)
    notice = rectification.notice_step(
        notice=inspection.notice, transition="receive", acting_user=school_user, today=DAY
    )
    items = list(notice.items.order_by("number"))
    answers = {i.pk: {"answer": "已整改", "photos": [jpeg(f"a{i.number}.jpg")]} for i in items}
    notice = rectification.notice_report(notice=notice, acting_user=school_user, answers=answers, today=DAY)
    verdicts = {items[0].pk: {"accepted": True}, items[1].pk: {"accepted": False, "note": "未见留样柜"}}
    notice = rectification.notice_verify(notice=notice, acting_user=section, verdicts=verdicts, today=DAY)
    assert Finding.objects.open().count() == 1 and Finding.objects.closed().count() == 1
    notice = rectification.notice_report(
        notice=notice,
        acting_user=school_user,
        answers={items[1].pk: {"answer": "已配备", "photos": [jpeg()]}},
        today=DAY,
    )
    notice = rectification.notice_verify(
        notice=notice, acting_user=section, verdicts={items[1].pk: {"accepted": True}}, today=DAY
    )
    assert notice.case.state == "accepted"
    assert Finding.objects.open().count() == 0
    assert not any(f.is_open for f in Finding.objects.select_related("notice_item", "case"))


def test_send_back_and_resubmit_updates_the_same_inspection(county, section, campaign):
    inspector = county.users[Role.INSPECTOR]
    inspection = submit(campaign, county.school_a2, inspector)
    services.inspection_send_back(inspection=inspection, acting_user=section, comment="照片不清晰", today=DAY)
    again = submit(campaign, county.school_a2, inspector, answers=GOOD | {"1.2": "30"}, token="t-2", photos={})
    assert again.pk == inspection.pk and again.case.state == "submitted"
    assert again.answers.get(item__code="1.2").value == "30"
    assert again.answers.get(item__code="2.2").photos.count() == 1


def test_inspectors_may_not_sign_off(county, campaign):
    inspector = county.users[Role.INSPECTOR]
    inspection = submit(campaign, county.school_a2, inspector)
    with pytest.raises(TransitionRefused):
        services.inspection_sign_off(inspection=inspection, acting_user=inspector, today=DAY)


def test_campaign_figures_against_a_hand_computed_fixture(county, section, campaign):
    from emis.inspections import selectors

    inspector = county.users[Role.INSPECTOR]
    # A2: all passed (100 → 合格); B1: 1.2 fails (4 of 6 weights → 66.7 → 基本合格) with one open finding;
    # A1: not inspected.
    a2 = submit(campaign, county.school_a2, inspector, token="a2")
    services.inspection_sign_off(inspection=a2, acting_user=section, today=DAY)
    b1 = submit(campaign, county.school_b1, inspector, token="b1", answers=GOOD | {"1.2": "8"})
    b1 = services.inspection_sign_off(inspection=b1, acting_user=section, today=DAY)
    assert b1.score == Decimal("66.7") and b1.result == "fair"
    progress = selectors.campaign_progress(campaign, section, today=dt.date(2021, 12, 1))
    assert progress["total"] == 3 and progress["inspected"] == 2 and progress["signed"] == 2
    assert progress["passed"] == 1 and progress["fair"] == 1 and progress["failed"] == 0
    assert progress["pass_rate"] == Decimal("50.0") and progress["qualified_rate"] == Decimal("100.0")
    assert progress["progress"] == Decimal("66.7")
    assert progress["open_findings"] == 1 and progress["overdue"] == 1
    assert selectors.open_findings_by_township(campaign, section) == [
        {"code": "421224101", "name": "南林桥镇", "count": 1}
    ]
    assert selectors.open_findings_by_section(campaign, section)[0]["count"] == 1
    # the inspector sees their two schools; the township (通羊镇) only A1 and A2
    assert selectors.campaign_progress(campaign, inspector)["total"] == 2
    assert selectors.campaign_progress(campaign, county.users[Role.TOWNSHIP])["open_findings"] == 0
    results = list(selectors.campaign_results(campaign, section))
    assert [r.open_count for r in results] == [0, 0, 1]
    history = list(selectors.inspections_of(county.school_b1, section))
    assert len(history) == 1 and history[0].open_count == 1
    assert list(selectors.inspections_of(county.school_b1, county.users[Role.SCHOOL])) == []
    assert selectors.campaigns_for(inspector).count() == 1
    assert selectors.campaigns_for(county.users[Role.SCHOOL]).count() == 1
