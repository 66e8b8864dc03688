"""The engine's pages and API over the test workflow: the 待办 inbox per role, the case page's timeline and steps,
evidence checked by content, scoped and audited downloads, the API's refusals, exports and query counts."""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from emis.core.access import Role
from emis.core.models import AuditEvent
from emis.testing import api_token_for, xlsx_rows
from emis.work.models import Attachment, Case
from emis.work.services import case_open, case_transition

from .conftest import add_notice, jpeg_bytes, photo
from .workflows import TEST_WORKFLOW

DAY = dt.date(2021, 9, 30)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api(user) -> Client:
    return Client(headers={"authorization": f"Token {api_token_for(user)}"})


def open_case(county, actors, school=None, title="整改通知", until="rectifying"):
    """A case of the test workflow at school A1 (or ``school``), moved up to ``until``."""
    township = (
        actors[Role.TOWNSHIP] if (school or county.school_a1).township == county.township_a else actors["township_b"]
    )
    case = case_open(workflow=TEST_WORKFLOW.code, title=title, school=school or county.school_a1, acting_user=township)
    if until == "draft":
        return case
    add_notice(case)
    case = case_transition(case=case, transition="issue", acting_user=township, values={"days": 10}, today=DAY).case
    if until == "issued":
        return case
    school_user = actors[Role.SCHOOL] if (school or county.school_a1) == county.school_a1 else actors["school_b1"]
    return case_transition(case=case, transition="receive", acting_user=school_user, today=DAY).case


def inbox_titles(client, **params) -> list[str]:
    response = client.get(reverse("work:inbox"), params)
    assert response.status_code == 200
    return [row.record.title for row in response.context["table"].paginated_rows]


def test_inbox_shows_what_waits_for_each_role(county, actors):
    a1 = open_case(county, actors, title="A1 整改中")
    issued = open_case(county, actors, title="A1 已下发", until="issued")
    open_case(county, actors, school=county.school_b1, title="B1 整改中")
    draft = open_case(county, actors, title="A1 草稿", until="draft")
    assert inbox_titles(_client(actors[Role.SCHOOL])) == ["A1 已下发", "A1 整改中"] or set(
        inbox_titles(_client(actors[Role.SCHOOL]))
    ) == {"A1 已下发", "A1 整改中"}
    # The township: its draft to issue, and 要求补正 on its school's case in 整改中; not township B's.
    assert set(inbox_titles(_client(actors[Role.TOWNSHIP]))) == {"A1 草稿", "A1 整改中"}
    assert set(inbox_titles(_client(actors["school_b1"]))) == {"B1 整改中"}
    # Those who only read: nothing waits for them.
    for role in (Role.LEADER, Role.INSPECTOR):
        assert inbox_titles(_client(actors[role])) == []
    # 已办: what the user took a step on.
    assert set(inbox_titles(_client(actors[Role.SCHOOL]), tab="done")) == {"A1 整改中"}
    # Filters: workflow, state, school, overdue.
    township = _client(actors[Role.TOWNSHIP])
    assert inbox_titles(township, state="draft") == ["A1 草稿"]
    assert inbox_titles(township, school=county.school_b1.pk) == []
    assert inbox_titles(township, overdue="true") == []
    Case.objects.filter(pk=a1.pk).update(urgency="overdue")
    assert inbox_titles(township, overdue="true") == ["A1 整改中"]
    assert {issued.pk, draft.pk}  # noqa: B018


def test_the_inbox_filters_start_at_all(county, actors):
    """With no filter asked, the 流程 and 状态 selects show 全部 (an empty first choice), as every list's do: a select
    with no empty choice showed the first workflow and state as if the list were filtered by them."""
    open_case(county, actors, title="A1 整改中")
    page = _client(actors[Role.SCHOOL]).get("/work/").content.decode()
    for name in ("workflow", "state"):
        select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S)
        assert select, name
        options = re.findall(r"<option([^>]*)>([^<]*)</option>", select.group(1))
        assert 'value=""' in options[0][0] and options[0][1].strip() == "全部", (name, options[0])
        assert not any("selected" in attrs for attrs, _label in options[1:]), name


def test_inbox_count_on_the_menu_and_soonest_deadline_first(county, actors):
    later = open_case(county, actors, title="晚")
    sooner = open_case(county, actors, title="早")
    Case.objects.filter(pk=later.pk).update(due_on=dt.date(2030, 1, 10))
    Case.objects.filter(pk=sooner.pk).update(due_on=dt.date(2030, 1, 5))
    client = _client(actors[Role.SCHOOL])
    assert inbox_titles(client) == ["早", "晚"]
    page = client.get(reverse("work:case_list")).content.decode()
    assert 'data-testid="menu-count">2<' in page


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200, url
    return len(captured)


@pytest.mark.parametrize("role", [Role.SCHOOL, Role.TOWNSHIP])
def test_inbox_and_case_list_query_counts_do_not_grow(county, actors, role):
    open_case(county, actors)
    client = _client(actors[role])
    urls = [
        (reverse("work:inbox"), {}),
        (reverse("work:inbox"), {"tab": "done"}),
        (reverse("work:case_list"), {}),
        (reverse("work:workflow", args=[TEST_WORKFLOW.code]), {}),
        (reverse("work:inbox_export", args=["xlsx"]), {}),
    ]
    for url, params in urls:
        _queries(client, url, params)  # the session and the calendar read once
    before = [_queries(client, url, params) for url, params in urls]
    assert max(before) <= 25, before
    for i in range(5):
        open_case(county, actors, title=f"更多{i}")
    assert [_queries(client, url, params) for url, params in urls] == before
    assert len(client.get(reverse("work:case_list")).context["table"].paginated_rows) == 6


def test_inbox_export_xlsx(county, actors):
    open_case(county, actors, title="导出的办件")
    open_case(county, actors, school=county.school_b1, title="别处的办件")
    response = _client(actors[Role.SCHOOL]).get(reverse("work:inbox_export", args=["xlsx"]))
    assert response.status_code == 200
    rows = xlsx_rows(response)
    assert rows[0][:4] == ["编号", "事项", "流程", "状态"]
    assert [row[1] for row in rows[1:]] == ["导出的办件"]
    assert rows[1][3] == "整改中"


def test_case_page_timeline_and_a_step_with_a_photo(county, actors):
    case = open_case(county, actors)
    school = _client(actors[Role.SCHOOL])
    page = school.get(case.get_absolute_url())
    assert page.status_code == 200
    text = page.content.decode()
    assert 'class="work-diagram"' in text and "work-state-current" in text
    assert 'data-action="report"' in text and 'capture="environment"' in text
    assert "整改期限" in text  # the clock started by 下发, against its limit
    response = school.post(
        reverse("work:case_step", args=[case.pk, "report"]),
        {"version": case.version, "summary": "已整改", "photos": SimpleUploadedFile("现场.jpg", jpeg_bytes())},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "reported"
    evidence = case.attachments.get(kind="evidence")
    assert evidence.content_type == "image/jpeg" and evidence.thumbnail and evidence.step.transition == "report"
    text = school.get(case.get_absolute_url()).content.decode()
    assert "已整改" in text and reverse("work:attachment_thumbnail", args=[evidence.pk]) in text


def test_a_refused_step_says_why_in_chinese_and_changes_nothing(county, actors):
    case = open_case(county, actors)
    school = _client(actors[Role.SCHOOL])
    response = school.post(
        reverse("work:case_step", args=[case.pk, "report"]),
        {"version": case.version, "summary": "消防通道已清理完毕", "comment": "请督导室验收"},
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "办理“报送整改”至少须上传 1 个附件（现有 0 个）。" in text
    # What the school typed is still in the form, to add the photo and send again.
    assert 'value="消防通道已清理完毕"' in text and "请督导室验收</textarea>" in text
    # Someone acted first: the version the page showed is stale.
    response = school.post(
        reverse("work:case_step", args=[case.pk, "report"]),
        {"version": case.version - 1, "summary": "x", "photos": SimpleUploadedFile("a.jpg", jpeg_bytes())},
        follow=True,
    )
    assert "办件已由他人办理" in response.content.decode()
    # The leader reads the case, takes no step.
    leader = _client(actors[Role.LEADER])
    assert 'data-action="' not in leader.get(case.get_absolute_url()).content.decode()
    response = leader.post(reverse("work:case_step", args=[case.pk, "accept"]), {"version": case.version}, follow=True)
    assert "不能办理" in response.content.decode()
    case.refresh_from_db()
    assert case.state == "rectifying" and not case.attachments.filter(kind="evidence").exists()


@pytest.mark.parametrize(
    "name, content",
    [
        ("证据.jpg", b"MZ\x90\x00\x03\x00\x00\x00 this is a windows executable"),
        ("证据.jpg", "只是一段文字".encode()),
        ("证据.jpg", b"\xff\xd8\xff\xe0 not really a jpeg"),
        ("表格.xlsx", b"PK\x03\x04 not a zip"),
        ("证据.pdf", b"<html><script>alert(1)</script></html>"),
    ],
)
def test_evidence_is_checked_by_content_not_by_name(county, actors, name, content):
    case = open_case(county, actors)
    response = _client(actors[Role.SCHOOL]).post(
        reverse("work:case_upload", args=[case.pk]), {"files": SimpleUploadedFile(name, content)}, follow=True
    )
    assert "不是可接受的类型" in response.content.decode()
    assert not Attachment.objects.filter(case=case, kind="evidence").exists()


def test_a_pdf_named_jpg_is_kept_as_a_pdf(county, actors):
    case = open_case(county, actors)
    _client(actors[Role.SCHOOL]).post(
        reverse("work:case_upload", args=[case.pk]), {"files": SimpleUploadedFile("扫描.jpg", b"%PDF-1.4 ...")}
    )
    stored = Attachment.objects.get(case=case, kind="evidence")
    assert (stored.content_type, stored.name, stored.step) == ("application/pdf", "扫描.pdf", None)


def test_downloads_are_scoped_and_audited(county, actors):
    case = open_case(county, actors)
    _client(actors[Role.SCHOOL]).post(
        reverse("work:case_upload", args=[case.pk]), {"photos": SimpleUploadedFile("现场.jpg", jpeg_bytes())}
    )
    attachment = Attachment.objects.get(case=case, kind="evidence")
    url = reverse("work:attachment_download", args=[attachment.pk])
    before = AuditEvent.objects.filter(event="work.attachment.downloaded").count()
    for role in (Role.SCHOOL, Role.TOWNSHIP, Role.LEADER):
        response = _client(actors[role]).get(url)
        assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
        assert b"".join(response.streaming_content) == jpeg_bytes()
    events = AuditEvent.objects.filter(event="work.attachment.downloaded").order_by("id")
    assert events.count() == before + 3
    assert events.last().data["attachment"] == attachment.pk and events.last().username == actors[Role.LEADER].username
    # Outside the scope: 404, as for a file that does not exist, and nothing recorded.
    for user in (actors["school_b1"], actors["township_b"], actors[Role.INSPECTOR]):
        assert _client(user).get(url).status_code == 404
        assert _client(user).get(reverse("work:attachment_thumbnail", args=[attachment.pk])).status_code == 404
    assert AuditEvent.objects.filter(event="work.attachment.downloaded").count() == before + 3
    # Through the API too.
    api_url = reverse("cases-attachment", args=[case.pk, attachment.pk])
    assert _api(actors[Role.TOWNSHIP]).get(api_url).status_code == 200
    assert _api(actors["township_b"]).get(api_url).status_code == 404
    assert AuditEvent.objects.filter(event="work.attachment.downloaded", data__via="api").count() == 1


def test_api_transition_refusals(county, actors):
    case = open_case(county, actors)
    url = reverse("cases-transitions", args=[case.pk])
    body = {"transition": "report", "values": {"summary": "已整改"}, "version": case.version}
    # Out of scope: 404; a role that may not take the step: 403; a step its state does not allow, or a missing
    # requirement: 400; a stale version: 409. Nothing moves.
    assert _api(actors["school_b1"]).post(url, body, content_type="application/json").status_code == 404
    refused = _api(actors[Role.TOWNSHIP]).post(url, body, content_type="application/json")
    assert refused.status_code == 403 and "不能办理" in refused.json()["detail"]
    assert _api(actors[Role.LEADER]).post(url, body, content_type="application/json").status_code == 403
    unmet = _api(actors[Role.SCHOOL]).post(url, body, content_type="application/json")
    assert unmet.status_code == 400 and "至少须上传 1 个附件" in unmet.json()["non_field_errors"][0]
    wrong_state = {**body, "transition": "papers_in"}
    assert _api(actors[Role.SCHOOL]).post(url, wrong_state, content_type="application/json").status_code == 400
    assert (
        _api(actors[Role.SCHOOL]).post(url, {**body, "transition": "nope"}, content_type="application/json").status_code
        == 400
    )
    stale = {**body, "version": case.version - 1}
    assert _api(actors[Role.SCHOOL]).post(url, stale, content_type="application/json").status_code == 409
    case.refresh_from_db()
    assert case.state == "rectifying"
    # The same step with a photo (multipart) is taken, and the timeline shows it.
    ok = _api(actors[Role.SCHOOL]).post(
        url, {"transition": "report", "version": case.version, "files": [photo()], "values[summary]": "x"}
    )
    assert ok.status_code in (201, 400), ok.content
    if ok.status_code == 400:  # multipart cannot carry a nested dict: send the photo first, then JSON
        assert (
            _api(actors[Role.SCHOOL])
            .post(reverse("cases-attachments", args=[case.pk]), {"files": [photo()]})
            .status_code
            == 201
        )
        ok = _api(actors[Role.SCHOOL]).post(url, body, content_type="application/json")
        assert ok.status_code == 201, ok.content
    assert ok.json()["to_state"] == "reported"
    steps = _api(actors[Role.LEADER]).get(reverse("cases-steps", args=[case.pk])).json()
    assert [s["transition"] for s in steps][-1] == "report" and steps[-1]["attachments"]
    available = _api(actors[Role.TOWNSHIP]).get(url).json()
    assert {t["name"] for t in available} == {"accept", "send_back"}


def test_api_lists_cases_in_scope(county, actors):
    mine = open_case(county, actors, title="A1")
    other = open_case(county, actors, school=county.school_b1, title="B1")
    ids = {c["id"] for c in _api(actors[Role.SCHOOL]).get("/api/cases/").json()["results"]}
    assert mine.pk in ids and other.pk not in ids
    detail = _api(actors[Role.SCHOOL]).get(f"/api/cases/{mine.pk}/").json()
    assert detail["state_label"] == "整改中" and detail["workflow_label"] == "整改通知"
    assert _api(actors[Role.SCHOOL]).get(f"/api/cases/{other.pk}/").status_code == 404
