"""Validators for the identifiers the bureau handles: 居民身份证号, 全国学籍号, 学校标识码.

Rules and sources: shared/docs/domain-rules.md section 2.
"""

import datetime as dt
import re
from functools import lru_cache
from operator import mul

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
ID_PATTERN = re.compile(r"^\d{17}[\dX]$")
STUDENT_NO_PATTERN = re.compile(r"^[GJL][0-9A-Z]{18}$")
SCHOOL_CODE_PATTERN = re.compile(r"^\d{10}$")

# 学校标识码 leading two digits: 学校类别 (domain-rules 2.3).
SCHOOL_CODE_CATEGORY_PREFIXES = {
    "11",
    "21",
    "22",
    "31",
    "32",
    "33",
    "34",
    "35",
    "36",
    "37",
    "41",
    "42",
    "51",
    "91",
    "92",
    "93",
}

GENDER_MALE = "1"
GENDER_FEMALE = "2"


def id_check_digit(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character for the first 17 digits of an ID number."""
    if len(first17) == 17 and first17.isascii() and first17.isdigit():
        # Imports check this for every row of million-row files, so the weighted sum is worked out by int() in C:
        # the weights are 2^17 ... 2^1 mod 11 and 13 = 2 (mod 11), so the digits read in base 13 are half the sum.
        return ID_CHECK_CHARS[2 * int(first17, 13) % 11]
    return ID_CHECK_CHARS[sum(map(mul, map(int, first17), ID_WEIGHTS)) % 11]


def normalize_id_number(value: str) -> str:
    return (value or "").strip().upper()


def id_birth_date(id_number: str) -> dt.date | None:
    return _date_of_digits(id_number[6:14])


@lru_cache(maxsize=1 << 14)
def _date_of_digits(digits: str) -> dt.date | None:
    """YYYYMMDD as a date; a file's pupils share a few thousand birth dates, so most are a cache hit."""
    try:
        return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


def id_gender(id_number: str) -> str:
    """GB/T 2261.1 gender code from the 顺序码: odd is male (1), even is female (2)."""
    return GENDER_MALE if int(id_number[16]) % 2 == 1 else GENDER_FEMALE


def validate_id_number(value: str) -> None:
    """Raise ValidationError unless value is a well-formed 18-character ID with a correct check digit."""
    id_number = normalize_id_number(value)
    if not ID_PATTERN.match(id_number):
        raise ValidationError(
            _("身份证号“%(value)s”格式不正确：应为18位，前17位为数字，末位为数字或X。"),
            code="id_format",
            params={"value": mask_id_number(id_number)},
        )
    birth = id_birth_date(id_number)
    if birth is None:
        raise ValidationError(_("身份证号中的出生日期不是有效日期。"), code="id_birth_invalid")
    if birth > dt.date.today():
        raise ValidationError(_("身份证号中的出生日期晚于今天。"), code="id_birth_future")
    expected = id_check_digit(id_number[:17])
    if id_number[17] != expected:
        raise ValidationError(
            _("身份证号校验位错误：末位应为 %(expected)s。"),
            code="id_check_digit",
            params={"expected": expected},
        )


def id_number_problems(
    id_number: str, birth_date: dt.date | None, gender: str | None, today: dt.date
) -> tuple[str | None, dict[str, str]]:
    """(the ID number's own error or None, field errors where birth date or gender disagree) for an already
    normalised ID: the same messages as validate_id_number and check_id_consistency, with the pattern, the
    birth date and the checksum worked out once. Imports call this for every row."""
    if ID_PATTERN.match(id_number):
        birth = id_birth_date(id_number)
        if birth is not None and birth <= today and id_check_digit(id_number[:17]) == id_number[17]:
            errors: dict[str, str] = {}
            if birth_date and birth_date != birth:
                errors["birth_date"] = str(
                    _("出生日期 %(date)s 与身份证号中的出生日期 %(id_date)s 不一致。")
                    % {"date": birth_date.isoformat(), "id_date": birth.isoformat()}
                )
            if gender and gender != (GENDER_MALE if int(id_number[16]) % 2 == 1 else GENDER_FEMALE):
                errors["gender"] = str(_("性别与身份证号第17位（奇数为男，偶数为女）不一致。"))
            return None, errors
    try:
        validate_id_number(id_number)
    except ValidationError as exc:
        return exc.messages[0], {}
    return None, check_id_consistency(id_number, birth_date, gender)  # not reached for a normalised ID


def check_id_consistency(id_number: str, birth_date: dt.date | None, gender: str | None) -> dict[str, str]:
    """Field errors where birth date or gender disagree with a (valid) ID number."""
    errors: dict[str, str] = {}
    id_number = normalize_id_number(id_number)
    if not ID_PATTERN.match(id_number):
        return errors
    birth = id_birth_date(id_number)
    if birth_date and birth and birth_date != birth:
        errors["birth_date"] = str(
            _("出生日期 %(date)s 与身份证号中的出生日期 %(id_date)s 不一致。")
            % {"date": birth_date.isoformat(), "id_date": birth.isoformat()}
        )
    if gender and gender != id_gender(id_number):
        errors["gender"] = str(_("性别与身份证号第17位（奇数为男，偶数为女）不一致。"))
    return errors


def validate_student_no(value: str) -> None:
    """全国学籍号: G or J + 18 characters with the ID checksum; L + 18 characters (temporary) without."""
    student_no = (value or "").strip().upper()
    if not STUDENT_NO_PATTERN.match(student_no):
        raise ValidationError(
            _("全国学籍号“%(value)s”格式不正确：应为 G、J 或 L 开头加18位。"),
            code="student_no_format",
            params={"value": student_no},
        )
    if student_no[0] in "GJ":
        tail = student_no[1:]
        if not ID_PATTERN.match(tail) or id_check_digit(tail[:17]) != tail[17]:
            raise ValidationError(
                _("全国学籍号校验位错误（G/J 开头的学籍号按身份证号规则校验）。"), code="student_no_check"
            )
    elif not student_no[1:15].isdigit():
        raise ValidationError(_("临时学籍号（L 开头）前14位应为区划码和出生日期。"), code="student_no_format")


def student_no_warning(student_no: str | None, id_number: str | None):
    """The note for a G 学籍号 that is not G + the pupil's current ID number, or None. A warning, never a refusal:
    the 学籍号 is for life and ID numbers get corrected (domain-rules 2.2).
    The import, the pages and the API show it."""
    student_no = (student_no or "").strip().upper()
    id_number = (id_number or "").strip().upper()
    if student_no.startswith("G") and id_number and student_no[1:] != id_number:
        return _("G 字头学籍号与身份证件号不一致：学籍号终身不变，身份证件号可能已更正，请核对。")
    return None


def validate_school_code(value: str) -> None:
    """学校标识码: 10 digits, a known 学校类别 prefix, and in digits 3-4 the province of the deployment's area (when
    the area is set; a school's own province, that of its township, is checked by School.clean and the import)."""
    code = (value or "").strip()
    if not SCHOOL_CODE_PATTERN.match(code):
        raise ValidationError(
            _("学校标识码“%(value)s”应为10位数字。"), code="school_code_format", params={"value": code}
        )
    if code[:2] not in SCHOOL_CODE_CATEGORY_PREFIXES:
        raise ValidationError(
            _("学校标识码前两位“%(prefix)s”不是有效的学校类别代码。"),
            code="school_code_category",
            params={"prefix": code[:2]},
        )
    province = settings.EMIS_AREA_CODE[:2]
    if province and code[2:4] != province:
        raise ValidationError(
            _("学校标识码第3-4位“%(found)s”应为本省代码 %(province)s。"),
            code="school_code_province",
            params={"found": code[2:4], "province": province},
        )


def mask_id_number(value: str | None) -> str:
    """421224************: only the area code (after a 学籍号's letter: G421224************) stays.

    The tail must go too: shown beside the birth date (which a record shows anyway), the last two characters
    leave about nine candidates for the sequence and check digit, a handful of guesses.
    """
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    keep = 7 if value[0].isalpha() else 6
    return value[:keep] + "*" * (len(value) - keep)


def make_id_number(area_code: str, birth: dt.date, sequence: int, gender: str) -> str:
    """Build a well-formed synthetic ID number; the sequence's last digit is forced to match gender."""
    seq = sequence % 1000
    if (seq % 2 == 1) != (gender == GENDER_MALE):
        seq = (seq + 1) % 1000
    first17 = f"{area_code[:6]}{birth:%Y%m%d}{seq:03d}"
    return first17 + id_check_digit(first17)
