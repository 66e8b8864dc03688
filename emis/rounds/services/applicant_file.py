"""Reading an applicant file (A.csv/.xlsx, docs/admissions.md) for a round: the solver's public reader
(``solver.files.read_applicants``) with its row and column messages, as ``emis admissions solve`` gives them, plus
the round's own rules (junior schools of the county, the round's number of preferences, optional name and ID
number). Nothing is written here."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from emis.common.idnumbers import normalize_id_number, validate_id_number
from emis.orgs.choices import JUNIOR_SCHOOL_CATEGORIES
from emis.orgs.models import School

from ..models import AdmissionRound, RoundSchool
from ..solver.files import APPLICANT_COLUMNS, ApplicantRows, InputError, Problems, read_applicants
from .workflow import RoundRefused


@dataclass
class ParsedApplicants:
    exam_nos: list[str]
    names: list[str]
    id_numbers: list[str]
    junior_ids: list[int]
    scores: np.ndarray  # (N, 4) hundredths
    preferences: list[list[str]]
    eligible: list[bool]


def junior_school_ids(admission_round: AdmissionRound, codes: set[str]) -> dict[str, int]:
    """Junior school code → id, for the junior schools of the round's county."""
    return dict(
        School.objects.filter(
            code__in=list(codes),
            category__in=JUNIOR_SCHOOL_CATEGORIES,
            township__code__startswith=admission_round.division_code,
        ).values_list("code", "id")
    )


def read_applicant_file(admission_round: AdmissionRound, path: Path) -> ParsedApplicants:
    """Read and check the file against the round. Raises RoundRefused with every problem (up to the solver's
    limit)."""
    problems = Problems()
    name = path.name
    try:
        plans = list(
            RoundSchool.objects.filter(round=admission_round).select_related("school").order_by("school__code")
        )
        if not plans:
            problems.add(name, None, None, _("本批次尚未设置招生学校，请先添加高中招生计划。"))
            problems.raise_if_any()
        codes = [plan.school.code for plan in plans]
        table = read_applicants(
            path,
            {code: i for i, code in enumerate(codes)},
            problems,
            extra_columns=("name", "id_number"),
            # On the web the schools are the round's plans, not a school file.
            unknown_school=_("志愿学校 {value} 不在本批次的招生学校中。"),
        )
        if table is None:
            problems.raise_if_any()
        if not table.exam_nos and not problems.items:
            problems.add(name, None, None, _("文件中没有考生。"))
        junior_ids = _check_round_rules(admission_round, table, name, problems)
        problems.raise_if_any()
    except InputError as exc:
        raise RoundRefused(*[str(p) for p in exc.problems], more=exc.more) from None

    return ParsedApplicants(
        exam_nos=list(table.exam_nos),
        names=table.extra["name"],
        id_numbers=table.extra["id_number"],
        junior_ids=[junior_ids[j] for j in table.juniors],
        scores=table.scores,
        preferences=[[codes[s] for s in row if s >= 0] for row in table.prefs.tolist()],
        eligible=table.eligible.tolist() if table.eligible is not None else [True] * len(table.exam_nos),
    )


def _check_round_rules(admission_round: AdmissionRound, table: ApplicantRows, name: str, problems: Problems) -> dict:
    """The round's rules over the rows the solver's reader read (ID numbers normalised in place); returns the
    junior schools' ids by code."""
    exam_nos, juniors, names, id_numbers = table.exam_nos, table.juniors, table.extra["name"], table.extra["id_number"]
    junior_ids = junior_school_ids(admission_round, set(juniors))
    limit = admission_round.preference_count
    prefs = table.prefs
    too_many = np.flatnonzero((prefs[:, limit:] >= 0).any(axis=1)) if table.width > limit else []
    for i in range(len(exam_nos)):
        number = table.row_numbers[i]
        if juniors[i] and juniors[i] not in junior_ids:
            problems.add(
                name,
                number,
                "junior_school",
                _("初中学校 {value} 不是本批次所属地区的初中学校（应填学校标识码）。").format(value=juniors[i]),
            )
        if len(names[i]) > 64:
            problems.add(name, number, "name", _("姓名不能超过64个字符。"))
        if id_numbers[i]:
            id_numbers[i] = normalize_id_number(id_numbers[i])
            try:
                validate_id_number(id_numbers[i])
            except ValidationError as exc:  # the messages never repeat the number itself
                problems.add(name, number, "id_number", "；".join(exc.messages))
        if len(exam_nos[i]) > 32:
            problems.add(name, number, "exam_no", _("考号不能超过32个字符。"))
    for i in too_many:
        column = int(np.flatnonzero(prefs[i, limit:] >= 0)[0]) + limit + 1
        problems.add(name, table.row_numbers[i], f"pref{column}", _("本批次最多填报 {n} 个志愿。").format(n=limit))
    for i, column in zip(*np.nonzero(table.scores >= 10**6), strict=True):
        problems.add(name, table.row_numbers[i], APPLICANT_COLUMNS[2 + column], _("分数过大。"))
    return junior_ids
