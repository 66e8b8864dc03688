"""Roll changes (emis/students/rollchanges.py): each action, its undo, the undo refused once something later touched
the pupils, the 学年升级's preview (counts per grade, exceptions) and commit (graduation of final grades, class
mapping), scope refusals (a school account acting on another school's pupil), nothing written on bad input, and the
change records of the bulk writes."""

from __future__ import annotations

import datetime as dt

import pytest

from emis.common.idnumbers import GENDER_FEMALE, GENDER_MALE
from emis.core.access import Role
from emis.core.audit import audit_context
from emis.core.models import AuditEvent, ChangeAction, ObjectChange
from emis.core.writes import Refused
from emis.orgs.models import SchoolYear
from emis.population.models import OutsideEnrollment
from emis.students import rollchanges as rc
from emis.students.models import Enrollment, RollChange, RollChangeKind, RollChangeState, SchoolClass, Student
from emis.testing import last_change_id, make_enrollment, make_student

DAY = dt.date(2024, 11, 4)


def current(student) -> Enrollment:
    return Enrollment.objects.filter(student=student, is_current=True).order_by("-school_year__start_year").first()


def snapshot():
    """Every enrolment, class, pupil's current school and 县外就读 record: what an undo must restore."""
    return (
        sorted(Enrollment.objects.values_list("pk", "student_id", "school_id", "grade", "status", "is_current")),
        sorted(SchoolClass.objects.values_list("pk", "school_id", "school_year_id", "grade", "name")),
        sorted(Student.objects.values_list("pk", "current_school_id")),
        sorted(OutsideEnrollment.objects.values_list("pk", flat=True)),
    )


@pytest.fixture
def section(county):
    return county.users[Role.SECTION]


@pytest.fixture
def school_user(county):
    return county.users[Role.SCHOOL]


# ---- single-pupil actions ----------------------------------------------------------------------------------------


def test_suspend_and_resume_with_undo(county, school_user):
    pupil = county.students["张三丰"]
    before = snapshot()
    with audit_context(user=school_user):
        change = rc.pupils_suspend(students=[pupil], date=DAY, reason="病休", acting_user=school_user)
    row = current(pupil)
    assert row.status == "suspended" and row.school_class_id == county.classes["A1"].pk
    assert change.kind == RollChangeKind.SUSPEND and change.state == RollChangeState.DONE and change.pupils == 1
    assert AuditEvent.objects.filter(event="students.rollchange.suspend", data__roll_change=change.pk).exists()

    with audit_context(user=school_user):
        resumed = rc.pupils_resume(students=[pupil], date=DAY + dt.timedelta(days=30), acting_user=school_user)
    assert current(pupil).status == "enrolled"
    # The 休学 is no longer the last thing done to the pupil: its undo is refused, in Chinese.
    assert "之后" in rc.undo_refusal(change, school_user)
    with pytest.raises(Refused):
        rc.rollchange_undo(roll_change=change, acting_user=school_user)
    # Undone in order (复学, then 休学), everything is as before.
    rc.rollchange_undo(roll_change=resumed, acting_user=school_user)
    rc.rollchange_undo(roll_change=change, acting_user=school_user)
    assert snapshot() == before
    change.refresh_from_db()
    assert change.state == RollChangeState.UNDONE and change.undone_by == school_user
    assert rc.undo_refusal(change, school_user)  # not twice


def test_resume_refused_for_a_pupil_on_roll_and_nothing_written(county, school_user):
    before, last = snapshot(), last_change_id()
    with pytest.raises(Refused) as refused:
        rc.pupils_resume(students=[county.students["张三丰"]], date=DAY, acting_user=school_user)
    assert "张三丰" in refused.value.messages[0] and "在读" in refused.value.messages[0]
    assert snapshot() == before and last_change_id() == last and not RollChange.objects.exists()


def test_date_before_the_current_status_is_refused(county, school_user):
    with pytest.raises(Refused) as refused:
        rc.pupils_suspend(students=[county.students["张三丰"]], date=dt.date(2024, 8, 1), acting_user=school_user)
    assert "早于" in refused.value.messages[0]


def test_school_account_cannot_act_on_another_schools_pupil(county, school_user):
    before = snapshot()
    for action in (rc.pupils_suspend, rc.pupils_drop_out):
        with pytest.raises(Refused):
            action(students=[county.students["赵思飞"]], date=DAY, acting_user=school_user)  # B1's pupil
    with pytest.raises(Refused):
        rc.pupil_transfer(
            student=county.students["赵思飞"], to_school=county.school_a1, date=DAY, acting_user=school_user
        )
    # A class at once that mixes in another school's pupil: refused whole.
    with pytest.raises(Refused):
        rc.pupils_suspend(
            students=[county.students["张三丰"], county.students["赵思飞"]], date=DAY, acting_user=school_user
        )
    assert snapshot() == before


def test_read_only_roles_are_refused(county):
    for role in (Role.LEADER, Role.INSPECTOR, Role.CITY):
        with pytest.raises(Refused):
            rc.pupils_suspend(students=[county.students["王芳"]], date=DAY, acting_user=county.users[role])


def test_transfer_within_the_county_both_sides_see_it(county, section):
    pupil = county.students["张三丰"]
    with audit_context(user=section):
        change = rc.pupil_transfer(student=pupil, to_school=county.school_b1, date=DAY, acting_user=section)
    pupil.refresh_from_db()
    assert pupil.current_school == county.school_b1
    row = current(pupil)
    assert (row.school, row.status, row.grade) == (county.school_b1, "transferred_in", "P1")
    assert "通羊镇中心小学" in row.note
    # The sending school (A1) sees the pupil left and where to; the receiving school (B1) sees the arrival.
    a1_admin = county.users[Role.SCHOOL]
    assert RollChange.objects.for_user(a1_admin).filter(pk=change.pk, to_school=county.school_b1).exists()
    from emis.testing import make_user

    b1_admin = make_user("b1admin", Role.SCHOOL, schools=[county.school_b1])
    assert RollChange.objects.for_user(b1_admin).filter(pk=change.pk).exists()
    assert Student.objects.for_user(b1_admin).filter(pk=pupil.pk).exists()
    # Neither school alone may undo it (it covers only one side); the county may.
    assert "管辖范围以外" in rc.undo_refusal(change, a1_admin)
    before_undo = current(pupil).pk
    rc.rollchange_undo(roll_change=change, acting_user=section)
    pupil.refresh_from_db()
    assert pupil.current_school == county.school_a1
    assert current(pupil).pk != before_undo and current(pupil).status == "enrolled"


def test_transfer_needs_both_schools_in_scope(county):
    township_a = county.users[Role.TOWNSHIP]  # 通羊镇: A1 and A2, not B1
    with pytest.raises(Refused) as refused:
        rc.pupil_transfer(
            student=county.students["张三丰"], to_school=county.school_b1, date=DAY, acting_user=township_a
        )
    assert "转入学校不在您的管辖范围内" in refused.value.messages[0]
    school_user = county.users[Role.SCHOOL]
    with pytest.raises(Refused):
        rc.pupil_transfer(
            student=county.students["张三丰"], to_school=county.school_a2, date=DAY, acting_user=school_user
        )
    # Within the township it is one action.
    change = rc.pupil_transfer(
        student=county.students["张三丰"], to_school=county.school_a2, date=DAY, acting_user=township_a
    )
    assert change.to_school == county.school_a2


def test_transfer_out_feeds_the_outside_list_and_undo_removes_it(county, school_user):
    pupil = county.students["李小梅"]
    before = snapshot()
    with audit_context(user=school_user):
        change = rc.pupils_transfer_out(
            students=[pupil],
            date=DAY,
            destination_name="广州市天河区华阳小学",
            destination_region="广东省",
            acting_user=school_user,
        )
    assert current(pupil).status == "transferred_out"
    outside = OutsideEnrollment.objects.get(school_year=county.year, id_number=pupil.id_number)
    assert (outside.school_name, outside.region, outside.name) == ("广州市天河区华阳小学", "广东省", "李小梅")
    assert change.destination_region == "广东省"
    rc.rollchange_undo(roll_change=change, acting_user=school_user)
    assert snapshot() == before


def test_transfer_out_needs_the_receiving_school(county, school_user):
    before = snapshot()
    with pytest.raises(Refused) as refused:
        rc.pupils_transfer_out(
            students=[county.students["李小梅"]],
            date=DAY,
            destination_name="",
            destination_region="广东省",
            acting_user=school_user,
        )
    assert "转入学校名称" in refused.value.messages[0]
    assert snapshot() == before


def test_drop_out_recorded_and_the_registry_hook_called(county, school_user, monkeypatch):
    calls = []
    from emis.core import registry

    monkeypatch.setattr(
        registry, "provided", lambda name: (lambda **kw: calls.append(kw)) if name == "dropout_recorded" else None
    )
    change = rc.pupils_drop_out(
        students=[county.students["张三丰"]], date=DAY, reason="外出务工", acting_user=school_user
    )
    assert current(county.students["张三丰"]).status == "dropped_out"
    assert calls == [{"roll_change": change, "acting_user": school_user}]


def test_a_class_at_once(county, school_user):
    pupils = [county.students["张三丰"], county.students["李小梅"]]
    change = rc.pupils_suspend(students=pupils, date=DAY, acting_user=school_user)
    assert change.pupils == 2 and change.lines.count() == 2 and change.student is None
    assert {current(p).status for p in pupils} == {"suspended"}
    rc.rollchange_undo(roll_change=change, acting_user=school_user)
    assert {current(p).status for p in pupils} == {"enrolled"}


def test_undo_refused_after_an_edit_of_the_row(county, school_user):
    change = rc.pupils_suspend(students=[county.students["张三丰"]], date=DAY, acting_user=school_user)
    row = current(county.students["张三丰"])
    row.note = "补充说明"
    row.save()
    assert "修改" in rc.undo_refusal(change, school_user)


# ---- 学年升级 ----------------------------------------------------------------------------------------------------


@pytest.fixture
def final_grade(county):
    """A1's 六年级1班 with two pupils, one with no class, one suspended 五年级 pupil, and 崇阳 untouched."""
    with audit_context():
        six = SchoolClass.objects.create(school=county.school_a1, school_year=county.year, grade="P6", name="1班")
        five = SchoolClass.objects.create(school=county.school_a1, school_year=county.year, grade="P5", name="2班")
        made = {}
        for name, cls, birth, gender in (
            ("毕业甲", six, dt.date(2013, 3, 1), GENDER_MALE),
            ("毕业乙", six, dt.date(2013, 5, 1), GENDER_FEMALE),
            ("休学丙", five, dt.date(2014, 5, 1), GENDER_FEMALE),
        ):
            made[name] = make_student(name, county.school_a1, birth=birth, gender=gender)
            make_enrollment(made[name], cls, status="suspended" if name == "休学丙" else "enrolled")
        made["无班丁"] = make_student("无班丁", county.school_a1, birth=dt.date(2017, 2, 2), gender=GENDER_MALE)
        Enrollment.objects.create(
            student=made["无班丁"],
            school=county.school_a1,
            school_year=county.year,
            grade="P2",
            status="enrolled",
            status_date=county.year.census_date,
        )
    return made


def test_promotion_preview_counts_and_exceptions(county, school_user, final_grade):
    plan = rc.promotion_plan(
        school_user, school_year=county.year, school=county.school_a1, repeat_ids=[county.students["李小梅"].pk]
    )
    rows = {row["grade"]: row for row in plan.by_grade}
    assert rows["P1"]["on_roll"] == 2 and rows["P1"]["promoted"] == 1 and rows["P1"]["repeated"] == 1
    assert rows["P6"]["graduated"] == 2 and rows["P6"]["to_label"] == "毕业"
    assert rows["P5"]["suspended"] == 1 and rows["P5"]["on_roll"] == 0
    assert rows["P2"]["promoted"] == 1
    assert plan.totals == {"on_roll": 5, "promoted": 2, "repeated": 1, "graduated": 2, "suspended": 1, "skipped": 0}
    assert [r["name"] for r in plan.exceptions["suspended"]["rows"]] == ["休学丙"]
    assert [r["name"] for r in plan.exceptions["no_class"]["rows"]] == ["无班丁"]
    assert [r["name"] for r in plan.exceptions["repeat"]["rows"]] == ["李小梅"]
    # Only A1's pupils: B1's and A2's are not in the school's plan.
    assert len(plan.moves) == 5


def test_promotion_commit_and_undo_as_one_unit(county, section, final_grade):
    before = snapshot()
    with audit_context(user=section):
        change = rc.promotion_request(
            school_year=county.year,
            division=county.county,
            repeat_ids=[county.students["李小梅"].pk],
            promote_date=dt.date(2025, 9, 1),
            graduate_date=dt.date(2025, 7, 1),
            acting_user=section,
        )
    change.refresh_from_db()
    assert change.state == RollChangeState.DONE, change.message
    next_year = SchoolYear.objects.get(start_year=2025)
    assert change.to_school_year == next_year
    # P1 -> P2 in 1班 of 2025 (created), the repeater stays in P1 1班 of 2025, J1 -> J2, P6 graduates in 2024.
    zhang = current(county.students["张三丰"])
    assert (zhang.school_year, zhang.grade, zhang.school_class.name, zhang.status) == (
        next_year,
        "P2",
        "1班",
        "enrolled",
    )
    li = current(county.students["李小梅"])
    assert (li.grade, li.school_class.grade) == ("P1", "P1")
    assert current(county.students["陈明"]).grade == "J2"
    for name in ("毕业甲", "毕业乙"):
        row = current(final_grade[name])
        assert (row.school_year, row.status, row.status_date) == (county.year, "graduated", dt.date(2025, 7, 1))
    # The suspended pupil stays where she was; the pupil with no class moves up with no class.
    assert current(final_grade["休学丙"]).school_year == county.year
    assert current(final_grade["无班丁"]).school_class is None and current(final_grade["无班丁"]).grade == "P3"
    # The old year's rows of promoted pupils stay current in their year (one current row per year).
    assert county.enrollments["张三丰"].__class__.objects.get(pk=county.enrollments["张三丰"].pk).is_current
    # Every row written has a change record.
    created = Enrollment.objects.filter(pk__gt=0, school_year=next_year).count() + 2
    records = ObjectChange.objects.filter(content_type__model="enrollment", action=ChangeAction.CREATE, user=section)
    assert records.count() == created
    assert AuditEvent.objects.filter(event="students.rollchange.promote", data__roll_change=change.pk).exists()
    # Undone as one unit: the year's classes it created are gone too.
    assert rc.undo_refusal(change, section) is None
    rc.rollchange_undo(roll_change=change, acting_user=section)
    after = snapshot()
    assert after[0] == before[0] and after[2] == before[2] and after[3] == before[3]
    assert after[1] == before[1]


def test_promotion_undo_refused_after_a_later_change(county, section, final_grade):
    change = rc.promotion_request(
        school_year=county.year,
        school=county.school_b1,
        promote_date=dt.date(2025, 9, 1),
        graduate_date=dt.date(2025, 7, 1),
        acting_user=section,
    )
    assert change.state == RollChangeState.DONE
    rc.pupils_suspend(students=[county.students["王芳"]], date=dt.date(2025, 10, 8), acting_user=section)
    reason = rc.undo_refusal(change, section)
    assert reason and "之后" in reason
    with pytest.raises(Refused):
        rc.rollchange_undo(roll_change=change, acting_user=section)


def test_promotion_refusals_write_nothing(county, school_user, final_grade):
    before, last = snapshot(), last_change_id()
    bad = [
        # Another school (B1) for A1's account.
        dict(school=county.school_b1, promote_date=dt.date(2025, 9, 1), graduate_date=dt.date(2025, 7, 1)),
        # The county for a school account.
        dict(division=county.county, promote_date=dt.date(2025, 9, 1), graduate_date=dt.date(2025, 7, 1)),
        # Dates the wrong way round, or outside the years.
        dict(school=county.school_a1, promote_date=dt.date(2025, 6, 1), graduate_date=dt.date(2025, 7, 1)),
        dict(school=county.school_a1, promote_date=dt.date(2025, 9, 1), graduate_date=dt.date(2023, 7, 1)),
        # A repeater who is not the school's pupil.
        dict(
            school=county.school_a1,
            promote_date=dt.date(2025, 9, 1),
            graduate_date=dt.date(2025, 7, 1),
            repeat_ids=[county.students["赵思飞"].pk],
        ),
    ]
    for kwargs in bad:
        with pytest.raises(Refused):
            rc.promotion_request(school_year=county.year, acting_user=school_user, **kwargs)
    assert snapshot() == before and last_change_id() == last and not RollChange.objects.exists()


def test_promotion_twice_skips_pupils_already_in_the_next_year(county, section, final_grade):
    rc.promotion_request(
        school_year=county.year,
        school=county.school_a1,
        promote_date=dt.date(2025, 9, 1),
        graduate_date=dt.date(2025, 7, 1),
        acting_user=section,
    )
    plan = rc.promotion_plan(section, school_year=county.year, school=county.school_a1)
    assert plan.totals["skipped"] == plan.totals["on_roll"] - plan.totals["graduated"]
    assert plan.exceptions["next_year"]["count"] == plan.totals["skipped"]


def test_repeaters_from_text_names_the_bad_line(county, school_user):
    pupil = county.students["张三丰"]
    assert rc.repeaters_from_text(school_user, f"\n{pupil.id_number}\n", school_year=county.year) == [pupil.pk]
    with pytest.raises(Refused) as refused:
        rc.repeaters_from_text(
            school_user, f"{pupil.id_number}\n{county.students['赵思飞'].id_number}", school_year=county.year
        )
    assert "第 2 行" in refused.value.messages[0]
