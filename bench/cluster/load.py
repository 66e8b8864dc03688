"""Simulated users over HTTP (requests, one session each): page views, imports, report drafts, indicator
snapshots, through the site's own pages. Every request and every background job is recorded for the summary."""

from __future__ import annotations

import html
import io
import random
import re
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

import requests

DEMO_TAIL = "tongshan"
YEAR = 2020  # the demo county's current school year
COUNTY = "421224"
ROSTER_HEADERS = ["学校标识码", "年级", "班级", "姓名", "性别", "出生日期", "身份证件号"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰"


@dataclass
class Record:
    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    error_samples: list[str] = field(default_factory=list)
    # Background work the users asked for: (kind, id or key, final state or None while waiting).
    jobs: list[dict] = field(default_factory=list)

    def ok(self, kind: str, seconds: float) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)

    def error(self, kind: str, what: str) -> None:
        with self.lock:
            self.errors[kind] += 1
            if len(self.error_samples) < 12:
                self.error_samples.append(f"{kind}: {what}")

    def job(self, **job) -> dict:
        with self.lock:
            self.jobs.append(job)
        return job


class User:
    def __init__(self, base: str, username: str, record: Record, label: str = ""):
        self.base = base
        self.username = username
        self.record = record
        self.session = requests.Session()
        self.label = label or username

    def csrf(self) -> str:
        return self.session.cookies.get("csrftoken", "")

    def get(self, kind: str, path: str, expect=(200,), **kwargs):
        return self._call(kind, "GET", path, expect, **kwargs)

    def post(self, kind: str, path: str, data=None, files=None, expect=(200, 302), **kwargs):
        data = {**(data or {}), "csrfmiddlewaretoken": self.csrf()}
        headers = {"Referer": self.base + path, "X-CSRFToken": self.csrf(), **kwargs.pop("headers", {})}
        return self._call(kind, "POST", path, expect, data=data, files=files, headers=headers, **kwargs)

    def _call(self, kind, method, path, expect, record=True, **kwargs):
        started = time.perf_counter()
        try:
            response = self.session.request(method, self.base + path, allow_redirects=False, timeout=120, **kwargs)
        except requests.RequestException as exc:
            self.record.error(kind, f"{method} {path}: {exc.__class__.__name__}")
            return None
        elapsed = time.perf_counter() - started
        if response.status_code not in expect:
            self.record.error(kind, f"{method} {path}: HTTP {response.status_code}")
            return None
        if record:
            self.record.ok(kind, elapsed)
        return response

    def login(self) -> bool:
        self.get("login", "/accounts/login/", record=False)
        response = self.post(
            "login",
            "/accounts/login/",
            {"username": self.username, "password": f"{self.username}-{DEMO_TAIL}"},
            expect=(302,),
        )
        return response is not None and "/accounts/login" not in response.headers.get("Location", "")


# --- page viewers ------------------------------------------------------------------------------------------------

LINK = re.compile(r'href="(/(?:students/student|orgs/school)/\d+/)"')
STATIC = re.compile(r'(?:href|src)="(/static/[^"]+\.(?:css|js))"')


def viewer_pages(user: User) -> list[tuple[str, str]]:
    """The pages this user's role opens (list, detail, dashboard, home, a static file), those that answer 200."""
    candidates = [
        ("home", "/"),
        ("list", "/students/student/"),
        ("list", "/orgs/school/"),
        ("dashboard", f"/indicators/?year={YEAR}"),
    ]
    pages, seen = [], set()
    for kind, path in candidates:
        response = user.get(kind, path, expect=(200, 302, 403, 404), record=False)
        if response is None or response.status_code != 200:
            continue
        pages.append((kind, path))
        for link in LINK.findall(response.text)[:3]:
            if link not in seen:
                seen.add(link)
                pages.append(("detail", link))
        if kind == "home":
            pages += [("static", link) for link in STATIC.findall(response.text)[:2]]
    return pages


_role_pages: dict[str, list] = {}
_role_lock = threading.Lock()
_role_locks: dict[str, threading.Lock] = {}


def pages_of_role(user: User) -> list[tuple[str, str]]:
    """The first viewer of each account finds its pages; the others reuse them (the same scope)."""
    with _role_lock:
        lock = _role_locks.setdefault(user.username, threading.Lock())
    with lock:
        if user.username not in _role_pages:
            _role_pages[user.username] = viewer_pages(user)
        return _role_pages[user.username]


def run_viewer(user: User, seconds: float, think: float, ready: threading.Barrier) -> None:
    """Sign in and find the pages first (not timed); then, once every viewer is ready, view pages for `seconds`."""
    pages = pages_of_role(user) if user.login() else []
    if not pages:
        user.record.error("login", user.username)
    ready.wait()
    until = time.monotonic() + seconds
    rng = random.Random(user.label)
    while time.monotonic() < until and pages:
        kind, path = rng.choice(pages)
        user.get(kind, path)
        if think:
            time.sleep(rng.uniform(0, 2 * think))


# --- importers -----------------------------------------------------------------------------------------------------


def roster(school_code: str, first: int, count: int) -> bytes:
    """A 学籍 roster of `count` new pupils; ID numbers are numbered from `first`, unique across the run."""
    import datetime as dt

    import xlsxwriter

    from emis.common.idnumbers import make_id_number

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer)
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, ROSTER_HEADERS)
    for row in range(1, count + 1):
        n = first + row
        gender = "男" if n % 2 else "女"
        birth = dt.date(2012, 1, 1) + dt.timedelta(days=n // 450)
        # Born far away (拉萨市城关区): no clash with the demo county's own pupils.
        id_number = make_id_number("540102", birth, 100 + n % 450 * 2 + (n % 2), "1" if n % 2 else "2")
        name = SURNAMES[n % 20] + GIVEN[(n // 20) % len(GIVEN)] + GIVEN[(n // 580) % len(GIVEN)]
        sheet.write_row(row, 0, [school_code, "三年级", "1班", name, gender, birth.isoformat(), id_number])
    workbook.close()
    return buffer.getvalue()


class Importer:
    """One office uploading rosters: upload (the dry run), wait, commit, wait; the next one."""

    def __init__(self, user: User, school_code: str, numbers, rows: int, status_of):
        self.user, self.school_code, self.numbers, self.rows, self.status_of = (
            user,
            school_code,
            numbers,
            rows,
            status_of,
        )

    def submit(self, rows: int | None = None) -> dict | None:
        rows = rows or self.rows
        first = self.numbers(rows)
        self.user.get("import page", "/core/imports/", record=False)
        response = self.user.post(
            "import upload",
            "/core/imports/",
            {"kind": "students", "school_year": str(YEAR)},
            files={"file": ("roster.xlsx", roster(self.school_code, first, rows))},
            expect=(302,),
        )
        if response is None:
            return None
        match = re.search(r"/core/imports/(\d+)/", response.headers.get("Location", ""))
        if not match:
            self.user.record.error("import upload", "refused: " + response.headers.get("Location", ""))
            return None
        return self.user.record.job(kind="import dry run", id=int(match.group(1)), rows=rows, started=time.monotonic())

    def wait(self, job: dict, until: float, poll: float = 0.5) -> str | None:
        while time.monotonic() < until:
            self.user.get("import poll", f"/core/imports/{job['id']}/", headers={"HX-Request": "true"})
            status = self.status_of(job["id"])
            if status not in ("pending", "running"):
                job["state"], job["seconds"] = status, time.monotonic() - job["started"]
                return status
            time.sleep(poll)
        return None

    def commit(self, job: dict) -> dict | None:
        response = self.user.post("import commit", f"/core/imports/{job['id']}/commit/", expect=(302,))
        if response is None:
            return None
        match = re.search(r"/core/imports/(\d+)/", response.headers.get("Location", ""))
        if not match or int(match.group(1)) == job["id"]:
            self.user.record.error("import commit", "refused")
            return None
        return self.user.record.job(
            kind="import commit", id=int(match.group(1)), rows=job["rows"], started=time.monotonic()
        )

    def run(self, until: float, drain_until: float) -> None:
        if not self.user.login():
            self.user.record.error("login", self.user.username)
            return
        while time.monotonic() < until:
            job = self.submit()
            if job is None:
                time.sleep(1)
                continue
            if self.wait(job, drain_until) != "validated":
                continue
            committed = self.commit(job)
            if committed is not None:
                self.wait(committed, drain_until)


# --- report drafts and indicator snapshots -------------------------------------------------------------------------


DRAFT_LINK = re.compile(r'data-testid="annual-draft" href="([^"]+)"')


def run_drafter(user: User, until: float, drain_until: float) -> None:
    """Ask for the annual report's draft (a docx built by a worker), follow its progress, download it."""
    if not user.login():
        user.record.error("login", user.username)
        return
    baselines = ["none", "2015"]
    n = 0
    while time.monotonic() < until:
        query = f"?year={YEAR}&baseline={baselines[n % 2]}"
        n += 1
        job = user.record.job(kind="report draft", id=f"{user.label}#{n}", started=time.monotonic())
        page = user.get("draft page", "/reports/annual/" + query + "&retry=1")
        if page is None:
            job["state"] = "request failed"
            continue
        # As a user does: follow the progress until the page shows the draft, then click its download link, which
        # names the data's version the draft was drafted from (an import committed between the page and the click
        # still downloads that draft). Data changed before the page was shown is drafted again: keep following.
        link = DRAFT_LINK.search(page.text)
        while link is None and time.monotonic() < drain_until:
            response = user.get("draft poll", "/reports/annual/" + query, headers={"HX-Request": "true"})
            if response is not None and "生成草稿时出错" in response.text:
                job["state"] = "failed"
                break
            if response is not None and response.headers.get("HX-Refresh"):
                page = user.get("draft page", "/reports/annual/" + query)
                link = DRAFT_LINK.search(page.text) if page is not None else None
                continue
            time.sleep(0.5)
        if link is None:
            continue  # failed, or left without a state: counted as lost
        response = user.get("draft download", html.unescape(link[1]))
        ok = response is not None and response.content[:2] == b"PK"
        job["state"], job["seconds"] = ("done" if ok else "bad file"), time.monotonic() - job["started"]


def run_publisher(user: User, until: float, every: float) -> None:
    if not user.login():
        user.record.error("login", user.username)
        return
    while time.monotonic() < until:
        user.get("dashboard", f"/indicators/?year={YEAR}&division={COUNTY}", record=False)
        job = user.record.job(kind="indicator snapshot", id=None, started=time.monotonic())
        response = user.post("snapshot publish", f"/indicators/publish/?year={YEAR}&division={COUNTY}", expect=(302,))
        job["state"] = "posted" if response is not None else "request failed"
        job["seconds"] = time.monotonic() - job["started"]
        time.sleep(every)
