"""The roll-change pages (rollchange_views.py): a pupil's page offers the actions the status allows and writes through
the services; a class at once; the 学年升级 preview writes nothing and the commit runs (the tests' task backend runs
it at once); the history list shows 撤销 or the reason; a hostile school account gets 404 for another school's pupil,
class or change; query counts of the history list do not grow with its rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from emis.core.access import Role
from emis.students import rollchanges as rc
from emis.students.models import Enrollment, RollChange, RollChangeState
from emis.testing import make_enrollment, make_student, response_text, xlsx_rows

DAY = "2024-11-04"


def current(student):
    return Enrollment.objects.filter(student=student, is_current=True).order_by("-school_year__start_year").first()


def test_pupil_page_offers_what_the_status_allows_and_suspends(county, login):
    client = login(Role.SCHOOL)
    pupil = county.students["张三丰"]
    url = reverse("students:student_rollchange", args=[pupil.pk])
    page = response_text(client.get(url))
    assert "休学" in page and "转出县外" in page and "复学" not in page
    # The school account covers only its own school: no 县内转学 (the township's or the county's), no other school.
    assert 'value="transfer"' not in page and "南林桥镇中心小学" not in page
    township = login(Role.TOWNSHIP)
    township_page = response_text(township.get(url))
    # The receiving school is typed (a picker over the schools of the township's scope), not a dropdown.
    assert 'value="transfer"' in township_page and 'name="to_school"' in township_page
    answer = township.post(reverse("core:pick", args=["school"]), {"q": "通羊镇初级中学"}).json()
    assert any("通羊镇初级中学" in row["text"] for row in answer["results"])
    response = client.post(url, {"action": "suspend", "date": DAY, "reason": "病休"})
    change = RollChange.objects.get()
    assert response.status_code == 302 and response["Location"] == change.get_absolute_url()
    assert current(pupil).status == "suspended"
    detail = response_text(client.get(change.get_absolute_url()))
    assert "撤销本次异动" in detail
    # The pupil's own page links to the action and lists the change.
    student_page = response_text(client.get(pupil.get_absolute_url()))
    assert "办理学籍异动" in student_page and "学籍异动" in student_page
    client.post(reverse("students:rollchange_undo", args=[change.pk]))
    change.refresh_from_db()
    assert change.state == RollChangeState.UNDONE and current(pupil).status == "enrolled"


def test_pupil_page_bad_input_writes_nothing(county, login):
    client = login(Role.SCHOOL)
    url = reverse("students:student_rollchange", args=[county.students["张三丰"].pk])
    response = client.post(url, {"action": "transfer_out", "date": DAY, "destination_name": ""})
    assert response.status_code == 200
    text = response_text(response)
    assert "转出县外请填写转入学校名称" in text and "请填写转入学校所在省份或地区" in text
    assert not RollChange.objects.exists()


def test_hostile_school_account_gets_404(county, login):
    client = login(Role.SCHOOL)  # A1's administrator
    other = county.students["赵思飞"]  # B1's pupil
    url = reverse("students:student_rollchange", args=[other.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "drop_out", "date": DAY}).status_code == 404
    assert client.get(reverse("students:class_rollchange", args=[county.classes["B1"].pk])).status_code == 404
    # Smuggling another school's pupil into its own class's form: 404, nothing written.
    response = client.post(
        reverse("students:class_rollchange", args=[county.classes["A1"].pk]),
        {"students": [str(county.students["张三丰"].pk), str(other.pk)], "action": "suspend", "date": DAY},
    )
    assert response.status_code == 404
    # Another school's change: neither its page nor its undo.
    change = rc.pupils_suspend(students=[other], date=dt.date(2024, 11, 4), acting_user=county.users[Role.SECTION])
    assert client.get(change.get_absolute_url()).status_code == 404
    assert client.post(reverse("students:rollchange_undo", args=[change.pk])).status_code == 404
    change.refresh_from_db()
    assert change.state == RollChangeState.DONE
    assert current(other).status == "suspended"


def test_read_only_roles_get_404_on_the_action_pages(county, login):
    client = login(Role.LEADER)
    assert client.get(reverse("students:promotion")).status_code == 404
    assert client.get(reverse("students:student_rollchange", args=[county.students["张三丰"].pk])).status_code == 404


def test_a_class_at_once_on_its_page(county, login):
    client = login(Role.SCHOOL)
    cls = county.classes["A1"]
    page = response_text(client.get(cls.get_absolute_url()))
    assert "整班异动" in page
    url = reverse("students:class_rollchange", args=[cls.pk])
    assert "张三丰" in response_text(client.get(url))
    pupils = [county.students["张三丰"], county.students["李小梅"]]
    response = client.post(
        url,
        {
            "students": [str(p.pk) for p in pupils],
            "action": "transfer_out",
            "date": DAY,
            "destination_name": "长沙市育英小学",
            "destination_region": "湖南省",
        },
    )
    assert response.status_code == 302
    assert {current(p).status for p in pupils} == {"transferred_out"}
    # Nobody ticked: a Chinese message, nothing written.
    before = RollChange.objects.count()
    response = client.post(url, {"action": "suspend", "date": DAY})
    assert "请至少勾选一名学生" in response_text(response) and RollChange.objects.count() == before


def test_promotion_preview_then_commit(county, login):
    client = login(Role.SCHOOL)
    url = reverse("students:promotion")
    form = response_text(client.get(url))
    assert "通羊镇中心小学" in form and "南林桥镇中心小学" not in form  # scoped choices
    data = {
        "area": f"s:{county.school_a1.pk}",
        "school_year": county.year.pk,
        "graduate_date": "2025-07-01",
        "promote_date": "2025-09-01",
        "repeaters": "",
    }
    before = Enrollment.objects.count()
    preview = client.post(url, {**data, "preview": "1"})
    text = response_text(preview)
    assert 'data-testid="promotion-plan"' in text and "确认升级" in text
    assert Enrollment.objects.count() == before and not RollChange.objects.exists()
    response = client.post(url, {**data, "commit": "1"})
    change = RollChange.objects.get()
    assert response.status_code == 302 and change.state == RollChangeState.DONE
    assert current(county.students["张三丰"]).grade == "P2"
    # Another school's area is refused for the school account (its choice is not offered).
    response = client.post(url, {**data, "area": f"s:{county.school_b1.pk}", "preview": "1"})
    assert response.status_code == 200 and 'data-testid="promotion-plan"' not in response_text(response)


def test_a_long_list_of_places_offers_divisions_and_a_school_picker(county, login, monkeypatch):
    """Past a short list (a county holds hundreds of schools) the 升级范围 dropdown holds the county and townships; a
    single school is typed in a picker, and a school outside the scope is refused, nothing previewed."""
    from emis.students import rollchange_views

    monkeypatch.setattr(rollchange_views, "SHORT_AREA_LIST", 3)
    client = login(Role.SECTION)
    url = reverse("students:promotion")
    form = response_text(client.get(url))
    assert f'value="d:{county.county.code}"' in form and f'value="s:{county.school_a1.pk}"' not in form
    assert 'name="area_school"' in form and "data-picker" in form
    data = {"school_year": county.year.pk, "graduate_date": "2025-07-01", "promote_date": "2025-09-01"}
    preview = client.post(url, {**data, "area_school": county.school_a1.pk, "preview": "1"})
    assert 'data-testid="promotion-plan"' in response_text(preview)
    refused = client.post(url, {**data, "preview": "1"})
    assert "请选择升级范围" in response_text(refused) and 'data-testid="promotion-plan"' not in response_text(refused)
    township = login(Role.TOWNSHIP)
    outside = township.post(url, {**data, "area_school": county.school_b1.pk, "preview": "1"})
    assert 'data-testid="promotion-plan"' not in response_text(outside)


def test_history_list_export_and_reasons(county, login):
    section = county.users[Role.SECTION]
    first = rc.pupils_suspend(students=[county.students["王芳"]], date=dt.date(2024, 11, 4), acting_user=section)
    rc.pupils_resume(students=[county.students["王芳"]], date=dt.date(2024, 12, 4), acting_user=section)
    client = login(Role.SECTION)
    text = response_text(client.get(reverse("students:rollchange_list")))
    assert "不能撤销" in text or "之后这些学生已有新的学籍记录" in text
    assert 'data-testid="undo"' in text  # the 复学 may still be undone
    assert "学年升级" in text  # the guided 升级 from the history
    rows = xlsx_rows(client.get(reverse("students:rollchange_export", args=["xlsx"]) + "?kind=suspend"))
    assert rows[0][1] == "异动类型" and len(rows) == 2 and rows[1][1] == "休学"
    assert first.pk


@pytest.mark.parametrize("role", [Role.SECTION, Role.SCHOOL])
def test_history_list_queries_do_not_grow(county, login, role):
    client = login(role)
    url = reverse("students:rollchange_list")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    def add(n):
        for i in range(n):
            pupil = make_student(f"查询{i}{n}", county.school_a1, birth=dt.date(2018, 1, 1) + dt.timedelta(days=i))
            make_enrollment(pupil, county.classes["A1"])
            rc.pupils_suspend(students=[pupil], date=dt.date(2024, 11, 4), acting_user=county.users[Role.ADMIN])

    add(1)
    few = count()
    add(8)
    assert count() == few
