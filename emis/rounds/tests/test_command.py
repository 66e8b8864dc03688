"""`emis admissions solve`: the file interface (csv and xlsx), its options, and every kind of bad input."""

import csv
import io

import pytest
import python_calamine as calamine
import xlsxwriter
from django.core.management import CommandError, call_command

A_HEADER = ["exam_no", "junior_school", "total", "chinese", "math", "english", "pref1", "pref2", "pref3"]
A_ROWS = [
    ["001", "J1", "650", "100", "100", "100", "X", "Y", ""],
    ["002", "J1", "640", "90", "100", "100", "X", "Y", ""],
    ["003", "J2", "480", "80", "80", "80", "X", "", ""],
    ["004", "J3", "630", "100", "90", "95", "Y", "X", ""],
    ["005", "J2", "600", "85", "85", "85", "Y", "", ""],
    ["006", "J3", "300", "50", "50", "50", "Y", "X", ""],
]
S_HEADER = ["school", "open_seats", "quota_seats", "quota_min_score"]
S_ROWS = [["X", "1", "2", "500"], ["Y", "2", "0", ""]]
Q_HEADER = ["school", "junior_school", "seats"]
Q_ROWS = [["X", "J1", "1"], ["X", "J2", "1"]]
EXPECTED = [
    ["001", "X", "quota", "1"],
    ["002", "X", "open", "1"],
    ["003", "X", "open", "1"],
    ["004", "Y", "open", "1"],
    ["005", "Y", "open", "1"],
    ["006", "", "", ""],
]


def write(path, header, rows):
    if path.suffix == ".xlsx":
        workbook = xlsxwriter.Workbook(str(path))
        sheet = workbook.add_worksheet()
        for r, values in enumerate([header, *rows]):
            for c, value in enumerate(values):
                sheet.write_string(r, c, str(value))
        workbook.close()
    else:
        with open(path, "w", encoding="utf-8-sig", newline="") as handle:
            csv.writer(handle).writerows([header, *rows])
    return path


def read(path):
    if path.suffix == ".xlsx":
        sheet = calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
        return [[str(int(v)) if isinstance(v, float) else str(v) for v in row] for row in sheet.to_python()]
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def files(tmp_path, a=A_ROWS, s=S_ROWS, q=Q_ROWS, suffix=".csv", a_header=A_HEADER):
    paths = {
        "applicants": write(tmp_path / f"A{suffix}", a_header, a),
        "schools": write(tmp_path / f"S{suffix}", S_HEADER, s),
    }
    if q is not None:
        paths["quotas"] = write(tmp_path / f"Q{suffix}", Q_HEADER, q)
    return paths


def run(paths, *extra):
    args = ["solve"]
    for option, path in paths.items():
        args += [f"--{option}", str(path)]
    out, err = io.StringIO(), io.StringIO()
    call_command("admissions", *args, *extra, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def rejected(tmp_path, paths, *extra):
    """Run expecting bad input: the CommandError, stderr, and no output file written."""
    result = tmp_path / "REJECTED.csv"
    paths = {**paths, "out": result}
    err = io.StringIO()
    args = ["solve"]
    for option, path in paths.items():
        args += [f"--{option}", str(path)]
    with pytest.raises(CommandError) as caught:
        call_command("admissions", *args, *extra, stdout=io.StringIO(), stderr=err)
    assert not result.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".REJECTED")]
    return str(caught.value), err.getvalue()


def test_solve_csv(tmp_path):
    paths = files(tmp_path)
    out_path, explain, cutoffs = tmp_path / "RESULT.csv", tmp_path / "EXPLAIN.csv", tmp_path / "CUT.csv"
    out, _ = run({**paths, "out": out_path, "explain": explain, "cutoffs": cutoffs})
    assert read(out_path) == [["exam_no", "school", "phase", "preference_rank"], *EXPECTED]
    assert "指标到校录取 1 人，统招录取 4 人，未录取 1 人" in out
    lines = read(explain)
    assert lines[0] == ["exam_no", "preference_rank", "school", "outcome", "reason"]
    assert ["006", "1", "Y", "rejected", "第一志愿 Y 校统招录取线 600 分，本人 300 分"] in lines
    reason = "第二志愿 X 校非本校指标生（本人初中 J3 未分得该校指标）；统招录取线 480 分，本人 300 分"
    assert ["006", "2", "X", "rejected", reason] in lines
    assert ["006", "", "", "not_admitted", "所填志愿均未被录取"] in lines
    assert ["001", "1", "X", "admitted", "第一志愿 X 校指标到校录取，不再参加统招录取"] in lines
    cut = read(cutoffs)
    assert cut[0][:6] == ["school", "phase", "junior_school", "seats", "admitted", "total"]
    assert ["X", "open", "", "2", "2", "480"] == cut[3][:6]


def test_solve_xlsx(tmp_path):
    paths = files(tmp_path, suffix=".xlsx")
    out_path = tmp_path / "RESULT.xlsx"
    run({**paths, "out": out_path, "explain": tmp_path / "EXPLAIN.xlsx"})
    assert read(out_path) == [["exam_no", "school", "phase", "preference_rank"], *EXPECTED]
    assert read(tmp_path / "EXPLAIN.xlsx")[0] == ["exam_no", "preference_rank", "school", "outcome", "reason"]


def test_default_quota_rule_and_quota_share(tmp_path):
    paths = files(tmp_path, q=None)
    out_path = tmp_path / "RESULT.csv"
    # Default rule: X's 2 quota seats split by applicants per junior school (J1 2, J2 2, J3 2): shares 2/3 each,
    # remainders tie, equal weights → J1 and J2 (the first codes) get one seat each. Same as Q.csv here.
    run({**paths, "out": out_path})
    assert read(out_path)[1:] == EXPECTED
    # --quota-share 100%: X's plan of 3 becomes 3 quota seats (one per junior school), 0 open seats.
    run({**paths, "out": out_path}, "--quota-share", "100%")
    assert read(out_path)[1:] == [
        ["001", "X", "quota", "1"],
        ["002", "X", "open", "1"],  # J1's seat is taken; X's open capacity is J2's unused quota seat
        ["003", "", "", ""],  # below X's minimum, and X's only open seat went to 002
        ["004", "X", "quota", "2"],  # J3's quota seat at X (Y has no quota seats); final, no open phase
        ["005", "Y", "open", "1"],
        ["006", "Y", "open", "1"],
    ]


def test_tie_break_option(tmp_path):
    rows = [
        ["001", "J1", "600", "100", "90", "100", "X", "", ""],
        ["002", "J1", "600", "90", "100", "100", "X", "", ""],
    ]
    paths = files(tmp_path, a=rows, s=[["X", "1", "0", ""], ["Y", "0", "0", ""]], q=None)
    out_path = tmp_path / "RESULT.csv"
    run({**paths, "out": out_path})
    assert read(out_path)[1] == ["001", "", "", ""]  # default: 语数外 equal, then math → 002
    run({**paths, "out": out_path}, "--tie-break", "total,chinese")
    assert read(out_path)[1] == ["001", "X", "open", "1"]


# --- bad input ------------------------------------------------------------------------------------------


def test_unknown_preference_school(tmp_path):
    rows = [*A_ROWS[:2], ["003", "J2", "480", "80", "80", "80", "X", "Z", ""]]
    message, err = rejected(tmp_path, files(tmp_path, a=rows))
    assert "A.csv 第 4 行，pref2 列：志愿学校 Z 不在学校文件中。" in err
    assert message == "输入有误（1 处），未写入任何文件。"


def test_duplicate_exam_number(tmp_path):
    rows = [*A_ROWS[:2], ["001", "J2", "480", "80", "80", "80", "X", "", ""]]
    _, err = rejected(tmp_path, files(tmp_path, a=rows))
    assert "A.csv 第 4 行，exam_no 列：考号 001 重复（第 2 行已有）。" in err


def test_bad_scores(tmp_path):
    rows = [
        ["001", "J1", "abc", "100", "100", "100", "X", "", ""],
        ["002", "J1", "640", "-1", "100", "100", "X", "", ""],
        ["003", "J1", "640", "90", "100.125", "100", "X", "", ""],
        ["004", "J1", "640", "90", "100", "", "X", "", ""],
    ]
    message, err = rejected(tmp_path, files(tmp_path, a=rows))
    assert "A.csv 第 2 行，total 列：“abc”不是数字。" in err
    assert "A.csv 第 3 行，chinese 列：“-1”不能为负数。" in err
    assert "A.csv 第 4 行，math 列：“100.125”最多保留两位小数。" in err
    assert "A.csv 第 5 行，english 列：必填项不能为空。" in err
    assert message == "输入有误（4 处），未写入任何文件。"


def test_quota_file_total_exceeding_quota_seats(tmp_path):
    _, err = rejected(tmp_path, files(tmp_path, q=[["X", "J1", "2"], ["X", "J2", "1"], ["Y", "J1", "1"]]))
    assert "Q.csv 第 3 行，seats 列：学校 X 的指标合计已达 3，超过学校文件中的 quota_seats 2。" in err
    assert "Q.csv 第 4 行，seats 列：学校 Y 的指标合计已达 1，超过学校文件中的 quota_seats 0。" in err


def test_quota_file_unknown_school_duplicate_pair_and_bad_seats(tmp_path):
    q = [["W", "J1", "1"], ["X", "J1", "1"], ["X", "J1", "1"], ["X", "J2", "x"]]
    _, err = rejected(tmp_path, files(tmp_path, q=q))
    assert "Q.csv 第 2 行，school 列：学校 W 不在学校文件中。" in err
    assert "Q.csv 第 4 行，junior_school 列：学校 X 与初中学校 J1 的组合重复（第 3 行已有）。" in err
    assert "Q.csv 第 5 行，seats 列：“x”应为不小于0的整数。" in err


def test_schools_file_problems(tmp_path):
    s = [["X", "1", "2", "abc"], ["X", "-2", "0", ""], ["", "1", "0", ""]]
    _, err = rejected(tmp_path, files(tmp_path, s=s, q=None))
    assert "S.csv 第 2 行，quota_min_score 列：“abc”不是数字。" in err
    assert "S.csv 第 3 行，school 列：学校 X 重复（第 2 行已有）。" in err
    assert "S.csv 第 3 行，open_seats 列：“-2”应为不小于0的整数。" in err
    assert "S.csv 第 4 行，school 列：必填项不能为空。" in err


def test_preference_gaps_and_repeats(tmp_path):
    rows = [
        ["001", "J1", "650", "100", "100", "100", "X", "", "Y"],
        ["002", "J1", "640", "90", "100", "100", "X", "X", ""],
        ["", "", "640", "90", "100", "100", "X", "", ""],
    ]
    _, err = rejected(tmp_path, files(tmp_path, a=rows))
    assert "A.csv 第 2 行，pref3 列：志愿应从 pref1 起连续填写：pref2 为空，其后不应再填志愿。" in err
    assert "A.csv 第 3 行，pref2 列：志愿学校 X 重复填报（pref1 已填）。" in err
    assert "A.csv 第 4 行，exam_no 列：必填项不能为空。" in err
    assert "A.csv 第 4 行，junior_school 列：必填项不能为空。" in err


def test_missing_columns_and_files(tmp_path):
    header = ["exam_no", "junior_school", "total", "chinese", "math", "pref1", "pref3"]
    paths = files(tmp_path, a=[["001", "J1", "1", "1", "1", "X", ""]], a_header=header)
    _, err = rejected(tmp_path, paths)
    assert "A.csv：缺少列 english。" in err
    paths = files(tmp_path)
    _, err = rejected(tmp_path, {**paths, "quotas": tmp_path / "nothing.csv"})
    assert "nothing.csv：文件不存在。" in err
    header = ["exam_no", "junior_school", "total", "chinese", "math", "english", "pref1", "pref3"]
    paths = files(tmp_path, a=[["001", "J1", "1", "1", "1", "1", "X", ""]], a_header=header)
    _, err = rejected(tmp_path, paths)
    assert "A.csv：志愿列应从 pref1 起连续编号：缺少列 pref2。" in err


def test_bad_options(tmp_path):
    paths = files(tmp_path)
    message, _ = rejected(tmp_path, paths, "--tie-break", "total,physics")
    assert message.startswith("--tie-break 中的“physics”无法识别或重复")
    message, _ = rejected(tmp_path, paths, "--quota-share", "1.5")
    assert message == "--quota-share “1.5”应为 0 到 1 之间的比例，如 2/3、0.7 或 70%。"
    with pytest.raises(CommandError, match=r"--out 应以 \.csv 或 \.xlsx 结尾"):
        run({**paths, "out": tmp_path / "RESULT.txt"})
    with pytest.raises(CommandError, match="不存在"):
        run({**paths, "out": tmp_path / "missing" / "RESULT.csv"})


def test_quota_eligible_column(tmp_path):
    header = [*A_HEADER, "quota_eligible"]
    rows = [[*row, "否" if row[0] == "001" else ""] for row in A_ROWS]
    paths = files(tmp_path, a=rows, a_header=header)
    out_path = tmp_path / "RESULT.csv"
    run({**paths, "out": out_path})
    result = {row[0]: row[1:] for row in read(out_path)[1:]}
    assert result["001"] == ["X", "open", "1"]
    assert result["002"] == ["X", "quota", "1"]
    rows[0][-1] = "maybe"
    _, err = rejected(tmp_path, files(tmp_path, a=rows, a_header=header))
    assert "A.csv 第 2 行，quota_eligible 列：“maybe”应为 1 或 0（是或否）。" in err
