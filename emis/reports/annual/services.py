"""The annual draft's lifecycle: drafted in a background task, not in the request, and kept until the data changes.

Drafting computes the year's indicators twice and draws the charts (2 to 4 seconds on the demo county, more on a
large one), then writes the Word draft and the xlsx annex. The page asks for the draft of (user, scope, year,
baseline); when it is not there yet, one task is queued (emis.reports.tasks.annual_draft_task) and the page polls
its progress, as the import page polls a batch:

    job = draft_job(user, 2020, 2015)      # queues the task when there is neither a draft nor a job
    job.state                              # queued -> running (job.step of job.steps) -> done (job.files) | failed

Both the job's state and the finished files live in the cache (the one Django cache, shared by the web processes
and the workers like the import progress), under a key of the user, the scope, the years, the language, the data
version (last change record, table sizes) and the rules: rereading the page costs nothing, and any recorded
change makes a new key, hence a new draft. A lost job (a worker stopped) expires and the next visit queues again.
The management command drafts synchronously (emis.reports.annual.selectors.annual_draft and the writers).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.core.cache import cache
from django.utils import translation
from django.utils.crypto import salted_hmac
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from emis.core import access
from emis.indicators.rules import get_rules
from emis.indicators.services import data_version

from .annex import annex_bytes
from .blocks import AnnualDraft
from .preview import preview_blocks
from .selectors import annual_draft
from .word import docx_bytes

# A finished draft is kept this long (while its key, which follows the data, is unchanged).
DRAFT_CACHE_SECONDS = 6 * 3600
# A queued, running or failed job is forgotten after this long: a job whose worker stopped is queued again on the
# next visit, and a failed one is retried.
JOB_SECONDS = 15 * 60

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
STEPS = (
    gettext_lazy("计算指标"),
    gettext_lazy("绘制图表"),
    gettext_lazy("生成 Word 草稿"),
    gettext_lazy("生成 Excel 附件"),
)


@dataclass(frozen=True)
class DraftFiles:
    """What a finished job leaves: the draft, its page preview, the Word draft and the xlsx annex."""

    draft: AnnualDraft
    sections: list[dict]
    docx: bytes
    annex: bytes


@dataclass(frozen=True)
class DraftJob:
    state: str
    step: int = 0  # while running: the step under way, 1 to len(STEPS)
    error: str = ""  # when failed: the exception's class name
    files: DraftFiles | None = None
    # The data's version the draft was drafted from (as a version_token): its download link names it, so that the
    # draft shown is the draft downloaded even when an import has changed the data since.
    version: str = ""

    @property
    def steps(self) -> int:
        return len(STEPS)

    @property
    def step_label(self) -> str:
        return str(STEPS[self.step - 1]) if 1 <= self.step <= len(STEPS) else ""

    @property
    def percent(self) -> int:
        """The share of steps finished, for the progress bar."""
        return round(100 * max(self.step - 1, 0) / len(STEPS)) if self.state == RUNNING else 0

    @property
    def error_message(self) -> str:
        if self.state != FAILED:
            return ""
        return _("生成草稿时出错：{error}。请重新生成；如仍出错，请联系系统管理员。").format(error=self.error)


def version_token(version: str) -> str:
    """The data version as the download links carry it: opaque, since the version is the deployment's last change
    record, a counter of every county's and school's writes that a school's account has no business reading."""
    return salted_hmac("emis.reports.annual.draft-version", version).hexdigest()[:20]


def draft_key(user, year: int, baseline: int | None, version: str | None = None) -> str:
    """The cache key of the user's draft drafted from ``version`` of the data (a version_token; the current data's
    by default)."""
    scope = repr(access.scope_of(user))
    version = version_token(data_version()) if version is None else version
    basis = repr((user.pk, user.role, scope, year, baseline, get_language(), version, get_rules()))
    return "emis:annual-draft:" + hashlib.sha256(basis.encode()).hexdigest()


def _job_key(key: str) -> str:
    return key + ":job"


def draft_job(user, year: int, baseline: int | None, *, retry: bool = False) -> DraftJob:
    """The draft of `year` in the user's scope compared with `baseline`, or the job drafting it. Queues the job
    when there is none (or, with `retry`, when the last one failed)."""
    version = version_token(data_version())
    key = draft_key(user, year, baseline, version)
    files = cache.get(key)
    if files is not None:
        return DraftJob(DONE, files=files, version=version)
    job_key = _job_key(key)
    state = cache.get(job_key)
    if state is not None and retry and state["state"] == FAILED:
        cache.delete(job_key)
        state = None
    if state is None and cache.add(job_key, {"state": QUEUED}, JOB_SECONDS):  # add: one job however many ask
        _enqueue(user, year, baseline, key)
        # A backend that runs tasks at once (the tests' immediate backend) has finished it by now.
        files = cache.get(key)
        if files is not None:
            return DraftJob(DONE, files=files, version=version)
        state = cache.get(job_key)
    return DraftJob(**(state or {"state": QUEUED}))


def drafted_files(user, year: int, baseline: int | None, version: str) -> DraftFiles | None:
    """The user's draft drafted from ``version`` of the data while it is cached, else None. The key is the user's
    own (their id, role and scope are in it): a version copied from another user's link finds nothing."""
    if not version or len(version) > 200:
        return None
    return cache.get(draft_key(user, year, baseline, version))


def _enqueue(user, year: int, baseline: int | None, key: str) -> None:
    from emis.reports.tasks import annual_draft_task

    annual_draft_task.enqueue(user.pk, year, baseline, get_language(), key)


def annual_draft_run(*, user_id: int, year: int, baseline: int | None, language: str, key: str) -> None:
    """Draft and write the files for the job under `key` (called by the task worker), recording each step."""
    from emis.accounts.models import User

    job_key = _job_key(key)
    if cache.get(key) is not None:  # queued twice (an expired job queued again): drafted already
        cache.delete(job_key)
        return

    def step(number: int) -> None:
        cache.set(job_key, {"state": RUNNING, "step": number}, JOB_SECONDS)

    try:
        with translation.override(language):
            step(1)
            user = User.objects.get(pk=user_id, is_active=True)
            draft = annual_draft(user, year, baseline=baseline)
            step(2)
            sections = preview_blocks(draft)
            step(3)
            docx = docx_bytes(draft)
            step(4)
            annex = annex_bytes(draft)
    except Exception as exc:  # the job must end in a state the page can show whatever went wrong
        cache.set(job_key, {"state": FAILED, "error": exc.__class__.__name__}, JOB_SECONDS)
        raise
    cache.set(key, DraftFiles(draft, sections, docx, annex), DRAFT_CACHE_SECONDS)
    cache.delete(job_key)
