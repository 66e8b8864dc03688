"""四查三比对 (emis.dropouts.detection): every category and edge of issue 15 item 1, on the small county of
emis.testing (school year 2024: the window is birth dates 2008-09-01 .. 2018-08-31)."""

from __future__ import annotations

import datetime as dt

import pytest

from emis.common.idnumbers import GENDER_FEMALE, GENDER_MALE
from emis.core.access import Role
from emis.dropouts.categories import Category
from emis.dropouts.detection import age_window, detect, near_id
from emis.testing import id_for, make_enrollment, make_outside_enrollment, make_population, make_student

pytestmark = pytest.mark.django_db

BIRTH = dt.date(2014, 5, 6)


def flags_by_name(result):
    return {flag.name: flag for flag in result.flags}


def register(county, name, *, birth=BIRTH, gender=GENDER_MALE, township=None, id_number=None):
    return make_population(
        name, county.year, township or county.township_a, birth=birth, gender=gender, id_number=id_number
    )


def pupil(county, name, *, birth=BIRTH, gender=GENDER_MALE, id_number="auto", status="enrolled", key="A1", **extra):
    student = make_student(name, county.schools[key], birth=birth, gender=gender, id_number=id_number, **extra)
    make_enrollment(student, county.classes[key], status=status)
    return student


def typo(number: str, position: int) -> str:
    digit = "7" if number[position] != "7" else "3"
    return number[:position] + digit + number[position + 1 :]


def swap(number: str, position: int) -> str:
    assert number[position] != number[position + 1]
    return number[:position] + number[position + 1] + number[position] + number[position + 2 :]


def test_the_age_window_of_a_school_year():
    assert age_window(2024) == (dt.date(2008, 9, 1), dt.date(2018, 8, 31))


def test_near_id_counts_one_digit_or_one_adjacent_swap():
    number = "421224201405060013"
    assert near_id(number, typo(number, 16))
    assert near_id(number, swap(number, 8))
    assert not near_id(number, number)
    assert not near_id(number, typo(typo(number, 16), 3))
    assert not near_id(number, number[:6] + number[8] + number[7] + number[6] + number[9:])  # a swap, not adjacent
    assert not near_id(number, None)


def test_a_child_enrolled_at_a_school_is_never_flagged(county):
    result = detect(county.year, count_examined=True)
    assert result.flags == []  # 张三丰 and 赵思飞 are on rolls; 钱多多 is too young
    assert result.examined == 2


def test_turning_six_on_31_august_is_in_and_on_1_september_is_out(county):
    register(county, "八月生", birth=dt.date(2018, 8, 31))
    register(county, "九月生", birth=dt.date(2018, 9, 1))
    flags = flags_by_name(detect(county.year))
    assert flags["八月生"].category == Category.NOT_ENROLLED
    assert "未在本县任何学校在籍" in flags["八月生"].reason
    assert "九月生" not in flags


def test_turning_sixteen_on_31_august_is_out_and_on_1_september_is_in(county):
    register(county, "已满十六", birth=dt.date(2008, 8, 31))
    register(county, "未满十六", birth=dt.date(2008, 9, 1))
    flags = flags_by_name(detect(county.year))
    assert "已满十六" not in flags
    assert flags["未满十六"].category == Category.NOT_ENROLLED


def test_dropped_out_and_suspended_by_the_roll_status(county):
    for name, status in (("辍学生", "dropped_out"), ("休学生", "suspended")):
        student = pupil(county, name, status=status, birth=dt.date(2012, 1, 1))
        register(county, name, birth=student.birth_date, id_number=student.id_number)
    flags = flags_by_name(detect(county.year))
    assert flags["辍学生"].category == Category.DROPPED_OUT
    assert flags["辍学生"].school_id == county.school_a1.pk
    assert "辍学" in flags["辍学生"].reason
    assert flags["休学生"].category == Category.SUSPENDED
    assert "不计为辍学" in flags["休学生"].reason
    assert flags["休学生"].student_id is not None


def test_a_transfer_out_verified_outside_is_not_flagged_and_one_not_verified_is(county):
    verified = pupil(county, "吴外读", status="transferred_out", birth=dt.date(2016, 6, 6), id_number=None)
    outside = county.outside["A"]  # 吴外读's 县外就读 record
    verified.id_number = outside.id_number
    verified.save()
    register(county, "吴外读", birth=dt.date(2016, 6, 6), id_number=outside.id_number)
    gone = pupil(county, "转出生", status="transferred_out", birth=dt.date(2013, 3, 3))
    register(county, "转出生", birth=gone.birth_date, id_number=gone.id_number)
    flags = flags_by_name(detect(county.year))
    assert "吴外读" not in flags
    assert flags["转出生"].category == Category.TRANSFERRED_UNVERIFIED
    assert "无县外就读核实记录" in flags["转出生"].reason


def test_a_child_verified_outside_with_no_roll_is_not_flagged(county):
    record = make_outside_enrollment("县外生", county.year, county.township_b, birth=dt.date(2011, 2, 2))
    register(county, "县外生", birth=dt.date(2011, 2, 2), id_number=record.id_number)
    assert "县外生" not in flags_by_name(detect(county.year))


def test_a_homophone_name_with_the_same_birth_date_and_gender_is_a_possible_match(county):
    register(county, "章玮")
    student = pupil(county, "张伟", key="B1")  # its ID is on no register entry
    flag = flags_by_name(detect(county.year))["章玮"]
    assert flag.category == Category.POSSIBLE_MATCH
    assert flag.candidate_student_id == student.pk
    assert flag.candidate_student_no == student.student_no
    assert flag.school_id == county.school_b1.pk
    assert "姓名同音" in flag.reason and "南林桥镇中心小学" in flag.reason


def test_a_homophone_of_another_gender_or_birth_date_is_not_a_match(county):
    register(county, "章玮")
    pupil(county, "张伟", gender=GENDER_FEMALE, id_number=id_for(BIRTH, GENDER_FEMALE))
    pupil(county, "张炜", birth=BIRTH + dt.timedelta(days=1))
    assert flags_by_name(detect(county.year))["章玮"].category == Category.NOT_ENROLLED


def test_a_one_digit_id_typo_with_the_same_name_is_a_possible_match(county):
    child = register(county, "刘洋")
    # The typo is in the birth date's digits: the roll's birth date differs, the name is the same.
    student = pupil(county, "刘洋", birth=dt.date(2014, 5, 7), id_number=typo(child.id_number, 13))
    flag = flags_by_name(detect(county.year))["刘洋"]
    assert flag.category == Category.POSSIBLE_MATCH
    assert flag.candidate_student_id == student.pk
    assert "仅差一位" in flag.reason


def test_a_transposition_with_the_same_name_is_a_possible_match(county):
    child = register(county, "黄河", id_number="421224201405060019")
    student = pupil(county, "黄河", birth=dt.date(2014, 6, 5), id_number=swap(child.id_number, 10))
    flag = flags_by_name(detect(county.year))["黄河"]
    assert flag.category == Category.POSSIBLE_MATCH
    assert flag.candidate_student_id == student.pk


def test_an_id_one_digit_off_with_another_name_is_no_match(county):
    child = register(county, "刘洋")
    pupil(county, "王磊", birth=dt.date(2014, 5, 7), id_number=typo(child.id_number, 13))
    assert flags_by_name(detect(county.year))["刘洋"].category == Category.NOT_ENROLLED


def test_a_roll_entry_matched_to_another_register_child_is_not_a_candidate(county):
    other = pupil(county, "张伟")
    register(county, "张伟", id_number=other.id_number, township=county.township_b)
    register(county, "章玮")
    flags = flags_by_name(detect(county.year))
    assert flags["章玮"].category == Category.NOT_ENROLLED
    assert "张伟" not in flags


def test_a_child_on_two_rolls_is_a_duplicate_not_a_flag(county):
    number = id_for(BIRTH, GENDER_MALE)
    first = pupil(county, "双学籍", id_number=number, student_no=f"G{number}")
    register(county, "双学籍", id_number=number)
    result = detect(county.year)
    assert "双学籍" not in flags_by_name(result)
    assert result.duplicates == []
    # Same name, birth date and gender, IDs one digit apart, both on roll: a duplicate.
    twin = pupil(county, "双学籍", key="A2", id_number=typo(number, 15))
    duplicate = [d for d in detect(county.year).duplicates if d.name == "双学籍"]
    assert len(duplicate) == 1
    assert set(duplicate[0].student_ids) == {first.pk, twin.pk}
    assert set(duplicate[0].school_ids) == {county.school_a1.pk, county.school_a2.pk}
    assert "疑似重复学籍" in duplicate[0].reason


def test_a_g_student_number_made_of_another_pupils_id_is_a_duplicate(county):
    number = id_for(BIRTH, GENDER_MALE)
    first = pupil(county, "甲", id_number=number, student_no=None)
    second = pupil(county, "甲乙", key="B1", id_number=None, student_no=f"G{number}")
    duplicates = detect(county.year).duplicates
    assert len(duplicates) == 1
    assert set(duplicates[0].student_ids) == {first.pk, second.pk}
    assert duplicates[0].id_number == number
    assert "一处仅有全国学籍号" in duplicates[0].reason


def test_a_graduate_of_junior_school_and_a_deceased_child_are_not_flagged(county):
    for name, status, key in (
        ("毕业生", "graduated", "A2"),
        ("死亡", "deceased", "A1"),
        ("小学毕业", "graduated", "A1"),
    ):
        student = pupil(county, name, status=status, key=key, birth=dt.date(2009, 1, 1))
        register(county, name, birth=student.birth_date, id_number=student.id_number)
    flags = flags_by_name(detect(county.year))
    assert "毕业生" not in flags and "死亡" not in flags
    assert flags["小学毕业"].category == Category.NOT_ENROLLED


def test_a_township_and_a_township_user_see_only_their_own_children(county):
    register(county, "甲镇童")
    register(county, "乙镇童", township=county.township_b)
    both = flags_by_name(detect(county.year))
    assert {"甲镇童", "乙镇童"} <= set(both)
    assert set(flags_by_name(detect(county.year, township_code=county.township_b.code))) == {"乙镇童"}
    assert set(flags_by_name(detect(county.year, user=county.users[Role.TOWNSHIP]))) == {"甲镇童"}
    assert detect(county.year, user=county.users[Role.SCHOOL]).flags == []  # the register is not a school's
    assert detect(2024, county_code="421223").flags == []  # another county


def test_a_child_of_the_register_at_school_in_another_township_of_the_county_is_in_school(county):
    student = pupil(county, "进城读书", key="A1")
    register(county, "进城读书", id_number=student.id_number, township=county.township_b)
    assert "进城读书" not in flags_by_name(detect(county.year, user=county.users[Role.TOWNSHIP]))
    assert "进城读书" not in flags_by_name(detect(county.year, township_code=county.township_b.code))


def test_duplicates_are_kept_where_one_of_the_schools_is_in_the_scope_asked_for(county):
    number = id_for(BIRTH, GENDER_MALE)
    pupil(county, "双学籍", id_number=number)  # A1, 通羊镇
    pupil(county, "双学籍", key="A2", id_number=typo(number, 15))  # A2, 通羊镇
    register(county, "双学籍", id_number=number)
    assert len(detect(county.year, user=county.users[Role.TOWNSHIP]).duplicates) == 1
    assert detect(county.year, township_code=county.township_b.code).duplicates == []
    assert detect(county.year, with_duplicates=False).duplicates == []
