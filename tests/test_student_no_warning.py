"""A G 学籍号 that is not G + the pupil's current ID number is saved with a warning, never refused (domain-rules 2.2:
the 学籍号 is for life, ID numbers get corrected): the import warns on the row (emis/students/tests), the edit page
shows a warning message after saving, and the API answers with ``warnings``. One rule for all three
(emis.common.idnumbers.student_no_warning)."""

import datetime as dt

from django.urls import reverse

from emis.common.idnumbers import GENDER_MALE
from emis.core.access import Role
from emis.students.forms import StudentForm
from emis.students.models import Student
from emis.testing import form_data, id_for

G_DIFFERS = "G 字头学籍号与身份证件号不一致：学籍号终身不变，身份证件号可能已更正，请核对。"
FORM_FIELDS = StudentForm.Meta.fields


def messages_of(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in response.context["messages"]]


def test_the_edit_page_saves_a_corrected_id_number_and_warns(county, login):
    zhang = county.students["张三丰"]
    old_no = zhang.student_no
    corrected = id_for(zhang.birth_date, zhang.gender, sequence=907)
    data = form_data(zhang, FORM_FIELDS, id_number=corrected)
    response = login(Role.SCHOOL).post(reverse("students:student_edit", args=[zhang.pk]), data, follow=True)
    assert ("warning", G_DIFFERS) in messages_of(response)
    assert ("success", "已保存：张三丰") in messages_of(response)
    zhang.refresh_from_db()
    assert (zhang.id_number, zhang.student_no) == (corrected, old_no)


def test_the_edit_page_does_not_warn_when_the_numbers_agree(county, login):
    zhang = county.students["张三丰"]
    data = form_data(zhang, FORM_FIELDS, name="张三峰")
    response = login(Role.SCHOOL).post(reverse("students:student_edit", args=[zhang.pk]), data, follow=True)
    assert [level for level, _ in messages_of(response)] == ["success"]


def test_the_api_saves_and_answers_with_warnings(county, api):
    client = api(Role.SCHOOL)
    birth = dt.date(2018, 8, 8)
    id_number = id_for(birth, GENDER_MALE)
    other = id_for(birth, GENDER_MALE)
    payload = {
        "name": "诸葛亮",
        "gender": GENDER_MALE,
        "birth_date": birth.isoformat(),
        "id_number": id_number,
        "student_no": f"G{other}",
        "current_school": county.school_a1.pk,
    }
    response = client.post("/api/students/", payload, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["warnings"] == [G_DIFFERS]
    created = Student.objects.get(pk=response.json()["id"])
    assert created.student_no == f"G{other}"
    agreed = client.patch(f"/api/students/{created.pk}/", {"id_number": other}, content_type="application/json")
    assert agreed.status_code == 200 and "warnings" not in agreed.json()
    again = client.patch(f"/api/students/{created.pk}/", {"id_number": id_number}, content_type="application/json")
    assert again.status_code == 200 and again.json()["warnings"] == [G_DIFFERS]
