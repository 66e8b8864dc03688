"""Explanations: why each preference above the admitted one failed, and the cut-offs per school and phase.

Computed from a solved ``Result`` only when asked (one applicant, or all of them for the explain file), with the
reason codes and figures worked out in numpy per block of applicants and only the wording done in Python.

Reasons per failed preference (school X), quota part first where X has quota seats, then the open part unless the
applicant was admitted in the quota phase (then they never entered the open phase):

* quota: 不具备指标生资格 / 非本校指标生（本人初中未分得该校指标） / 未达指标生最低控制线 /
  指标到校录取线 L 分，本人 S 分 (or, when the total did not decide, 指标到校已录满 with the tie-break key that did);
* open: 无统招名额 / 统招录取线 L 分，本人 S 分 (or 统招已录满 with the deciding tie-break key).

The cut-off (录取线) of a pool is the total of its lowest-ranked admitted applicant; an applicant rejected there
always ranks below that applicant (the pool was full at their turn), and the first tie-break key in which the two
differ is the one named.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from .engine import EXAM_NO, NO_MIN, PHASE_NONE, PHASE_QUOTA, TOTAL, Result, format_score, key_values
from .i18n import _, language_is_chinese

Q_NONE, Q_INELIGIBLE, Q_NOT_OWN, Q_BELOW_MIN, Q_FULL, Q_NO_SEATS = 0, 1, 2, 3, 4, 5
O_SKIP, O_NO_SEATS, O_FULL = 0, 1, 2

OUTCOME_REJECTED, OUTCOME_ADMITTED, OUTCOME_NOT_ADMITTED = "rejected", "admitted", "not_admitted"

_CHINESE_NUMERALS = "零一二三四五六七八九十"


@dataclass(frozen=True)
class Explanation:
    """One line of an applicant's explanation. preference_rank is 1-based (0 for the closing line when no
    preference was admitted); outcome is rejected / admitted / not_admitted; phase is quota/open for admitted."""

    exam_no: str
    preference_rank: int
    school: str
    outcome: str
    phase: str
    reason: str


def choice_label(rank: int) -> str:
    """1 → 第一志愿 (English: choice 1)."""
    if language_is_chinese():
        if rank <= 10:
            number = _CHINESE_NUMERALS[rank]
        elif rank < 20:
            number = "十" + _CHINESE_NUMERALS[rank - 10]
        else:
            number = str(rank)
        return _("第{n}志愿").format(n=number)
    return _("第{n}志愿").format(n=rank)


def key_label(name: str) -> str:
    return {
        "total": _("总分"),
        "chinese+math+english": _("语数外合计"),
        "math": _("数学"),
        "chinese": _("语文"),
        "english": _("外语"),
        EXAM_NO: _("考号"),
    }[name]


class _Texts:
    """The message templates, translated once per run."""

    def __init__(self):
        self.line = _("{choice} {school} 校{reasons}")
        self.separator = _("；")
        self.quota = _("指标到校")
        self.open = _("统招")
        self.ineligible = _("不具备指标生资格")
        self.not_own = _("非本校指标生（本人初中 {junior} 未分得该校指标）")
        self.below_min = _("未达指标生最低控制线（控制线 {line} 分，本人 {score} 分）")
        self.by_score = _("{phase}录取线 {line} 分，本人 {score} 分")
        self.by_tie = _("{phase}已录满：录取线 {line} 分，本人 {score} 分，{tie}")
        self.tie_key = _("按{key}比较排位在后（末位录取考生 {cut} 分，本人 {own} 分）")
        self.tie_exam_no = _("各项同分，按考号顺序排位在后")
        self.no_open_seats = _("无统招名额")
        self.admitted_quota = _("{choice} {school} 校指标到校录取，不再参加统招录取")
        self.admitted_open = _("{choice} {school} 校统招录取")
        self.none_admitted = _("所填志愿均未被录取")
        self.no_preferences = _("未填报志愿")
        self.no_quota_seats = _("无指标到校名额")
        self.keys = {}
        self.values = {}
        self.scores = {}
        self.choices = {}

    def score(self, hundredths: int) -> str:
        text = self.scores.get(hundredths)
        if text is None:
            text = self.scores[hundredths] = format_score(hundredths)
        return text

    def choice(self, rank: int) -> str:
        text = self.choices.get(rank)
        if text is None:
            text = self.choices[rank] = choice_label(rank)
        return text

    def key(self, name: str) -> str:
        if name not in self.keys:
            self.keys[name] = key_label(name)
        return self.keys[name]

    def key_values(self, instance, name: str) -> np.ndarray:
        if name not in self.values:
            self.values[name] = key_values(instance, name)
        return self.values[name]


def _full_parts(texts: _Texts, result: Result, phase: str, applicants: np.ndarray, cutoffs: np.ndarray) -> list:
    """The reason text for each (applicant, cut-off applicant) pair of a full pool, vectorised but the wording.

    The deciding key is the first tie-break key in which the applicant differs from the cut-off applicant.
    """
    if not len(applicants):
        return []
    chain = result.tie_break
    instance = result.instance
    differs = np.zeros((len(applicants), len(chain)), dtype=bool)
    for position, name in enumerate(chain):
        if name == EXAM_NO:
            differs[:, position] = True
        else:
            values = texts.key_values(instance, name)
            differs[:, position] = values[applicants] != values[cutoffs]
    deciding = differs.argmax(axis=1)
    totals = instance.scores[:, TOTAL]
    line = totals[cutoffs].tolist()
    score = totals[applicants].tolist()
    cut_value = np.zeros(len(applicants), dtype=np.int64)
    own_value = np.zeros(len(applicants), dtype=np.int64)
    for position, name in enumerate(chain):
        if name in ("total", EXAM_NO):
            continue
        mask = deciding == position
        if mask.any():
            values = texts.key_values(instance, name)
            cut_value[mask] = values[cutoffs[mask]]
            own_value[mask] = values[applicants[mask]]
    fmt = texts.score
    parts = []
    for d, ln, sc, cv, ov in zip(deciding.tolist(), line, score, cut_value.tolist(), own_value.tolist(), strict=True):
        name = chain[d]
        if name == "total":
            parts.append(texts.by_score.format(phase=phase, line=fmt(ln), score=fmt(sc)))
        elif name == EXAM_NO:
            parts.append(texts.by_tie.format(phase=phase, line=fmt(ln), score=fmt(sc), tie=texts.tie_exam_no))
        else:
            tie = texts.tie_key.format(key=texts.key(name), cut=fmt(cv), own=fmt(ov))
            parts.append(texts.by_tie.format(phase=phase, line=fmt(ln), score=fmt(sc), tie=tie))
    return parts


def _block_lines(texts: _Texts, result: Result, applicants: np.ndarray):
    """(exam_no, preference_rank, school, outcome, phase, reason) for a block of applicants, in order."""
    instance = result.instance
    prefs = instance.prefs[applicants].astype(np.int64)
    b, k = prefs.shape
    listed = prefs >= 0
    admitted_column = result.preference_rank[applicants].astype(np.int64) - 1
    limit = np.where(admitted_column >= 0, admitted_column, listed.sum(axis=1))
    need = listed & (np.arange(k)[None, :] < limit[:, None])
    school = np.maximum(prefs, 0)
    junior = instance.junior[applicants].astype(np.int64)
    total = instance.scores[applicants, TOTAL]
    quota_phase = (result.phase[applicants] == PHASE_QUOTA)[:, None]

    # Quota part: where the school has quota seats, and always for applicants admitted in the quota phase.
    quota_code = np.full((b, k), Q_NONE, dtype=np.int8)
    has_quota = need & (instance.quota_seats[school] > 0)
    pos = result.pools.lookup(prefs, np.broadcast_to(junior[:, None], (b, k)))
    own = pos >= 0
    minimum = instance.quota_min[school]
    below = (minimum != NO_MIN) & (total[:, None] < minimum)
    eligible = np.ones(b, dtype=bool) if instance.quota_eligible is None else instance.quota_eligible[applicants]
    quota_code[need & ~has_quota & quota_phase] = Q_NO_SEATS
    quota_code[has_quota] = Q_FULL
    quota_code[has_quota & below] = Q_BELOW_MIN
    quota_code[has_quota & ~own] = Q_NOT_OWN
    quota_code[has_quota & ~eligible[:, None]] = Q_INELIGIBLE
    quota_cut = np.full((b, k), -1, dtype=np.int64)
    full = quota_code == Q_FULL
    quota_cut[full] = result.pool_cutoff[pos[full]]
    # A full pool always has a cut-off applicant ranked above the rejected one.
    quota_full = quota_cut >= 0
    rows = np.broadcast_to(np.asarray(applicants)[:, None], (b, k))
    quota_text = _full_parts(texts, result, texts.quota, rows[quota_full], quota_cut[quota_full])

    # Open part: for applicants not admitted in the quota phase.
    open_code = np.full((b, k), O_SKIP, dtype=np.int8)
    in_open = need & ~quota_phase
    open_code[in_open] = np.where(result.open_capacity[school[in_open]] > 0, O_FULL, O_NO_SEATS)
    open_cut = np.full((b, k), -1, dtype=np.int64)
    ofull = open_code == O_FULL
    open_cut[ofull] = result.open_cutoff[school[ofull]]
    open_full = open_cut >= 0
    open_text = _full_parts(texts, result, texts.open, rows[open_full], open_cut[open_full])

    quota_index = np.cumsum(quota_full.ravel()).reshape(b, k) - 1
    open_index = np.cumsum(open_full.ravel()).reshape(b, k) - 1
    codes = instance.school_codes
    junior_codes = instance.junior_codes
    fmt = texts.score
    label = texts.choice
    exam_nos = instance.exam_no[applicants].tolist()
    prefs_l = prefs.tolist()
    need_l = need.tolist()
    qcode_l, ocode_l = quota_code.tolist(), open_code.tolist()
    qfull_l, ofull_l = quota_full.tolist(), open_full.tolist()
    qidx_l, oidx_l = quota_index.tolist(), open_index.tolist()
    total_l, junior_l = total.tolist(), junior.tolist()
    rank_l = result.preference_rank[applicants].tolist()
    school_l = result.school[applicants].tolist()
    quota_l = quota_phase[:, 0].tolist()
    for row in range(b):
        exam_no = exam_nos[row]
        row_prefs = prefs_l[row]
        for col, needed in enumerate(need_l[row]):
            if not needed:
                continue
            s = row_prefs[col]
            parts = []
            q = qcode_l[row][col]
            if qfull_l[row][col]:
                parts.append(quota_text[qidx_l[row][col]])
            elif q == Q_INELIGIBLE:
                parts.append(texts.ineligible)
            elif q == Q_NOT_OWN:
                parts.append(texts.not_own.format(junior=junior_codes[junior_l[row]]))
            elif q == Q_BELOW_MIN:
                parts.append(texts.below_min.format(line=fmt(instance.quota_min[s]), score=fmt(total_l[row])))
            elif q == Q_NO_SEATS:
                parts.append(texts.no_quota_seats)
            if ofull_l[row][col]:
                parts.append(open_text[oidx_l[row][col]])
            elif ocode_l[row][col] == O_NO_SEATS:
                parts.append(texts.no_open_seats)
            reason = texts.line.format(choice=label(col + 1), school=codes[s], reasons=texts.separator.join(parts))
            yield (exam_no, col + 1, codes[s], OUTCOME_REJECTED, "", reason)
        rank = rank_l[row]
        if rank:
            school_code = codes[school_l[row]]
            if quota_l[row]:
                reason = texts.admitted_quota.format(choice=label(rank), school=school_code)
                yield (exam_no, rank, school_code, OUTCOME_ADMITTED, "quota", reason)
            else:
                reason = texts.admitted_open.format(choice=label(rank), school=school_code)
                yield (exam_no, rank, school_code, OUTCOME_ADMITTED, "open", reason)
        else:
            reason = texts.none_admitted if row_prefs and row_prefs[0] >= 0 else texts.no_preferences
            yield (exam_no, 0, "", OUTCOME_NOT_ADMITTED, "", reason)


def iter_explanation_tuples(result: Result, applicants=None, *, block: int = 20_000):
    """(exam_no, preference_rank, school, outcome, phase, reason) for the given applicants (default: all, in
    input order): one per failed preference, then one for the admission (or for not being admitted)."""
    texts = _Texts()
    if applicants is None:
        applicants = np.arange(result.instance.n)
    applicants = np.asarray(applicants, dtype=np.int64)
    for start in range(0, len(applicants), block):
        yield from _block_lines(texts, result, applicants[start : start + block])


def iter_explanations(result: Result, applicants=None, *, block: int = 20_000) -> Iterator[Explanation]:
    """As iter_explanation_tuples, as Explanation objects."""
    for line in iter_explanation_tuples(result, applicants, block=block):
        yield Explanation(*line)


def explain_applicant(result: Result, applicant: int) -> list[Explanation]:
    return list(iter_explanations(result, [applicant]))


def cutoff_rows(result: Result) -> list[dict]:
    """Per school and phase (quota rows per junior school): seats, admitted, and the lowest-ranked admitted
    applicant's total and tie-break values (empty when nobody was admitted). Sorted by school, phase, junior."""
    instance = result.instance
    chain = result.tie_break
    values = {name: key_values(instance, name) for name in chain if name != EXAM_NO}

    def describe(cut: int) -> dict:
        if cut < 0:
            return {"total": "", **{name: "" for name in chain if name != "total"}}
        row = {"total": format_score(instance.scores[cut, TOTAL])}
        for name in chain:
            if name == EXAM_NO:
                row[name] = str(instance.exam_no[cut])
            elif name != "total":
                row[name] = format_score(values[name][cut])
        return row

    rows = []
    for s, code in enumerate(instance.school_codes):
        for p in np.flatnonzero(result.pool_school == s).tolist():
            rows.append(
                {
                    "school": code,
                    "phase": "quota",
                    "junior_school": instance.junior_codes[result.pool_junior[p]],
                    "seats": int(result.pool_seats[p]),
                    "admitted": int(result.pool_admitted[p]),
                    **describe(int(result.pool_cutoff[p])),
                }
            )
        rows.append(
            {
                "school": code,
                "phase": "open",
                "junior_school": "",
                "seats": int(result.open_capacity[s]),
                "admitted": int(result.open_admitted[s]),
                **describe(int(result.open_cutoff[s])),
            }
        )
    return rows


__all__ = [
    "Explanation",
    "OUTCOME_ADMITTED",
    "OUTCOME_NOT_ADMITTED",
    "OUTCOME_REJECTED",
    "PHASE_NONE",
    "choice_label",
    "cutoff_rows",
    "explain_applicant",
    "iter_explanations",
]
