"""The registry's rules (预收费 3 months / 60 hours, 学科类 teachers' qualification, 营转非), the complaint's
deadline and overdue mark, and the rectification case of a failing institution, through the services."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import override_settings
from docx import Document as DocxDocument

from emis.core.access import Role
from emis.core.writes import Refused
from emis.tutoring import selectors, services
from emis.tutoring.models import Complaint, FeePlan, Institution, Teacher
from emis.tutoring.targets import rectify_days
from emis.work.deadlines import sweep
from emis.work.models import DocumentNumber
from emis.work.services import TransitionRefused

pytestmark = pytest.mark.django_db


def _plan(institution, *, hours=40, months="3"):
    return FeePlan(
        institution=institution,
        course="数学",
        price_per_hour=Decimal("40"),
        prepaid_hours=hours,
        prepaid_months=Decimal(months),
        effective_from=dt.date(2021, 12, 1),
    )


@pytest.mark.parametrize(
    ("hours", "months", "refused"),
    [(60, "3", False), (61, "3", True), (40, "3.5", True), (60, "2", False), (80, "4", True)],
)
def test_prepayment_is_at_most_three_months_or_sixty_hours(institutions, desk, hours, months, refused):
    plan = _plan(institutions["A"], hours=hours, months=months)
    if refused:
        with pytest.raises(Refused):
            services.fee_plan_save(plan=plan, acting_user=desk)
        assert not FeePlan.objects.filter(pk=plan.pk).exists() if plan.pk else True
    else:
        assert services.fee_plan_save(plan=plan, acting_user=desk).pk is not None


def test_the_prepayment_limits_are_settings(institutions, desk):
    with override_settings(EMIS_TUTORING_PREPAY_MONTHS=2, EMIS_TUTORING_PREPAY_HOURS=30):
        assert selectors.prepay_limits() == (Decimal("2"), 30)
        with pytest.raises(Refused) as refused:
            services.fee_plan_save(plan=_plan(institutions["A"], hours=40, months="3"), acting_user=desk)
        assert len(refused.value.messages) == 2
        assert "2个月" in refused.value.messages[0] and "30课时" in refused.value.messages[1]


def test_academic_teachers_need_a_certificate_and_serving_school_teachers_are_refused(institutions, desk):
    academic, other = institutions["A"], institutions["B"]
    with pytest.raises(Refused, match="教师资格证"):
        services.teacher_save(teacher=Teacher(institution=academic, name="王老师"), acting_user=desk)
    saved = services.teacher_save(
        teacher=Teacher(institution=academic, name="王老师", certificate="20184210099"), acting_user=desk
    )
    assert saved.pk
    # A 非学科类 institution's teacher may have another qualification instead.
    assert services.teacher_save(teacher=Teacher(institution=other, name="李老师"), acting_user=desk).pk
    with pytest.raises(Refused, match="在职中小学教师"):
        services.teacher_save(
            teacher=Teacher(institution=other, name="赵老师", certificate="1", in_service_teacher=True),
            acting_user=desk,
        )


def test_an_academic_institution_must_be_non_profit(county, desk):
    institution = Institution(
        name="营利学科类", township=county.township_a, kind="academic", legal_form="profit", address="通羊镇"
    )
    with pytest.raises(Refused, match="非营利"):
        services.institution_save(institution=institution, acting_user=desk)


def test_a_status_change_is_dated(institutions, desk):
    institution = institutions["A"]
    institution.status = "suspended"
    services.institution_save(institution=institution, acting_user=desk, today=dt.date(2022, 3, 1))
    institution.refresh_from_db()
    assert (institution.status, institution.status_since) == ("suspended", dt.date(2022, 3, 1))


def test_a_complaint_has_fifteen_working_days_and_turns_overdue(institutions, desk):
    received = dt.date(2024, 9, 23)  # a Monday; 国庆 1–7 October are not working days
    complaint = services.complaint_receive(
        institution=institutions["A"],
        received_on=received,
        channel="12345",
        complainant="张女士",
        content="一次收取一年学费。",
        acting_user=desk,
    )
    case = complaint.case
    assert case.workflow == "tutoring_complaint" and case.state == "received"
    assert case.division_code == institutions["A"].township.code
    # 15 working days after 23 September 2024: 24–27 Sept, the 调休 Sunday 29th, the 30th (6); 8–11 Oct (10), the
    # 调休 Saturday 12th (11), 14–17 Oct (15).
    assert case.due_on == dt.date(2024, 10, 17)
    sweep(today=dt.date(2024, 10, 17))
    case.refresh_from_db()
    assert case.urgency != "overdue"
    sweep(today=dt.date(2024, 10, 18))
    case.refresh_from_db()
    assert case.urgency == "overdue"
    overdue = Complaint.objects.filter(case__urgency="overdue", case__closed_at__isnull=True)
    assert list(overdue) == [complaint]
    services.complaint_step(complaint=complaint, transition="check", acting_user=desk, today=dt.date(2024, 10, 18))
    with pytest.raises(TransitionRefused):
        services.complaint_step(complaint=complaint, transition="conclude", acting_user=desk, result="")
    services.complaint_step(
        complaint=complaint, transition="conclude", acting_user=desk, result="已退费。", today=dt.date(2024, 10, 21)
    )
    complaint.refresh_from_db()
    assert complaint.result == "已退费。" and complaint.case.state == "done" and complaint.case.closed_at
    assert selectors.summary(desk)["complaints"] == {"open": 0, "overdue": 0, "total": 1}


def test_a_township_handles_its_own_institutions_complaints_only(county, institutions):
    township = county.users[Role.TOWNSHIP]
    complaint = services.complaint_receive(
        institution=institutions["A"],
        received_on=dt.date(2024, 10, 8),
        channel="phone",
        complainant="李先生",
        content="晚上九点后仍在上课。",
        acting_user=township,
    )
    assert complaint.case.state == "received"
    with pytest.raises(TransitionRefused):
        services.complaint_receive(
            institution=institutions["B"],
            received_on=dt.date(2024, 10, 8),
            channel="phone",
            complainant="李先生",
            content="不在本乡镇。",
            acting_user=township,
        )
    with pytest.raises(TransitionRefused):
        services.complaint_receive(
            institution=institutions["A"],
            received_on=dt.date(2024, 10, 8),
            channel="phone",
            complainant="李先生",
            content="学校账号不能受理。",
            acting_user=county.users[Role.SCHOOL],
        )


def test_a_rectification_runs_to_its_recheck(institutions, desk):
    institution = institutions["A"]
    case = services.rectification_open(
        institution=institution,
        findings=["预收费超过3个月", "未使用示范合同"],
        days=20,
        acting_user=desk,
        today=dt.date(2021, 11, 15),
    )
    assert case.state == "ordered" and case.due_on == dt.date(2021, 12, 5)
    assert case.data["findings"] == ["预收费超过3个月", "未使用示范合同"]
    # The numbered 限期整改通知书 is generated from the county's template and stored with the case.
    numbered = DocumentNumber.objects.get(case=case)
    assert numbered.text == "通教培整〔2021〕1号" and numbered.document == "notice"
    text = "".join(p.text for p in DocxDocument(numbered.attachment.file.open("rb")).paragraphs)
    assert institution.name in text and "1. 预收费超过3个月；2. 未使用示范合同。" in text and "2021年12月5日" in text
    assert list(selectors.institution_cases(institution, desk)) == [case]
    with pytest.raises(TransitionRefused):  # what was done must be written
        services.rectification_step(case=case, transition="report", acting_user=desk)
    case = services.rectification_step(
        case=case, transition="report", acting_user=desk, comment="已退还超收费用，改用示范合同。"
    )
    assert case.state == "reported"
    case = services.rectification_step(case=case, transition="pass", acting_user=desk)
    assert case.state == "passed" and case.closed_at is not None
    assert selectors.summary(desk)["rectifications"] == {"open": 0, "overdue": 0, "total": 1, "passed": 1}


def test_the_rectification_deadline_follows_the_worst_severity():
    class F:
        def __init__(self, severity):
            self.severity = severity

    assert rectify_days([F("general")]) == 30
    assert rectify_days([F("general"), F("serious")]) == 20
    assert rectify_days([F("critical"), F("serious")]) == 10


def test_summary_counts_by_kind_status_and_township(institutions, desk, county):
    institutions["B"].status = "suspended"
    institutions["B"].save()
    figures = selectors.summary(desk)
    assert figures["counts"]["total"] == 2
    assert figures["counts"]["academic"] == 1 and figures["counts"]["non_academic"] == 1
    assert figures["counts"]["active"] == 1 and figures["counts"]["suspended"] == 1
    assert [row["township__name"] for row in figures["by_township"]] == ["通羊镇", "南林桥镇"]
    township = selectors.summary(county.users[Role.TOWNSHIP])
    assert township["counts"]["total"] == 1
    assert selectors.summary(county.users[Role.SCHOOL])["counts"]["total"] == 0
