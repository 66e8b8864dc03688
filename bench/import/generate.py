"""Write a synthetic 学籍 roster (valid IDs, realistic grades/ages) spread over many schools."""

import csv
import datetime as dt
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from emis.common.idnumbers import make_id_number  # noqa: E402

HEADERS = [
    "学校标识码",
    "年级",
    "班级",
    "姓名",
    "性别",
    "出生日期",
    "身份证件号",
    "全国学籍号",
    "学籍状态",
    "户籍乡镇代码",
    "是否寄宿",
    "是否脱贫家庭",
    "是否残疾",
]
GRADES = ["一年级", "二年级", "三年级", "四年级", "五年级", "六年级", "七年级", "八年级", "九年级"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰"
SCHOOLS = 200
TOWNSHIPS = ["421224100", "421224101", "421224102", "421224103", "421224104", "421224105", "421224106"]


def school_code(index: int) -> str:
    return f"2142{index:06d}"


def rows(count: int):
    # About 45 pupils a class, as in the county's schools.
    classes_per_grade = max(1, count // (SCHOOLS * 9 * 45))
    for r in range(count):
        grade_index = r % 9
        gender = "1" if r % 2 else "2"
        birth = dt.date(2014 - grade_index, 1, 1) + dt.timedelta(days=(r // 9) % 365)
        sequence = r // (9 * 365)
        id_number = make_id_number("421224", birth, sequence, gender)
        name = SURNAMES[r % 20] + GIVEN[(r // 20) % len(GIVEN)] + (GIVEN[(r // 600) % len(GIVEN)] if r % 3 else "")
        yield [
            school_code(r % SCHOOLS),
            GRADES[grade_index],
            f"{(r // (SCHOOLS * 9)) % classes_per_grade + 1}班",
            name,
            "男" if gender == "1" else "女",
            birth.isoformat(),
            id_number,
            "G" + id_number,
            "在读",
            TOWNSHIPS[r % len(TOWNSHIPS)],
            "否",
            "是" if r % 17 == 0 else "否",
            "否",
        ]


def write(path: Path, count: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".csv":
        with open(path, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADERS)
            writer.writerows(rows(count))
    else:
        import xlsxwriter

        workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        sheet = workbook.add_worksheet("学生")
        sheet.write_row(0, 0, HEADERS)
        for index, row in enumerate(rows(count), start=1):
            sheet.write_row(index, 0, row)
        workbook.close()
    return path
