"""The admission round's pages: scope (county rounds; applicants of a junior school; a senior school's plan and
results), results hidden from schools until published, the web workflow from upload to publication, the lock on a
published round's pages, appeals, masking, exports and query counts.

The module's county is build_county plus build_rounds: a published round with H1 (quality, 3 seats), four A2
applicants (李雷 and 韩梅梅 quota, 王五 open, 赵六 not admitted) and 赵六's appeal.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from emis.admissions.apps import DOMAIN as ADMISSIONS_DOMAIN
from emis.common.idnumbers import mask_id_number
from emis.core.access import Role
from emis.rounds.choices import RoundStatus
from emis.rounds.models import AdmissionRound, Appeal, Applicant, RoundSchool
from emis.testing import build_county, build_rounds, make_school, make_user, module_db, xlsx_rows


@pytest.fixture(scope="module")
def county_data(django_db_setup, django_db_blocker):
    def build():
        county = build_county()
        build_rounds(county)
        return county

    with module_db(django_db_blocker, build) as data:
        yield data


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def listed(client, name: str, params=None) -> set[str]:
    response = client.get(reverse(f"rounds:{name}_list"), params or {})
    assert response.status_code == 200
    return {str(row.record) for row in response.context["table"].paginated_rows}


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.fixture
def h1_admin(county):
    return make_user("h1_admin", Role.SCHOOL, schools=[county.senior_school])


@pytest.fixture
def admissions_staff(county):
    return make_user("zhaosheng", Role.SECTION, divisions=[county.county], domains=[ADMISSIONS_DOMAIN])


# Scope --------------------------------------------------------------------------------------------------------


def test_rounds_are_county_level_and_applicants_belong_to_their_junior_school(county, h1_admin):
    round_ = county.admission_round
    applicants = {str(a) for a in county.applicants.values()}
    appeal = county.appeals["赵六"]
    plan = RoundSchool.objects.get(round=round_)
    seen = {
        Role.LEADER: (True, applicants, True, True),
        Role.TOWNSHIP: (False, set(), False, False),
        Role.SCHOOL: (False, set(), False, False),
        Role.INSPECTOR: (False, applicants, False, True),  # A2 is one of the inspector's schools
    }
    for role, (sees_round, sees_applicants, sees_plan, sees_appeal) in seen.items():
        client = client_for(county.users[role])
        assert listed(client, "admissionround") == ({round_.name} if sees_round else set()), role
        assert client.get(round_.get_absolute_url()).status_code == (200 if sees_round else 404), role
        assert listed(client, "applicant") == sees_applicants, role
        assert listed(client, "roundschool") == ({str(plan)} if sees_plan else set()), role
        assert client.get(plan.get_absolute_url()).status_code == (200 if sees_plan else 404), role
        assert listed(client, "appeal") == ({str(appeal)} if sees_appeal else set()), role
    # A junior school's reader filters its applicants by school year (it is not offered the county's rounds), and its
    # applicant pages do not link to the round's page.
    inspector = client_for(county.users[Role.INSPECTOR])
    assert listed(inspector, "applicant", {"school_year": county.year.pk}) == applicants
    assert listed(inspector, "applicant", {"school_year": county.year_2023.pk}) == set()
    assert round_.get_absolute_url() not in text(inspector.get(county.applicants["李雷"].get_absolute_url()))
    # The senior school's administrator sees its own plan and results, not the applicants nor the round.
    client = client_for(h1_admin)
    assert listed(client, "roundschool") == {str(plan)} and listed(client, "applicant") == set()
    assert client.get(round_.get_absolute_url()).status_code == 404
    assert client.get(county.applicants["李雷"].get_absolute_url()).status_code == 404
    html = text(client.get(plan.get_absolute_url()))
    assert "李雷" in html and "王五" in html and 'data-testid="open-cutoff">500' in html
    rows = xlsx_rows(client.get(reverse("rounds:roundschool_admitted", args=[plan.pk])))
    assert [row[0] for row in rows[1:]] == ["2024001", "2024002", "2024003"]


def test_results_are_hidden_from_schools_until_published(county, h1_admin):
    AdmissionRound.objects.filter(pk=county.admission_round.pk).update(status=RoundStatus.SOLVED)
    inspector = client_for(county.users[Role.INSPECTOR])
    response = inspector.get(reverse("rounds:applicant_list"))
    cells = {row.get_cell("result_school") for row in response.context["table"].paginated_rows}
    assert cells == {"—"}
    assert listed(inspector, "applicant", {"outcome": "quota"}) == set()  # a filter would tell what the cells hide
    html = text(inspector.get(county.applicants["李雷"].get_absolute_url()))
    assert "录取结果尚未发布" in html and "指标到校录取" not in html
    rows = xlsx_rows(inspector.get(reverse("rounds:applicant_export", args=["xlsx"])))
    header = rows[0]
    assert {row[header.index("录取学校")] for row in rows[1:]} == {""}
    plan = RoundSchool.objects.get(round=county.admission_round)
    h1 = client_for(h1_admin)
    assert 'data-testid="results-hidden"' in text(h1.get(plan.get_absolute_url()))
    assert h1.get(reverse("rounds:roundschool_admitted", args=[plan.pk])).status_code == 404
    # The county level reviews them before publishing.
    leader = client_for(county.users[Role.LEADER])
    assert listed(leader, "applicant", {"outcome": "quota"}) == {"2024001 李雷", "2024002 韩梅梅"}
    assert len(listed(leader, "applicant", {"result_school": county.senior_school.pk})) == 3
    assert "指标到校录取" in text(leader.get(county.applicants["李雷"].get_absolute_url()))
    assert leader.get(reverse("rounds:round_export", args=[county.admission_round.pk])).status_code == 200
    # Published: everyone in scope sees them.
    AdmissionRound.objects.filter(pk=county.admission_round.pk).update(status=RoundStatus.PUBLISHED)
    assert listed(inspector, "applicant", {"outcome": "none"}) == {"2024004 赵六"}


def test_id_numbers_are_masked_for_the_leader(county):
    applicant = county.applicants["李雷"]
    leader = client_for(county.users[Role.LEADER])
    for response in (
        leader.get(reverse("rounds:applicant_list")),
        leader.get(applicant.get_absolute_url()),
    ):
        html = text(response)
        assert applicant.id_number not in html and mask_id_number(applicant.id_number) in html
    rows = xlsx_rows(leader.get(reverse("rounds:round_export", args=[county.admission_round.pk])))
    assert mask_id_number(applicant.id_number) in [row[2] for row in rows]
    admin = client_for(county.users[Role.ADMIN])
    assert applicant.id_number in text(admin.get(applicant.get_absolute_url()))


# Pages of a published round ------------------------------------------------------------------------------------


def test_the_published_round_page_and_its_results(county):
    round_ = county.admission_round
    admin = client_for(county.users[Role.ADMIN])
    response = admin.get(round_.get_absolute_url())
    html = text(response)
    assert 'data-testid="round-locked"' in html and 'data-testid="round-actions"' not in html
    assert [step["current"] for step in response.context["steps"]] == [False, False, False, True]
    assert response.context["figures"].items() >= {"applicants": 4, "quota": 2, "open": 1, "not_admitted": 1}.items()
    plan = RoundSchool.objects.get(round=round_)
    response = admin.get(plan.get_absolute_url())
    assert [a.exam_no for a in response.context["admitted"]] == ["2024001", "2024002", "2024003"]
    assert [a.exam_no for a in response.context["missed"]] == ["2024004"]
    pools = list(response.context["pools"])
    assert [(p.junior_school, p.seats, p.admitted, p.cutoff) for p in pools] == [(county.school_a2, 2, 2, 590)]
    html = text(admin.get(county.applicants["赵六"].get_absolute_url()))
    assert "第一志愿 通山县第一中学 校指标到校录取线 590 分，本人 400 分；统招录取线 500 分，本人 400 分" in html
    assert "所填志愿均未被录取" in html and reverse("rounds:appeal_add") in html
    rows = xlsx_rows(admin.get(reverse("rounds:round_export", args=[round_.pk])))
    assert rows[0][:2] == ["考号", "姓名"]
    assert [(row[0], row[8], row[9]) for row in rows[1:]] == [
        ("2024001", "通山县第一中学", "指标到校"),
        ("2024002", "通山县第一中学", "指标到校"),
        ("2024003", "通山县第一中学", "统招"),
        ("2024004", "未录取", ""),
    ]


def test_a_published_rounds_rows_cannot_be_changed_through_the_pages(county):
    admin = client_for(county.users[Role.ADMIN])
    round_ = county.admission_round
    plan = RoundSchool.objects.get(round=round_)
    applicant = county.applicants["王五"]
    locked = "“2024年中考录取”已发布，录取结果已锁定，不能再修改。"
    for name, obj in (("admissionround", round_), ("roundschool", plan), ("applicant", applicant)):
        assert locked in text(admin.get(reverse(f"rounds:{name}_edit", args=[obj.pk])))
        response = admin.post(reverse(f"rounds:{name}_edit", args=[obj.pk]), {"name": "改", "open_seats": 9})
        assert response.context["form"].non_field_errors() == [locked]
        response = admin.post(reverse(f"rounds:{name}_delete", args=[obj.pk]), follow=True)
        assert locked in text(response)
        assert type(obj).objects.filter(pk=obj.pk).exists()
    for step in ("round_allocate", "round_solve", "round_publish"):
        response = admin.post(reverse(f"rounds:{step}", args=[round_.pk]), follow=True)
        assert locked in text(response)
    upload = SimpleUploadedFile("A.csv", b"exam_no\n1\n")
    response = admin.post(reverse("rounds:round_load", args=[round_.pk]), {"file": upload}, follow=True)
    assert locked in text(response)
    plan.refresh_from_db()
    assert (plan.open_seats, Applicant.objects.filter(round=round_).count()) == (1, 4)
    # Nothing can be added to it either: the round is not offered.
    form = admin.get(reverse("rounds:applicant_add")).context["form"]
    assert round_ not in form.fields["round"].queryset


def test_roles_that_only_read_get_no_workflow(county):
    leader = client_for(county.users[Role.LEADER])
    round_ = county.admission_round
    for step in ("round_load", "round_allocate", "round_solve", "round_publish"):
        assert leader.post(reverse(f"rounds:{step}", args=[round_.pk])).status_code == 404
    assert leader.get(reverse("rounds:admissionround_add")).status_code == 404
    appeal = county.appeals["赵六"]
    response = leader.post(reverse("rounds:appeal_decide", args=[appeal.pk]), {"status": "upheld", "decision": "x"})
    assert response.status_code == 404
    assert Appeal.objects.get(pk=appeal.pk).status == "received"


# Appeals through the pages --------------------------------------------------------------------------------------


def test_record_and_decide_an_appeal(county, admissions_staff):
    client = client_for(admissions_staff)
    round_ = county.admission_round
    url = reverse("rounds:appeal_add")
    form = client.get(url, {"appeal_round": round_.pk, "exam_no": "2024003"}).context["form"]
    assert form.initial["exam_no"] == "2024003"
    response = client.post(
        url, {"appeal_round": round_.pk, "exam_no": "9999", "received_on": "2024-07-11", "reason": "x"}
    )
    assert response.context["form"].errors["exam_no"] == ["该批次没有考号为 9999 的考生。"]
    response = client.post(
        url, {"appeal_round": round_.pk, "exam_no": "2024003", "received_on": "2024-07-11", "reason": "志愿填报有误"}
    )
    appeal = Appeal.objects.get(applicant=county.applicants["王五"])
    assert response.status_code == 302 and response["Location"] == appeal.get_absolute_url()
    html = text(client.get(appeal.get_absolute_url()))
    assert 'data-testid="decide-form"' in html
    decide = reverse("rounds:appeal_decide", args=[appeal.pk])
    version = client.get(appeal.get_absolute_url()).context["decision_form"].initial["version"]
    response = client.post(decide, {"status": "upheld", "version": version}, follow=True)
    assert "请选择处理结果并填写处理意见。" in text(response)
    # A page showing an older version of the case (someone decided meanwhile) is refused, nothing changes.
    response = client.post(decide, {"status": "upheld", "decision": "x", "version": version + 1}, follow=True)
    assert "办件已由他人办理" in text(response)
    assert Appeal.objects.get(pk=appeal.pk).status == "received"
    response = client.post(
        decide, {"status": "upheld", "decision": "同意在补录中处理。", "version": version}, follow=True
    )
    assert "申诉已处理：申诉成立。" in text(response)
    appeal.refresh_from_db()
    assert (appeal.status, appeal.decided_by) == ("upheld", admissions_staff)
    assert 'data-testid="decide-form"' not in text(client.get(appeal.get_absolute_url()))
    response = client.post(
        reverse("rounds:appeal_edit", args=[appeal.pk]), {"received_on": "2024-07-12", "reason": "改"}
    )
    assert response.context["form"].non_field_errors() == ["申诉已处理，不能再修改。"]


# The workflow through the pages ---------------------------------------------------------------------------------


def test_the_web_workflow_from_upload_to_publication(county, admissions_staff, django_capture_on_commit_callbacks):
    client = client_for(admissions_staff)
    senior = make_school("3142000601", "通山县实验高中", "senior", county.township_a)
    response = client.post(
        reverse("rounds:admissionround_add"),
        {
            "school_year": county.year.pk,
            "name": "2025年中考录取",
            "quota_share": "2/3",
            "quota_rule": "applicants",
            "preference_count": 3,
            "tie_break": "total,chinese+math+english,math,chinese,english,exam_no",
        },
    )
    round_ = AdmissionRound.objects.get(name="2025年中考录取")
    assert response.status_code == 302 and round_.status == RoundStatus.DRAFT and round_.division_code == "421224"
    response = client.post(
        reverse("rounds:roundschool_add"),
        {"round": round_.pk, "school": senior.pk, "open_seats": 3, "quota_seats": 0, "is_quality": "on"},
    )
    assert response.status_code == 302, response.context["form"].errors
    a2 = county.school_a2.code
    good = f"exam_no,junior_school,total,chinese,math,english,pref1\n1,{a2},600,100,100,100,{senior.code}\n"
    good += f"2,{a2},500,90,90,90,{senior.code}\n3,{a2},400,80,80,80,{senior.code}\n4,{a2},300,70,70,70,\n"
    bad = good.replace("2,", "2,", 1).replace(",500,", ",abc,")
    load = reverse("rounds:round_load", args=[round_.pk])
    response = client.post(load, {"file": SimpleUploadedFile("A.csv", bad.encode())})
    assert response.context["load_problems"] == ["A.csv 第 3 行，total 列：“abc”不是数字。"]
    assert not Applicant.objects.filter(round=round_).exists()
    response = client.post(load, {"file": SimpleUploadedFile("A.csv", good.encode())}, follow=True)
    assert "已导入考生 4 人" in text(response)
    response = client.post(reverse("rounds:round_allocate", args=[round_.pk]), follow=True)
    assert "已分配指标到校名额 2 个" in text(response)
    # The solve step runs as a task once the request's transaction commits (here: the test's immediate backend, at
    # the end of the block); the round page then tells how it ended, once.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("rounds:round_solve", args=[round_.pk]))
    assert response.status_code == 302
    html = text(client.get(round_.get_absolute_url()))
    assert "录取完成：指标到校 2 人，统招 1 人，未录取 1 人。" in html and "请审核录取结果，无误后发布。" in html
    assert 'data-testid="round-actions"' in html and "重新录取" in html
    assert "录取完成" not in text(client.get(round_.get_absolute_url()))
    response = client.post(reverse("rounds:round_publish", args=[round_.pk]), follow=True)
    assert "录取结果已发布，本批次已锁定。" in text(response)
    round_.refresh_from_db()
    assert round_.status == RoundStatus.PUBLISHED and round_.published_by == admissions_staff


# Query counts ---------------------------------------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_round_school_and_applicant_pages_do_not_grow_with_applicants(county, django_assert_max_num_queries):
    admin = client_for(county.users[Role.ADMIN])
    round_ = county.admission_round
    plan = RoundSchool.objects.get(round=round_)
    urls = [round_.get_absolute_url(), plan.get_absolute_url(), county.applicants["王五"].get_absolute_url()]
    before = [_queries(admin, url) for url in urls]
    for i in range(20):
        Applicant.objects.create(
            round=round_,
            exam_no=f"2024{100 + i}",
            name=f"增{i}",
            junior_school=county.school_a2,
            total=450,
            chinese=90,
            math=90,
            english=90,
            preferences=[county.senior_school.code],
            result_school=county.senior_school if i % 2 else None,
            result_phase="open" if i % 2 else "",
            result_preference_rank=1 if i % 2 else None,
        )
    assert [_queries(admin, url) for url in urls] == before
    with django_assert_max_num_queries(30):
        admin.get(plan.get_absolute_url())
