"""The rectification cycle through its services: draft, issue (a numbered .docx), receive, report per item with
photos, verify per item (send back, then accept), withdraw; and the refusals that change nothing."""

import datetime as dt
import io

import pytest
from docx import Document

from emis.core.access import Role
from emis.core.models import AuditEvent
from emis.rectification import services
from emis.rectification.models import Notice, Verdict
from emis.work.models import Attachment, DocumentNumber, Step
from emis.work.services import TransitionRefused

from .conftest import draft, jpeg

pytestmark = pytest.mark.django_db
DAY = dt.date(2021, 9, 30)  # 10 working days later, over the National Day holidays: 2021-10-20


def _text(attachment) -> str:
    with attachment.file.open("rb") as handle:
        document = Document(io.BytesIO(handle.read()))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_the_whole_cycle(county, issuer):
    school = county.users[Role.SCHOOL]
    notice = draft(county, issuer)
    assert notice.case.state == "draft" and notice.severity == "serious"
    assert Attachment.objects.filter(case=notice.case).count() == 2  # the findings' photos

    notice = services.notice_issue(notice=notice, acting_user=issuer, today=DAY)
    assert notice.case.state == "issued"
    assert notice.document_number == "通教督整〔2021〕1号"
    assert notice.case.due_on == dt.date(2021, 10, 20)
    docx = notice.case.attachments.get(kind="document")
    text = _text(docx)
    assert "通教督整〔2021〕1号" in text and "通羊镇中心小学" in text and "问题1" in text and "问题2" in text
    assert "2021年10月20日" in text and "王校长" in text and "{{" not in text

    notice = services.notice_step(notice=notice, transition="receive", acting_user=school, today=DAY)
    items = list(notice.items.order_by("number"))
    answers = {item.pk: {"answer": f"已整改{item.number}", "photos": [jpeg(f"a{item.number}.jpg")]} for item in items}
    notice = services.notice_report(notice=notice, acting_user=school, answers=answers, today=DAY)
    assert notice.case.state == "reported"
    assert all(item.answer_photos.count() == 1 for item in notice.items.all())
    assert notice.case.due_on is None  # the deadline stopped with the report

    # The issuer rejects item 2: back to 整改中 with the reason and a new limit.
    verdicts = {items[0].pk: {"accepted": True}, items[1].pk: {"accepted": False, "note": "照片不清晰"}}
    notice = services.notice_verify(notice=notice, acting_user=issuer, verdicts=verdicts, days=5, today=DAY)
    assert notice.case.state == "rectifying"
    assert "第 2 项：照片不清晰" in notice.case.steps.order_by("-number").first().comment
    assert notice.case.due_on == dt.date(2021, 10, 13)  # 5 working days; 10-09 was a working Saturday
    assert [i.verdict for i in notice.items.order_by("number")] == [Verdict.ACCEPTED, Verdict.REJECTED]

    # Only the rejected item is answered again.
    with pytest.raises(TransitionRefused, match="第 2 项须填写整改情况"):
        services.notice_report(notice=notice, acting_user=school, answers={}, today=DAY)
    notice = services.notice_report(
        notice=notice, acting_user=school, answers={items[1].pk: {"answer": "重新拍照", "photos": []}}, today=DAY
    )
    notice = services.notice_verify(notice=notice, acting_user=issuer, verdicts={items[1].pk: {"accepted": True}})
    assert notice.case.state == "accepted" and notice.case.closed_at is not None
    events = set(AuditEvent.objects.values_list("event", flat=True))
    assert {"work.rectification.issue", "work.rectification.report", "work.rectification.accept"} <= events
    assert "work.document.generated" in events


def test_numbers_run_per_series_and_year(county, issuer):
    first = services.notice_issue(notice=draft(county, issuer), acting_user=issuer, today=DAY)
    second = services.notice_issue(notice=draft(county, issuer, school=county.school_b1), acting_user=issuer, today=DAY)
    third = services.notice_issue(notice=draft(county, issuer), acting_user=issuer, today=dt.date(2022, 3, 1))
    assert [first.document_number, second.document_number, third.document_number] == [
        "通教督整〔2021〕1号",
        "通教督整〔2021〕2号",
        "通教督整〔2022〕1号",
    ]


def test_each_county_numbers_its_own_series(county, issuer):
    from django.test import override_settings

    from emis.testing import make_division, make_school, make_user

    chongyang = make_division("421223", "崇阳县", "county", county.city)
    tiancheng = make_division("421223100", "天城镇", "township", chongyang)
    school = make_school("2142900101", "崇阳县天城镇中心小学", "primary", tiancheng)
    city_issuer = make_user("rect_city_admin", Role.ADMIN)
    theirs = services.notice_issue(notice=draft(county, city_issuer, school=school), acting_user=city_issuer, today=DAY)
    ours = services.notice_issue(notice=draft(county, issuer), acting_user=issuer, today=DAY)
    assert (theirs.document_number, ours.document_number) == ("崇教督整〔2021〕1号", "通教督整〔2021〕1号")
    with override_settings(EMIS_RECTIFICATION_SERIES={"421224": "通教督改"}):
        renamed = services.notice_issue(notice=draft(county, issuer), acting_user=issuer, today=DAY)
    assert renamed.document_number == "通教督改〔2021〕1号"


def test_a_refused_issue_gives_its_number_back(county, issuer):
    from emis.work.models import CalendarYear

    CalendarYear.objects.filter(year=2027).delete()  # the test county has it entered; here nobody has
    notice = draft(county, issuer)
    with pytest.raises(TransitionRefused, match="2027"):
        services.notice_issue(notice=notice, acting_user=issuer, today=dt.date(2027, 12, 1))
    assert not DocumentNumber.objects.exists() and not notice.case.attachments.filter(kind="document").exists()
    notice.refresh_from_db()
    assert notice.case.state == "draft" and notice.document_number == ""


def test_who_may_do_what(county, issuer):
    notice = draft(county, issuer)
    # The fixture's 股室 account has other domains; the township and the school do not issue.
    for user in (county.users[Role.SECTION], county.users[Role.TOWNSHIP], county.users[Role.SCHOOL]):
        with pytest.raises(TransitionRefused):
            services.notice_issue(notice=notice, acting_user=user, today=DAY)
    admin_notice = draft(county, county.users[Role.ADMIN])
    services.notice_issue(notice=admin_notice, acting_user=county.users[Role.ADMIN], today=DAY)
    notice = services.notice_issue(notice=notice, acting_user=issuer, today=DAY)
    steps = Step.objects.count()
    # The issuer does not answer for the school; another school cannot see it.
    item = notice.items.first()
    with pytest.raises(TransitionRefused):
        services.notice_report(
            notice=notice, acting_user=issuer, answers={item.pk: {"answer": "x", "photos": [jpeg()]}}, today=DAY
        )
    from emis.testing import make_user

    other = make_user("school_b1_rect", Role.SCHOOL, schools=[county.school_b1])
    with pytest.raises(TransitionRefused, match="不在您的管辖范围"):
        services.notice_step(notice=notice, transition="receive", acting_user=other, today=DAY)
    assert Step.objects.count() == steps


def test_a_report_needs_a_photo_per_item_and_only_photos(county, issuer):
    notice = services.notice_issue(notice=draft(county, issuer, items=1), acting_user=issuer, today=DAY)
    school = county.users[Role.SCHOOL]
    item = notice.items.get()
    with pytest.raises(TransitionRefused, match="至少一张"):
        services.notice_report(notice=notice, acting_user=school, answers={item.pk: {"answer": "已改"}}, today=DAY)
    from django.core.files.base import ContentFile

    fake = ContentFile(b"MZ not a photo", name="x.jpg")
    with pytest.raises(TransitionRefused, match="不是可接受的类型"):
        services.notice_report(
            notice=notice, acting_user=school, answers={item.pk: {"answer": "已改", "photos": [fake]}}, today=DAY
        )
    notice.refresh_from_db()
    assert notice.case.state == "issued" and item.answer_photos.count() == 0


def test_withdraw_needs_a_reason_and_closes(county, issuer):
    notice = services.notice_issue(notice=draft(county, issuer), acting_user=issuer, today=DAY)
    with pytest.raises(TransitionRefused, match="撤销原因"):
        services.notice_step(notice=notice, transition="withdraw", acting_user=issuer, today=DAY)
    notice = services.notice_step(
        notice=notice, transition="withdraw", acting_user=issuer, values={"reason": "重复下发"}, today=DAY
    )
    assert notice.case.state == "withdrawn" and notice.case.closed_at is not None


def test_overdue_when_the_deadline_passes_before_the_report(county, issuer):
    from emis.work.deadlines import sweep

    notice = services.notice_issue(notice=draft(county, issuer, days=3), acting_user=issuer, today=DAY)
    sweep(today=dt.date(2021, 10, 12))
    notice = Notice.objects.select_related("case").get(pk=notice.pk)
    assert notice.case.urgency == "overdue" and notice.case.escalated_to == "township"
