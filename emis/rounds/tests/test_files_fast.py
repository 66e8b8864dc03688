"""The applicant file's fast path (polars) gives the same round as the checking reader, and steps aside for
anything it is not sure of (docs/adr/0015-admissions-csv-fast-path.md)."""

import csv
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from emis.rounds.solver import files
from emis.rounds.solver.engine import solve

# By its path and under a name of its own: other benches have a generate.py too, and a bare `import generate`
# (with bench/admissions on sys.path) would stand in for theirs in later tests of the same process.
_spec = importlib.util.spec_from_file_location(
    "bench_admissions_generate", Path(__file__).resolve().parents[3] / "bench" / "admissions" / "generate.py"
)
_generator = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_generator)
generate, write_csv = _generator.generate, _generator.write_csv


def load(directory: Path, fast: bool, monkeypatch, a="A.csv"):
    with monkeypatch.context() as patch:
        if not fast:
            patch.setattr(files, "_fast_applicants", lambda *args, **kwargs: None)
        return files.load_round(directory / a, directory / "S.csv", directory / "Q.csv").instance


def same(one, two):
    for name in ("exam_no", "junior", "scores", "prefs", "open_seats", "quota_seats", "quota_min", "quotas"):
        assert np.array_equal(getattr(one, name), getattr(two, name)), name
    assert one.junior_codes == two.junior_codes and one.school_codes == two.school_codes
    assert np.array_equal(solve(one).school, solve(two).school)


@pytest.fixture
def round_files(tmp_path):
    write_csv(generate(400, 20, seed=3), tmp_path)
    return tmp_path


def test_fast_path_reads_a_generated_round_as_the_checking_reader_does(round_files, monkeypatch):
    taken = []
    original = files._fast_applicants
    monkeypatch.setattr(files, "_fast_applicants", lambda *a, **k: taken.append(r := original(*a, **k)) or r)
    fast = load(round_files, True, monkeypatch)
    assert taken and taken[0] is not None  # the fast path did read it
    same(fast, load(round_files, False, monkeypatch))


def rewrite(directory: Path, change, name="A2.csv", encoding="utf-8"):
    with open(directory / "A.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    change(rows)
    with open(directory / name, "w", encoding=encoding, newline="") as handle:
        csv.writer(handle, quoting=csv.QUOTE_MINIMAL).writerows(rows)
    return name


def _spaces(rows):
    rows[1][2] = f" {rows[1][2]} "


def _decimals(rows):
    rows[2][3] = rows[2][3] + ".0" if "." not in rows[2][3] else rows[2][3] + "0"


def _quoted(rows):
    rows[3][1] = rows[3][1] + ","  # a junior school code with a comma: written quoted


def _eligible(rows):
    rows[0].append("quota_eligible")
    for k, row in enumerate(rows[1:]):
        row.append(["1", "是", "否", "", "No"][k % 5])


def _blank_row(rows):
    rows.insert(5, [""] * len(rows[0]))


@pytest.mark.parametrize("change", [_spaces, _decimals, _quoted, _eligible, _blank_row])
def test_unusual_but_valid_files_give_the_same_round(round_files, monkeypatch, change):
    name = rewrite(round_files, change)
    same(load(round_files, True, monkeypatch, name), load(round_files, False, monkeypatch, name))


def test_a_gbk_file_is_read_by_the_checking_reader(round_files, monkeypatch):
    name = rewrite(round_files, lambda rows: rows[1].__setitem__(1, "城关初中"), encoding="gbk")
    instance = load(round_files, True, monkeypatch, name)
    assert "城关初中" in instance.junior_codes


def test_results_written_by_polars_are_the_csv_modules_bytes(round_files, monkeypatch, tmp_path):
    result = solve(load(round_files, True, monkeypatch))
    files.write_results(tmp_path / "fast.csv", result)
    files.write_table(tmp_path / "plain.csv", files.RESULT_COLUMNS, files.result_rows(result))
    assert (tmp_path / "fast.csv").read_bytes() == (tmp_path / "plain.csv").read_bytes()
