"""The demo county's 控辍保学 (emis load_demo, through the demo's "apps contribute demo data" hook), 通山县 only.

2020 (the seed's year, "我县无一人失学辍学"): a few cases in the history, all ended — two pupils 确认辍学, brought
back after a 限期返校通知书 and contacts on both lines, 已复学 and 销号 after the school days; two register children
排除 (迁出, 已在县外就读). So no confirmed dropout is left out of school in 2020.

2021 (the year after; the demo holds no register or rolls for it, so its children are taken from 2020's): open cases
in several states — 疑似 and 核实中 in 南林桥镇 (in the demo township account's 待办), two 劝返中 with their notices
and a first contact (one in 南林桥镇; one at 迎宾路小学, whose 班主任 is the demo school account: in its 待办), and one
排除 (超龄).

The monthly reports of September and November 2021 of the compulsory schools of 南林桥镇 and of 迎宾路小学 (not
the whole county's, to keep the load short): September sent (本月无辍学) and re-checked by the county (the third
quarter); November sent by all but two schools, which the sweep shows overdue and escalated.

Every step goes through the services (timelines, audit, numbered notices), on the days the story gives. Deterministic:
the same pupils and register children (lowest ids matching) each time."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from .apps import DOMAIN

TOWNSHIP = "421224101"  # 南林桥镇, the demo township account's
SCHOOL = "通山县迎宾路小学"  # the demo school account's

DUTIES = {
    "township_official": "陈建华",
    "township_official_phone": "13907150101",
    "village_cadre": "吴德明",
    "village_cadre_phone": "13907150202",
    "principal": "刘志强",
    "principal_phone": "13907150303",
    "class_teacher": "黄丽",
    "class_teacher_phone": "13907150404",
}


def section_domains() -> list[str]:
    """The demo 股室 account confirms, decides and re-checks."""
    return [DOMAIN]


def _photo(n: int):
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (40 + 20 * (n % 9), 110, 160)).save(out, "JPEG")
    return ContentFile(out.getvalue(), name=f"家访照片{n}.jpg")


def _at(day: dt.date, hour: int):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _pupils(year, *, township: str = "", school_name: str = "", count: int):
    """Pupils on a roll (在读) of ``year`` at the township's or the named school, lowest ids first."""
    from emis.students.models import Enrollment

    rows = Enrollment.objects.filter(
        school_year=year, is_current=True, status="enrolled", level__in=("primary", "junior")
    )
    rows = rows.filter(school__name=school_name) if school_name else rows.filter(school__township__code=township)
    return list(rows.select_related("student", "school").order_by("student_id")[:count])


def _register_children(year, township_code: str, count: int, *, window_year: int | None = None):
    """Register children of ``year`` in the township on no roll of the year (四查三比对's 适龄未入学), of
    compulsory-education age in ``window_year`` (default: the year's)."""
    from emis.population.models import PopulationRecord
    from emis.students.models import Enrollment

    from .selectors import age_window

    first, last = age_window(window_year or year.start_year)
    on_roll = Enrollment.objects.filter(school_year=year).values("student__id_number_hash")
    return list(
        PopulationRecord.objects.filter(
            school_year=year, hukou_township__code=township_code, birth_date__range=(first, last)
        )
        .exclude(id_number_hash__in=on_roll)
        .order_by("id")[:count]
    )


def _flag_pupil(enrollment, category, reason):
    from .categories import FlaggedChild

    s = enrollment.student
    return FlaggedChild(
        school_year_id=enrollment.school_year_id,
        category=category,
        reason=reason,
        id_number=s.id_number,
        name=s.name,
        gender=s.gender,
        birth_date=s.birth_date,
        hukou_township_id=s.hukou_township_id or enrollment.school.township_id,
        hukou_village_id=s.hukou_village_id,
        student_id=s.pk,
        school_id=enrollment.school_id,
    )


def _flag_record(record, reason):
    from .categories import Category, FlaggedChild

    return FlaggedChild(
        school_year_id=record.school_year_id,
        category=Category.NOT_ENROLLED,
        reason=reason,
        id_number=record.id_number,
        name=record.name,
        gender=record.gender,
        birth_date=record.birth_date,
        hukou_township_id=record.hukou_township_id,
        hukou_village_id=record.hukou_village_id,
        population_record_id=record.pk,
    )


def load(county, log) -> dict[str, int]:
    from emis.accounts.models import User
    from emis.demo.loader import TONGSHAN
    from emis.orgs.models import SchoolYear
    from emis.work.calendar import WorkCalendar
    from emis.work.deadlines import sweep
    from emis.work.models import Case

    from . import services
    from .categories import Category
    from .models import DropoutCase, Line

    if county.key != TONGSHAN.key or DropoutCase.objects.filter(case__county_code=county.code).exists():
        return {}
    users = {u.username: u for u in User.objects.filter(username__in=("section", "township", "school"))}
    years = {y.start_year: y for y in SchoolYear.objects.filter(start_year__in=(2020, 2021))}
    if len(users) < 3 or len(years) < 2:
        return {}
    section, township, school = users["section"], users["township"], users["school"]
    calendar = WorkCalendar()
    counts: dict[str, int] = {}
    photo = iter(range(1, 1000))

    def bring_back(dc, flagged_on, *, close=True):
        dc = services.step(dc, "verify", township, today=flagged_on)
        dc = services.set_responsibles(dc, township, DUTIES)
        confirmed_on = calendar.add(flagged_on, 3)
        dc = services.confirm(dc, township, dropout_reason="weariness", today=confirmed_on)
        dc = services.issue_notice(dc, township, days=15, guardian=f"{dc.name[0]}父", today=confirmed_on)
        first = calendar.add(confirmed_on, 2)
        services.record_contact(
            dc,
            township,
            date=first,
            line=Line.ADMIN,
            who="陈建华、吴德明",
            outcome="上门送达限期返校通知书，向家长讲明义务教育法规定，家长表示配合",
            photo=_photo(next(photo)),
            today=first,
        )
        dc.refresh_from_db()
        second = calendar.add(first, 3)
        services.record_contact(
            dc,
            section if dc.case.school_id is None else _school_user(dc),
            date=second,
            line=Line.EDUCATION,
            who="刘志强、黄丽",
            outcome="班主任家访谈心，安排学习帮扶，学生同意返校",
            photo=_photo(next(photo)),
            today=second,
        )
        dc.refresh_from_db()
        back = calendar.add(second, 2)
        dc = services.mark_returned(dc, township, returned_on=back, today=back)
        if close:
            closed_on = calendar.add(back, services.close_after_days())
            dc = services.close(dc, township, comment="复学后连续在校，予以销号", today=closed_on)
            Case.objects.filter(pk=dc.case_id).update(closed_at=_at(closed_on, 16))
        return dc

    with transaction.atomic():
        # 2020: everything ended.
        y2020 = years[2020]
        pupils = _pupils(y2020, township=TOWNSHIP, count=2)
        opened = services.open_cases(
            [_flag_pupil(e, Category.DROPPED_OUT, "学籍与在校学生比对：名在人不在（连续缺课）") for e in pupils],
            township,
            today=dt.date(2020, 10, 12),
        ).cases
        for dc in opened:
            bring_back(dc, dt.date(2020, 10, 12))
        counts["2020 closed"] = len(opened)
        records = _register_children(y2020, TOWNSHIP, 2)
        excluded = services.open_cases(
            [_flag_record(r, "户籍与学籍比对：户籍在册，县内无学籍") for r in records],
            township,
            today=dt.date(2020, 10, 12),
        ).cases
        for dc, (reason, note) in zip(
            excluded,
            (
                ("moved_away", "随父母迁居广东省东莞市，已办户口迁移证明"),
                ("enrolled_elsewhere", "在武汉市就读，已取得学籍证明"),
            ),
            strict=False,
        ):
            day = dt.date(2020, 10, 20)
            dc = services.exclude(
                dc, township, exclusion=reason, comment=note, attachments=[_photo(next(photo))], today=day
            )
            Case.objects.filter(pk=dc.case_id).update(closed_at=_at(day, 15))
        counts["2020 excluded"] = len(excluded)

        # 2021: open cases in several states. The demo holds no register or rolls for 2021 (its figures are 2020's),
        # so the children come from 2020's: register children of 南林桥镇 on no roll, and pupils of 2020's rolls.
        y2021 = years[2021]
        records = _register_children(y2020, TOWNSHIP, 3, window_year=2021)
        flags = [_flag_record(r, "户籍与学籍比对：户籍在册，县内无学籍，未核实县外就读") for r in records]
        opened = services.open_cases(
            [dataclasses.replace(f, school_year_id=y2021.pk) for f in flags], township, today=dt.date(2021, 11, 8)
        ).cases
        if len(opened) > 1:
            services.step(opened[1], "verify", township, comment="已安排村干部入户核实", today=dt.date(2021, 11, 10))
        if len(opened) > 2:
            day = dt.date(2021, 11, 12)
            services.exclude(
                opened[2],
                township,
                exclusion="over_age",
                comment="已满16周岁",
                attachments=[_photo(next(photo))],
                today=day,
            )
            Case.objects.filter(pk=opened[2].case_id).update(closed_at=_at(day, 15))
        persuading = []
        for actor, pupils in (
            (township, _pupils(y2020, township=TOWNSHIP, count=3)[2:]),
            (section, _pupils(y2020, school_name=SCHOOL, count=1)),
        ):
            flags = [_flag_pupil(e, Category.DROPPED_OUT, "学籍与在校学生比对：名在人不在（连续缺课）") for e in pupils]
            for dc in services.open_cases(
                [dataclasses.replace(f, school_year_id=y2021.pk) for f in flags], actor, today=dt.date(2021, 11, 1)
            ).cases:
                dc = services.step(dc, "verify", actor, today=dt.date(2021, 11, 1))
                named = {**DUTIES, "class_teacher_user": school} if actor is section else DUTIES
                dc = services.set_responsibles(dc, actor, named)
                dc = services.confirm(dc, actor, dropout_reason="work", today=dt.date(2021, 11, 3))
                dc = services.issue_notice(dc, actor, days=15, guardian=f"{dc.name[0]}母", today=dt.date(2021, 11, 4))
                day = dt.date(2021, 11, 8)
                services.record_contact(
                    dc,
                    actor,
                    date=day,
                    line=Line.ADMIN,
                    who="陈建华、吴德明",
                    outcome="上门送达通知书；学生随父母在外务工，家长答应月底前送回",
                    photo=_photo(next(photo)),
                    today=day,
                )
                persuading.append(dc)
        counts["2021 cases"] = len(opened) + len(persuading)

        # Monthly reports of the 2021 school year: the demo township's schools and the demo school's (the whole
        # county's 125 schools would add ten seconds to every demo load for the same pages).
        report_schools = [
            s for s in services.report_schools(section) if s.township.code == TOWNSHIP or s.name == SCHOOL
        ]
        reports = 0
        for month in (dt.date(2021, 9, 1), dt.date(2021, 11, 1)):
            made = services.request_reports(month, section, schools=report_schools)
            reports += len(made)
            late = made[:2] if month.month == 11 else []
            for report in made:
                if report in late:
                    continue
                due = report.case.due_on
                services.submit_report(report, _report_user(report.school, school), today=calendar.subtract(due, 1))
        rechecked = services.quarterly_recheck(section, year=2021, quarter=3, today=dt.date(2021, 10, 15))
        counts["monthly reports"] = reports
        counts["rechecked"] = rechecked
        sweep(today=dt.date(2021, 12, 20))
    cases = sum(v for k, v in counts.items() if k[:4] in ("2020", "2021"))
    log(f"  dropout cases{cases:>8,}  monthly reports {reports:,}")
    return counts


def _school_user(dc):
    return _school_account(dc.case.school)


def _report_user(school, demo_school_user):
    from emis.core import access

    return demo_school_user if access.covers(demo_school_user, school=school) else _school_account(school)


def _school_account(school):
    """A demo account of a school that answers (no usable password: nobody logs in with it)."""
    from emis.accounts.models import User
    from emis.core.access import Role

    user = User.objects.filter(username=f"demo-school-{school.code}").first()
    if user is None:
        user = User(username=f"demo-school-{school.code}", role=Role.SCHOOL, display_name=f"{school.name}（演示）")
        user.set_unusable_password()
        user.save()
        user.schools.set([school])
    return user


def wipe(county, log) -> dict[str, int]:
    """Delete the county's cases and reports with their engine rows, before its schools go."""
    from emis.work.cleanup import delete_cases

    from .models import Contact, DropoutCase, MonthlyReport

    dcs = DropoutCase.objects.filter(case__county_code=county.code)
    reports = MonthlyReport.objects.filter(case__county_code=county.code)
    case_ids = [*dcs.values_list("case_id", flat=True), *reports.values_list("case_id", flat=True)]
    if not case_ids:
        return {}
    counts = {}
    contacts = Contact.objects.filter(dropout_case__in=dcs)
    contacts._raw_delete(contacts.db)
    counts["dropout cases"] = dcs._raw_delete(dcs.db)
    counts["monthly reports"] = reports._raw_delete(reports.db)
    counts["dropout work cases"] = delete_cases(case_ids)
    log(f"  deleted {'dropout cases':<20}{counts['dropout cases']:>8,}")
    return counts
