"""ModelUI's hooks: save, delete and warnings shared by page and API, the detail layout, and named actions.

A test ModelUI on SchoolClass (written by school administrators within their school) declares each hook;
tests/modelui_hooks_urls.py declares it and mounts its routes under /hooks/. The class is not in the ModelUI
registry (its model is set after the class is made), so the access matrix and the page inventory do not see it.
"""

import pytest
from django.urls import reverse

from emis.core.access import Role
from emis.students.models import SchoolClass
from emis.testing import response_text
from tests.modelui_hooks_urls import CALLS

pytestmark = pytest.mark.urls("tests.modelui_hooks_urls")


@pytest.fixture(autouse=True)
def _calls():
    CALLS.clear()


def url(name, *args):
    return reverse(f"hooks:schoolclass_{name}", args=args)


def test_the_edit_page_saves_through_the_hook_and_shows_its_warnings(county, login):
    school_class = county.classes["A1"]
    client = login(Role.SCHOOL)
    data = {
        "school": school_class.school_id,
        "school_year": school_class.school_year_id,
        "grade": school_class.grade,
        "name": "1班",
    }
    response = client.post(url("edit", school_class.pk), data, follow=True)
    assert CALLS == [("save", "1班", county.users[Role.SCHOOL].username)]
    school_class.refresh_from_db()
    assert school_class.name == "1班"
    assert "名称较短" in [str(m) for m in response.context["messages"]]


def test_a_refused_save_is_shown_on_the_form_and_writes_nothing(county, login):
    school_class = county.classes["A1"]
    before = school_class.name
    data = {"school": school_class.school_id, "school_year": school_class.school_year_id}
    data |= {"grade": school_class.grade, "name": "refuse"}
    response = login(Role.SCHOOL).post(url("edit", school_class.pk), data)
    assert response.status_code == 200
    assert "名称被拒绝" in response_text(response)
    school_class.refresh_from_db()
    assert school_class.name == before


def test_the_delete_page_deletes_through_the_hook(county, login):
    school_class = county.classes["A1"]
    response = login(Role.SCHOOL).post(url("delete", school_class.pk), follow=True)
    assert CALLS == [("delete", school_class.pk, county.users[Role.SCHOOL].username)]
    assert "不能删除" in [str(m) for m in response.context["messages"]]
    assert SchoolClass.objects.filter(pk=school_class.pk).exists()


def test_the_detail_page_shows_sections_context_and_the_actions_the_user_may_take(county, login):
    school_class = county.classes["A1"]
    response = login(Role.SCHOOL).get(url("detail", school_class.pk))
    assert [s["title"] for s in response.context["sections"]] == ["学校", "班级"]
    assert response.context["extra_seen"] is True
    # The school may change its class (rename) but holds no "approve" right on the students domain.
    assert [item["action"].name for item in response.context["object_actions"]] == ["rename"]
    assert url("action", school_class.pk, "rename") in response_text(response)
    admin_page = login(Role.ADMIN).get(url("detail", school_class.pk))
    assert [item["action"].name for item in admin_page.context["object_actions"]] == ["rename", "approve"]
    assert 'data-confirm="确定？"' in response_text(admin_page)


def test_an_action_runs_its_service_with_the_posted_form(county, login):
    school_class = county.classes["A1"]
    response = login(Role.SCHOOL).post(url("action", school_class.pk, "rename"), {"note": "新名"}, follow=True)
    school_class.refresh_from_db()
    assert school_class.name == "新名"
    assert "renamed" in [str(m) for m in response.context["messages"]]


def test_an_action_is_post_only_and_404_without_the_right_or_outside_the_scope(county, login):
    school_class, other = county.classes["A1"], county.classes["B1"]
    school = login(Role.SCHOOL)
    assert school.get(url("action", school_class.pk, "rename")).status_code == 405
    assert school.post(url("action", school_class.pk, "approve")).status_code == 404  # no such right
    assert school.post(url("action", other.pk, "rename"), {"note": "x"}).status_code == 404  # out of scope
    assert school.post(url("action", school_class.pk, "nosuch")).status_code == 404
    assert login(Role.LEADER).post(url("action", school_class.pk, "rename"), {"note": "x"}).status_code == 404
    assert CALLS == []
    admin = login(Role.ADMIN)
    admin.post(url("action", other.pk, "approve"))
    assert CALLS == [("approve", other.pk, county.users[Role.ADMIN].username)]


def test_an_action_the_state_does_not_allow_is_refused(county, login):
    school_class = county.classes["A1"]
    SchoolClass.objects.filter(pk=school_class.pk).update(name="locked")
    client = login(Role.SCHOOL)
    assert client.get(url("detail", school_class.pk)).context["object_actions"] == []
    response = client.post(url("action", school_class.pk, "rename"), {"note": "x"}, follow=True)
    assert any("改名" in str(m) for m in response.context["messages"])
    school_class.refresh_from_db()
    assert school_class.name == "locked"


def test_a_refusal_shown_on_the_page_rolls_the_step_back(county, login):
    school_class = county.classes["A1"]
    before = school_class.name
    response = login(Role.SCHOOL).post(url("action", school_class.pk, "rename"), {"note": "refuse"})
    assert response.status_code == 200
    assert response.context["refusal"]["messages"] == ["不行", "也不行"]
    assert response.context["object"].name == before
    school_class.refresh_from_db()
    assert school_class.name == before


def test_an_invalid_action_form_runs_nothing(county, login):
    school_class = county.classes["A1"]
    response = login(Role.SCHOOL).post(url("action", school_class.pk, "rename"), {}, follow=True)
    assert response.context["messages"]
    school_class.refresh_from_db()
    assert school_class.name != ""


def test_a_list_action_shows_on_the_list_and_runs_without_a_row(county, login):
    client = login(Role.SCHOOL)
    page = client.get(url("list"))
    assert [item["action"].name for item in page.context["list_actions"]] == ["upload"]
    assert login(Role.LEADER).get(url("list")).context["list_actions"] == []
    response = client.post(reverse("hooks:schoolclass_list_action", args=["upload"]), {"note": "f"}, follow=True)
    assert CALLS == [("upload", None, "f")]
    assert "uploaded" in [str(m) for m in response.context["messages"]]
    assert client.post(reverse("hooks:schoolclass_list_action", args=["rename"]), {"note": "f"}).status_code == 404
