"""Columns shared by every kind that imports people (students, staff, the population register)."""

from .cells import parse_date, parse_gender, parse_id_number, parse_text
from .engine import Column


def id_number_column(*, required: bool, example: str) -> Column:
    return Column(
        "id_number", "身份证件号", ("身份证号", "id_number", "id number"), required, parse_id_number, example=example
    )


def person_columns(*, example_name: str, example_birth: str) -> list[Column]:
    """姓名, 性别, 出生日期 with their English aliases."""
    return [
        Column("name", "姓名", ("name",), True, parse_text, example=example_name),
        Column("gender", "性别", ("gender", "sex"), True, parse_gender, example="男"),
        Column("birth_date", "出生日期", ("birth_date", "date of birth"), True, parse_date, example=example_birth),
    ]
