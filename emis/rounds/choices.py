"""Statuses and kinds of the senior-high admission round (中考录取), with the allowed transitions as data."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RoundStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ALLOCATED = "allocated", _("已分配指标")
    SOLVED = "solved", _("已录取待发布")
    PUBLISHED = "published", _("已发布")


# The steps in order: a change to what a step used sends the round back to that step (never forward).
STATUS_ORDER = (RoundStatus.DRAFT, RoundStatus.ALLOCATED, RoundStatus.SOLVED, RoundStatus.PUBLISHED)

# Which workflow action may run in which status, and the status it leaves the round in.
ROUND_ACTIONS = {
    "load": ((RoundStatus.DRAFT, RoundStatus.ALLOCATED, RoundStatus.SOLVED), RoundStatus.DRAFT),
    "allocate": ((RoundStatus.DRAFT, RoundStatus.ALLOCATED), RoundStatus.ALLOCATED),
    "solve": ((RoundStatus.ALLOCATED, RoundStatus.SOLVED), RoundStatus.SOLVED),
    "publish": ((RoundStatus.SOLVED,), RoundStatus.PUBLISHED),
}


class QuotaRule(models.TextChoices):
    """How a quality school's quota seats are split among junior schools (largest remainder, docs/admissions.md)."""

    APPLICANTS = "applicants", _("按各初中报考人数分配")
    GRADUATES = "graduates", _("按各初中九年级在读人数分配")
    MANUAL = "manual", _("手工填报")


class Phase(models.TextChoices):
    QUOTA = "quota", _("指标到校")
    OPEN = "open", _("统招")


class Outcome(models.TextChoices):
    """Filter values for an applicant's result."""

    QUOTA = "quota", _("指标到校录取")
    OPEN = "open", _("统招录取")
    NONE = "none", _("未录取")


class AppealStatus(models.TextChoices):
    RECEIVED = "received", _("已受理")
    UPHELD = "upheld", _("申诉成立")
    DISMISSED = "dismissed", _("申诉不成立")


APPEAL_DECISIONS = (AppealStatus.UPHELD, AppealStatus.DISMISSED)

DEFAULT_QUOTA_SHARE = "2/3"
DEFAULT_PREFERENCE_COUNT = 10
MAX_PREFERENCE_COUNT = 30


class SolveStatus(models.TextChoices):
    """A solve run (the solve step run as a task): queued, running (with a percentage), done or failed."""

    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("计算中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


ACTIVE_SOLVE_STATUSES = (SolveStatus.QUEUED, SolveStatus.RUNNING)


# The tie-break keys (emis.rounds.solver.engine.TIE_BREAK_KEYS) as a clerk reads them: the rule is stored as the
# keys joined by commas ("total,chinese+math+english,…,exam_no") and always shown and edited in these words.
TIE_BREAK_LABELS = {
    "total": _("总分"),
    "chinese+math+english": _("语数外合计"),
    "math": _("数学"),
    "chinese": _("语文"),
    "english": _("外语"),
    "exam_no": _("考号"),
}
# The keys a clerk orders (考号 always comes last, the smaller number first, so that no two applicants tie).
TIE_BREAK_SCORES = ("total", "chinese+math+english", "math", "chinese", "english")


def tie_break_label(key: str) -> str:
    return str(TIE_BREAK_LABELS.get(key, key))


def describe_tie_break(value: str) -> str:
    """ "total,chinese+math+english,math,exam_no" → "总分 → 语数外合计 → 数学 → 考号（小者在前）"."""
    keys = [key.strip() for key in (value or "").split(",") if key.strip()]
    words = [tie_break_label(key) for key in keys if key != "exam_no"]
    return " → ".join([*words, str(_("考号（小者在前）"))])
