"""A bad 年级 names the allowed grades in grade order (小班 … 一年级、二年级、三年级 …), not sorted by code point."""

import pytest

from emis.core.imports.cells import CellError
from emis.students.choices import Grade
from emis.students.importers import _parse_grade


def test_a_bad_grade_lists_the_grades_in_grade_order():
    with pytest.raises(CellError) as raised:
        _parse_grade("十年级")
    message = str(raised.value)
    assert "年级“十年级”不在可选值中" in message
    listed = message.split("：", 1)[1].rstrip("。").split("、")
    assert listed == [str(label) for label in Grade.labels]
    assert listed.index("一年级") < listed.index("二年级") < listed.index("三年级") < listed.index("七年级")
