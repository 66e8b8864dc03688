"""The pages: the three ledgers per role (a township sees its own children only, a school its own pupils only) with
constant query counts and xlsx exports, masked ID numbers, the case page with the steps the user may take, a contact
with its photo posted through the page, the township dashboard."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from emis.core.access import Role
from emis.dropouts import services
from emis.dropouts.models import Contact, DropoutCase
from emis.students.rollchanges import pupils_drop_out
from emis.testing import make_population, make_user, response_text, xlsx_rows

from .conftest import DAY, DUTIES, flag, jpeg

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(county, section):
    """A case at A1 (辍学 recorded by the school), a register child of township A without a school, one of B."""
    pupils_drop_out(students=[county.students["张三丰"]], date=DAY, acting_user=county.users[Role.SCHOOL])
    # A register child of age on no roll (四查三比对's 适龄未入学), beside the fixture's register.
    record = make_population("何小明", county.year, county.township_a, birth=dt.date(2012, 5, 1))
    services.open_cases(
        [flag(county, name="何小明", id_number=record.id_number)], county.users[Role.TOWNSHIP], today=DAY
    )
    services.open_cases([flag(county, township=county.township_b, name="南林")], section, today=DAY)
    return {dc.name: dc for dc in DropoutCase.objects.all()}


def names(response) -> set[str]:
    return {row["cells"][0] for row in response.context["rows"]}


def test_case_ledgers_per_role(county, cases, client, django_assert_max_num_queries):
    expected = {
        Role.TOWNSHIP: {"张三丰", "何小明"},
        Role.SCHOOL: {"张三丰"},
        Role.ADMIN: {"张三丰", "何小明", "南林"},
        Role.INSPECTOR: set(),
    }
    for role, want in expected.items():
        client.force_login(county.users[role])
        with django_assert_max_num_queries(25):
            response = client.get(reverse("dropouts:ledger_suspected"))
        assert response.status_code == 200
        assert names(response) == want, role
    client.force_login(county.users[Role.TOWNSHIP])
    assert names(client.get(reverse("dropouts:ledger_dropouts"))) == set()


def test_suspected_ledger_queries_do_not_grow_with_rows(county, cases, client, django_assert_max_num_queries):
    client.force_login(county.users[Role.ADMIN])
    with django_assert_max_num_queries(25) as few:
        client.get(reverse("dropouts:ledger_suspected"))
    township = county.users[Role.TOWNSHIP]
    services.open_cases([flag(county, name=f"童{n}") for n in range(8)], township, today=DAY)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("dropouts:ledger_suspected"))
    assert len(response.context["rows"]) == 11


def test_confirmed_children_move_to_the_dropout_ledger(county, cases, client):
    township = county.users[Role.TOWNSHIP]
    dc = services.step(cases["何小明"], "verify", township, today=DAY)
    services.set_responsibles(dc, township, DUTIES)
    services.confirm(dc, township, dropout_reason="economic", today=DAY)
    client.force_login(township)
    assert names(client.get(reverse("dropouts:ledger_dropouts"))) == {"何小明"}
    assert names(client.get(reverse("dropouts:ledger_suspected"))) == {"张三丰"}
    rows = xlsx_rows(client.get(reverse("dropouts:ledger_dropouts") + "?format=xlsx"))
    assert rows[0][0] == "姓名" and rows[1][0] == "何小明" and rows[1][8] == "家庭经济"


def test_children_ledger_scoped_with_where_each_child_is(county, cases, client, django_assert_max_num_queries):
    client.force_login(county.users[Role.TOWNSHIP])
    with django_assert_max_num_queries(25):
        response = client.get(reverse("dropouts:ledger_children"))
    rows = {row["cells"][0]: row["cells"][-1] for row in response.context["rows"]}
    # Township A's register children of age: 张三丰 (辍学: no roll, a case) and 何小明 (a case).
    assert rows == {"张三丰": "疑似", "何小明": "疑似"}
    client.force_login(make_user("township_b", Role.TOWNSHIP, divisions=[county.township_b]))
    rows = {
        row["cells"][0]: row["cells"][-1] for row in client.get(reverse("dropouts:ledger_children")).context["rows"]
    }
    # 钱多多 (born 2019-04-04) turns 6 after 31 August 2024: not of age in 2024.
    assert rows == {"赵思飞": "南林桥镇中心小学"}
    rows = client.get(reverse("dropouts:ledger_children") + "?where=in_school").context["rows"]
    assert [row["cells"][0] for row in rows] == ["赵思飞"]
    # A school sees the register children on its own roll only (B1's user: 赵思飞).
    client.force_login(make_user("school_b1", Role.SCHOOL, schools=[county.school_b1]))
    rows = {row["cells"][0] for row in client.get(reverse("dropouts:ledger_children")).context["rows"]}
    assert rows == {"赵思飞"}


def test_ids_are_masked_for_the_leader(county, cases, client):
    dc = cases["张三丰"]
    client.force_login(county.users[Role.LEADER])
    text = response_text(client.get(reverse("dropouts:ledger_suspected")))
    assert dc.id_number not in text and dc.id_number[:6] in text
    client.force_login(county.users[Role.TOWNSHIP])
    assert dc.id_number in response_text(client.get(reverse("dropouts:ledger_suspected")))


def test_the_case_page_offers_the_steps_and_records_a_contact_with_a_photo(county, cases, client):
    township, school = county.users[Role.TOWNSHIP], county.users[Role.SCHOOL]
    dc = cases["张三丰"]
    dc = services.step(dc, "verify", township, today=DAY)
    services.set_responsibles(dc, township, DUTIES)
    dc = services.confirm(dc, township, dropout_reason="weariness", today=DAY)
    dc = services.issue_notice(dc, township, today=DAY)
    client.force_login(school)
    page = client.get(dc.get_absolute_url())
    assert page.status_code == 200
    offered = [f["name"] for f in page.context["step_forms"]]
    assert "contact" in offered and "return" in offered and "issue_notice" not in offered
    text = response_text(page)
    assert 'capture="environment"' in page.content.decode() and "李镇长" in text
    response = client.post(
        reverse("dropouts:case_step", args=[dc.pk, "contact"]),
        {
            "contact-version": dc.case.version,
            "contact-date": "2024-10-15",
            "contact-line": "education",
            "contact-who": "赵老师",
            "contact-outcome": "家访，学生答应返校",
            "contact-photo": jpeg(),
        },
    )
    assert response.status_code == 302
    contact = Contact.objects.get()
    assert contact.line == "education" and contact.photo is not None and contact.recorded_by == school
    # A refused step comes back with its reason, nothing changed: a stale version, and 销号 is not the school's.
    dc.refresh_from_db()
    url = reverse("dropouts:case_step", args=[dc.pk, "close"])
    response = client.post(url, {"close-version": dc.case.version - 1}, follow=True)
    assert "办件已由他人办理" in response_text(response)
    response = client.post(url, {"close-version": dc.case.version}, follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    dc.refresh_from_db()
    assert dc.case.state == "persuading"


def test_dashboard_shows_no_dropout_only_when_true(county, cases, client):
    township = county.users[Role.TOWNSHIP]
    client.force_login(township)
    page = client.get(reverse("dropouts:dashboard"))
    assert "无一人失学辍学" in response_text(page)
    dc = services.step(cases["何小明"], "verify", township, today=DAY)
    services.set_responsibles(dc, township, DUTIES)
    services.confirm(dc, township, dropout_reason="economic", today=DAY)
    text = response_text(client.get(reverse("dropouts:dashboard")))
    assert "无一人失学辍学" not in text and "尚有 1 名" in text


def test_monthly_report_page_submits_a_zero_report(county, section, client):
    report = services.request_reports(dt.date(2024, 9, 1), section, schools=[county.school_a1])[0]
    client.force_login(county.users[Role.SCHOOL])
    page = client.get(report.get_absolute_url())
    assert page.context["report_form"] is not None
    client.post(
        reverse("dropouts:report_submit", args=[report.pk]),
        {"version": report.case.version, "suspected": 0, "dropouts": 0, "returned": 0, "note": ""},
    )
    report.refresh_from_db()
    assert report.zero and report.note == "本月无辍学"
    assert "本月无辍学" in response_text(client.get(report.get_absolute_url()))


def test_dashboard_queries_do_not_grow_with_cases(county, cases, client, django_assert_max_num_queries):
    client.force_login(county.users[Role.ADMIN])
    with django_assert_max_num_queries(30) as few:
        client.get(reverse("dropouts:dashboard"))
    services.open_cases(
        [flag(county, name=f"童{n}", township=county.township_b) for n in range(6)],
        county.users[Role.ADMIN],
        today=DAY,
    )
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("dropouts:dashboard"))
    assert page.context["total"]["flagged"] == 9


def test_the_engine_pages_show_the_case_and_its_steps(county, cases, client):
    township = county.users[Role.TOWNSHIP]
    dc = services.step(cases["张三丰"], "verify", township, today=DAY)
    services.set_responsibles(dc, township, DUTIES)
    dc = services.confirm(dc, township, dropout_reason="weariness", today=DAY)
    dc = services.issue_notice(dc, township, today=DAY)
    client.force_login(township)
    page = client.get(reverse("work:case_detail", args=[dc.case_id]))
    assert page.status_code == 200
    text = response_text(page)
    assert "下发限期返校通知书" in text and "通教控辍〔2024〕1号" in text
    inbox = response_text(client.get(reverse("work:inbox")))
    assert "张三丰" in inbox


def test_the_responsible_accounts_offered_are_those_who_see_the_case(county, cases):
    """双线 people linked to accounts: the case's township's and school's accounts are offered, another township's
    are not, so a case never lands in the 待办 of someone outside it."""
    from emis.dropouts.forms import ResponsibleForm

    dc = cases["张三丰"]  # A1's pupil: filed under A1, in township A
    offered = set(ResponsibleForm(instance=dc, prefix="resp").fields["principal_user"].queryset)
    assert {county.users[Role.TOWNSHIP], county.users[Role.SCHOOL]} <= offered
    outsider = make_user("township_b_only", Role.TOWNSHIP, divisions=[county.township_b])
    assert outsider not in offered
    form = ResponsibleForm({"resp-principal_user": outsider.pk}, instance=dc, prefix="resp")
    assert not form.is_valid() and "principal_user" in form.errors
