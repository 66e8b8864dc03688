"""控辍保学 in headless Chromium: the 班主任 records a 劝返 contact outdoors, on a phone, with a camera photo; the
township's ledger and dashboard show the case. Screenshots at 375 px (dropouts-*.png)."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from .helpers import PASSWORD, log_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}


def _jpeg(path):
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 160, 120)).save(out, "JPEG")
    path.write_bytes(out.getvalue())
    return path


def test_a_contact_with_a_camera_photo_on_a_phone(new_page, live_server, mini_county, tmp_path):
    from emis.accounts.models import User
    from emis.common.idnumbers import make_id_number
    from emis.core.access import Role
    from emis.dropouts import services
    from emis.dropouts.categories import Category, FlaggedChild

    township = User.objects.create_user("tw_drop", password=PASSWORD, role=Role.TOWNSHIP, display_name="通羊镇中心学校")
    township.divisions.add(mini_county.tongyang)
    school = User.objects.create_user("sc_drop", password=PASSWORD, role=Role.SCHOOL, display_name="实验小学班主任")
    school.schools.add(mini_county.primary)
    today = dt.date.today()
    flag = FlaggedChild(
        school_year_id=mini_county.year.pk,
        category=Category.DROPPED_OUT,
        reason="学籍与在校学生比对：名在人不在",
        id_number=make_id_number("421224", dt.date(2013, 4, 2), 37, "1"),
        name="柯小军",
        gender="1",
        birth_date=dt.date(2013, 4, 2),
        hukou_township_id=mini_county.tongyang.pk,
        school_id=mini_county.primary.pk,
    )
    dc = services.open_cases([flag], township, today=today).cases[0]
    dc = services.step(dc, "verify", township, today=today)
    dc = services.set_responsibles(
        dc,
        township,
        {
            "township_official": "陈建华",
            "township_official_phone": "13907150101",
            "village_cadre": "吴德明",
            "principal": "刘志强",
            "class_teacher": "黄丽",
            "class_teacher_phone": "13907150404",
            "class_teacher_user": school,
        },
    )
    dc = services.confirm(dc, township, dropout_reason="work", today=today)
    dc = services.issue_notice(dc, township, days=10, guardian="柯父", today=today)

    phone = new_page(viewport=PHONE)
    log_in(phone, live_server, "sc_drop")
    phone.goto(f"{live_server.url}/work/")
    assert "柯小军" in phone.inner_text("#results")
    phone.goto(f"{live_server.url}{dc.get_absolute_url()}")
    form = phone.locator("form[data-action=contact]")
    photo = form.locator("input[name=contact-photo]")
    assert photo.get_attribute("capture") == "environment" and photo.get_attribute("accept") == "image/*"
    shot(phone, "dropouts-01-case-phone")
    form.locator("select[name=contact-line]").select_option("education")
    form.locator("input[name=contact-who]").fill("黄丽")
    form.locator("textarea[name=contact-outcome]").fill("到田间找到学生谈心，学生答应下周一返校")
    photo.set_input_files(str(_jpeg(tmp_path / "家访.jpg")))
    with phone.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "已办理：记录劝返" in phone.inner_text(".alert-success")
    contacts = phone.inner_text("[data-testid=contacts]")
    assert "黄丽" in contacts and "教育（学校/教师）" in contacts
    assert phone.locator("[data-testid=contacts] img").count() == 1
    shot(phone, "dropouts-02-contact-recorded-phone")

    desk = new_page()
    log_in(desk, live_server, "tw_drop")
    desk.goto(f"{live_server.url}/dropouts/ledger/dropouts/")
    assert "柯小军" in desk.inner_text("[data-testid=ledger]")
    desk.goto(f"{live_server.url}/dropouts/dashboard/")
    assert "尚有 1 名确认辍学的学生未复学" in desk.inner_text("[data-testid=some-out-of-school]")
    shot(desk, "dropouts-03-dashboard")
