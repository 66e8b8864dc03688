"""Identifier rules: 居民身份证号 (GB 11643, ISO 7064 MOD 11-2), 全国学籍号 and 学校标识码, and their messages."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from emis.common.idnumbers import (
    GENDER_FEMALE,
    GENDER_MALE,
    check_id_consistency,
    id_birth_date,
    id_check_digit,
    id_gender,
    id_number_problems,
    make_id_number,
    mask_id_number,
    normalize_id_number,
    validate_id_number,
    validate_school_code,
    validate_student_no,
)
from emis.common.text import pinyin_full, pinyin_initials


def messages(callable_, value) -> list[str]:
    with pytest.raises(ValidationError) as info:
        callable_(value)
    return info.value.messages


# 居民身份证号 ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "id_number",
    [
        "11010519491231002X",  # the example printed in GB 11643-1999
        "440524188001010014",
        "11010519491231002x",  # lower-case x is normalised
        " 11010519491231002X ",
    ],
)
def test_valid_id_numbers(id_number):
    validate_id_number(id_number)


def test_check_digit_of_the_standards_example():
    assert id_check_digit("11010519491231002") == "X"
    assert id_check_digit("44052418800101001") == "4"


@given(first17=st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_the_check_digit_is_the_weighted_sum_of_the_standard(first17):
    """GB 11643: the sum of each digit times 2^(18-i) mod 11, mod 11, indexes "10X98765432"."""
    weighted = sum(int(digit) * pow(2, 17 - index, 11) for index, digit in enumerate(first17)) % 11
    assert id_check_digit(first17) == "10X98765432"[weighted]


def test_full_width_digits_get_the_same_check_digit_as_ascii_ones():
    assert id_check_digit("１１０１０５１９４９１２３１００２") == id_check_digit("11010519491231002") == "X"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("110105194912310021", "身份证号校验位错误：末位应为 X。"),
        ("440524188001010015", "身份证号校验位错误：末位应为 4。"),
        ("11010519491231002", "身份证号“110105***********”格式不正确：应为18位，前17位为数字，末位为数字或X。"),
        ("1101051949123100ZX", "身份证号“110105************”格式不正确：应为18位，前17位为数字，末位为数字或X。"),
        ("110105194902300021", "身份证号中的出生日期不是有效日期。"),
        ("110105210001010011", "身份证号中的出生日期晚于今天。"),
        ("", "身份证号“”格式不正确：应为18位，前17位为数字，末位为数字或X。"),
    ],
)
def test_invalid_id_numbers_are_explained(value, expected):
    assert messages(validate_id_number, value) == [expected]


def test_format_error_never_repeats_the_whole_number():
    assert "110105194912310" not in messages(validate_id_number, "11010519491231002XX")[0]


def test_birth_date_and_gender_from_the_id_number():
    assert id_birth_date("11010519491231002X") == dt.date(1949, 12, 31)
    assert id_gender("11010519491231002X") == GENDER_FEMALE  # 顺序码 002: even
    assert id_gender("440524188001010014") == GENDER_MALE  # 001: odd


def test_consistency_with_birth_date_and_gender():
    id_number = "11010519491231002X"
    assert check_id_consistency(id_number, dt.date(1949, 12, 31), GENDER_FEMALE) == {}
    errors = check_id_consistency(id_number, dt.date(1950, 1, 1), GENDER_MALE)
    assert errors == {
        "birth_date": "出生日期 1950-01-01 与身份证号中的出生日期 1949-12-31 不一致。",
        "gender": "性别与身份证号第17位（奇数为男，偶数为女）不一致。",
    }
    assert check_id_consistency("not an id", dt.date(1950, 1, 1), GENDER_MALE) == {}
    assert check_id_consistency(id_number, None, None) == {}


def test_masking():
    # Only the area code: with the birth date (shown on the record anyway) a kept tail leaves a handful of candidates.
    assert mask_id_number("42122420180305101X") == "421224************"
    assert mask_id_number("G42122420180305101X") == "G421224************"
    assert mask_id_number("1234") == "****"
    assert mask_id_number("") == "" and mask_id_number(None) == ""
    assert normalize_id_number(" 42122420180305101x ") == "42122420180305101X"


birth_dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2024, 12, 31))
genders = st.sampled_from([GENDER_MALE, GENDER_FEMALE])


@settings(max_examples=60, deadline=None)
@given(birth=birth_dates, sequence=st.integers(0, 999), gender=genders)
def test_made_ids_are_valid_and_consistent(birth, sequence, gender):
    id_number = make_id_number("421224", birth, sequence, gender)
    validate_id_number(id_number)
    assert id_birth_date(id_number) == birth
    assert id_gender(id_number) == gender
    assert check_id_consistency(id_number, birth, gender) == {}
    assert mask_id_number(id_number) == "421224" + "*" * 12


@settings(max_examples=60, deadline=None)
@given(
    birth=birth_dates,
    sequence=st.integers(0, 999),
    gender=genders,
    position=st.integers(0, 16),
    delta=st.integers(1, 9),
)
def test_any_single_digit_error_is_caught(birth, sequence, gender, position, delta):
    """MOD 11-2 detects every change of one digit among the first 17."""
    id_number = make_id_number("421224", birth, sequence, gender)
    digit = (int(id_number[position]) + delta) % 10
    altered = id_number[:position] + str(digit) + id_number[position + 1 :]
    assert id_check_digit(altered[:17]) != altered[17]


def _separate_checks(id_number, birth, gender):
    try:
        validate_id_number(id_number)
    except ValidationError as exc:
        return exc.messages[0], {}
    return None, check_id_consistency(id_number, birth, gender)


@settings(max_examples=120, deadline=None)
@given(
    birth=birth_dates,
    sequence=st.integers(0, 999),
    gender=genders,
    stated_birth=st.one_of(st.none(), birth_dates),
    stated_gender=st.one_of(st.none(), genders),
    damage=st.sampled_from(["none", "digit", "check", "short", "month", "future"]),
)
def test_the_import_fast_path_gives_the_same_verdict_as_the_separate_checks(
    birth, sequence, gender, stated_birth, stated_gender, damage
):
    id_number = make_id_number("421224", birth, sequence, gender)
    if damage == "digit":
        id_number = id_number[:15] + str((int(id_number[15]) + 1) % 10) + id_number[16:]
    elif damage == "check":
        id_number = id_number[:17] + ("0" if id_number[17] != "0" else "1")
    elif damage == "short":
        id_number = id_number[:17]
    elif damage == "month":
        id_number = id_number[:10] + "13" + id_number[12:]
    elif damage == "future":
        id_number = make_id_number("421224", dt.date.today() + dt.timedelta(days=400), sequence, gender)
    today = dt.date.today()
    assert id_number_problems(id_number, stated_birth, stated_gender, today) == _separate_checks(
        id_number, stated_birth, stated_gender
    )


# 全国学籍号 -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["G11010519491231002X", "J440524188001010014", "L42122420180305ABCD", "g11010519491231002x"]
)
def test_valid_student_numbers(value):
    validate_student_no(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("G11010519491231002", "全国学籍号“G11010519491231002”格式不正确：应为 G、J 或 L 开头加18位。"),
        ("K11010519491231002X", "全国学籍号“K11010519491231002X”格式不正确：应为 G、J 或 L 开头加18位。"),
        ("G110105194912310021", "全国学籍号校验位错误（G/J 开头的学籍号按身份证号规则校验）。"),
        ("LABCDEF20180305ABCD", "临时学籍号（L 开头）前14位应为区划码和出生日期。"),
    ],
)
def test_invalid_student_numbers_are_explained(value, expected):
    assert messages(validate_student_no, value) == [expected]


# 学校标识码 -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["2142000101", "3142999999", "1142000001"])
def test_valid_school_codes(value):
    validate_school_code(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("214200010", "学校标识码“214200010”应为10位数字。"),
        ("21420001AB", "学校标识码“21420001AB”应为10位数字。"),
        ("9942000101", "学校标识码前两位“99”不是有效的学校类别代码。"),
    ],
)
def test_invalid_school_codes_are_explained(value, expected):
    assert messages(validate_school_code, value) == [expected]


@override_settings(EMIS_AREA_CODE="4301")
def test_school_code_province_comes_from_the_deployment_area():
    validate_school_code("2143000101")
    assert messages(validate_school_code, "2142000101") == ["学校标识码第3-4位“42”应为本省代码 43。"]


@override_settings(EMIS_AREA_CODE="")
def test_school_code_province_is_its_townships_when_no_area_is_set(county):
    from django.core.exceptions import ValidationError

    validate_school_code("2143000101")  # no area: the validator alone cannot know the province
    school = county.school_a1
    school.code = "2143000109"
    with pytest.raises(ValidationError) as caught:
        school.full_clean()
    assert caught.value.message_dict["code"] == ["学校标识码第3-4位“43”应为所在省代码 42。"]


# Model-level rules ----------------------------------------------------------------------------------------


def test_student_model_rules(county):
    from emis.students.models import Student

    source = county.students["张三丰"]
    student = Student(
        name="测试",
        gender=source.gender,
        birth_date=source.birth_date,
        id_number=None,
        student_no=None,
        current_school=county.school_a1,
    )
    with pytest.raises(ValidationError) as info:
        student.full_clean(validate_unique=False)
    assert info.value.message_dict["student_no"] == ["身份证号和全国学籍号至少填写一项。"]
    student.id_number = source.id_number
    student.student_no = "G" + make_id_number("421224", dt.date(2017, 1, 1), 5, GENDER_MALE)
    # A G 学籍号 other than G + the current ID number is accepted: ID numbers get corrected (domain-rules 2.2).
    student.full_clean(validate_unique=False, validate_constraints=False)


def test_pinyin_keys():
    assert pinyin_initials("张三丰") == "zsf"
    assert pinyin_initials("欧阳娜娜") == "oynn"
    assert pinyin_initials("李A1") == "la1"
    assert pinyin_initials("") == ""
    assert pinyin_full("张三丰") == "zhangsanfeng"
