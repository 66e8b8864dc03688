"""The crawl (issue 14, item 8): for every role, every page its menu offers and the first record each list links to
answers 200, logs no browser console error, and shows no English word outside an allow-list of product names and
file types; the main pages are photographed per role (test-artifacts/screenshots/crawl-<role>-<page>.png).

The data are the small county of emis.testing (two townships, four schools, five pupils, one user per role) with a
published 中考 round and appeal and three 整改通知书, so that every list has a first record to open. One browser
context per role; the whole crawl takes about half a minute.
"""

from __future__ import annotations

import re
import time

import pytest

from .helpers import PASSWORD as _UNUSED  # noqa: F401  (the shared helpers; this test signs in as emis.testing's users)
from .helpers import shot

pytestmark = pytest.mark.browser

# Words that may show in the Chinese interface: product and format names, units, and the authenticator apps the
# two-step page names.
ALLOWED_WORDS = {
    "API",
    "Excel",
    "Word",
    "WPS",
    "PDF",
    "CSV",
    "ID",
    "IP",
    "UTF-8",
    "GBK",
    "KB",
    "MB",
    "xlsx",
    "xls",
    "csv",
    "docx",
    "jpg",
    "png",
    "Google",
    "Microsoft",
    "Authenticator",
    "FreeOTP",
}
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]*(?:\.[A-Za-z0-9]+)*")
# Not words: a school or division code with letters (none in China), a two-step secret in base32 shown to be typed.
NOT_WORDS = (re.compile(r"^[A-Z2-7]{16,}$"),)
# The Swagger page is the API's own tool (English by design, offered to the API's roles only, with a way back).
NO_WORD_CHECK = ("/api/",)
# Pages photographed for every role that has them (the rest are crawled without a picture).
MAIN_PAGES = {
    "/": "home",
    "/students/student/": "students",
    "/orgs/school/": "schools",
    "/indicators/": "dashboard",
    "/work/": "inbox",
    "/core/imports/": "imports",
    "/admissions/admissionround/": "rounds",
    "/reports/stats/": "stats",
}


def english_words(text: str, allowed: set[str]) -> list[str]:
    found = []
    for word in WORD.findall(text):
        bare = word.strip(".-_")
        if bare in allowed or any(p.match(bare) for p in NOT_WORDS):
            continue
        found.append(bare)
    return sorted(set(found))


def test_english_words_finds_developer_text_and_passes_product_names():
    allowed = ALLOWED_WORDS | {"school_a1"}
    assert english_words("导出 Excel · 学生学籍导入模板.xlsx · school_a1", allowed) == []
    assert english_words("预检 · students · SHA-256", allowed) == ["SHA-256", "students"]
    assert english_words("JUNIOR_STUDENTS domain-rules 1.1", allowed) == ["JUNIOR_STUDENTS", "domain-rules"]


@pytest.fixture
def crawl_county(transactional_db):
    from emis.rectification.tests.test_access import make_notices
    from emis.testing import build_county, build_rounds

    county = build_county()
    build_rounds(county)
    make_notices(county)
    return county


def _menu(page) -> list[tuple[str, str]]:
    return page.eval_on_selector_all(
        "#sidebar-menu a.nav-link", "els => els.map(e => [e.textContent.trim(), e.getAttribute('href')])"
    )


def _first_record(page, url: str) -> str | None:
    """The first link into a record in the page's table (not a sort or page link of the list itself)."""
    links = page.eval_on_selector_all("table tbody a[href]", "els => els.map(e => e.getAttribute('href'))")
    for link in links:
        if link and link.startswith("/") and not link.startswith(url + "?") and link != url:
            return link
    return None


def test_every_menu_page_of_every_role_answers_in_chinese(browser, live_server, crawl_county):
    from emis.accounts.models import User
    from emis.core.access import Role
    from emis.testing import PASSWORD

    allowed = ALLOWED_WORDS | set(User.objects.values_list("username", flat=True))
    problems: list[str] = []
    visited = 0
    started = time.monotonic()
    for role, user in crawl_county.users.items():
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
        context.set_default_timeout(15_000)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(f"console: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(f"JS error: {e}"))
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        with page.expect_navigation():
            page.click("button[type=submit]")
        menu = _menu(page)
        assert menu, f"{role}: no menu after signing in"
        labels = {label for label, _url in menu}
        assert "修改密码" in labels, f"{role}: no 修改密码 in the menu"
        if role in (Role.SCHOOL, Role.INSPECTOR):
            unusable = labels & {"行政区划", "审计日志", "划片招生测算", "招生片区", "中考录取", "录取申诉", "接口文档"}
            assert not unusable, f"{role}: the menu offers {unusable}"
        if role != Role.ADMIN:
            assert "接口文档" not in labels and "我的令牌" not in labels, f"{role}: API pages in the menu"
        queue = [(label, url, True) for label, url in menu]
        seen: set[str] = set()
        while queue:
            label, url, is_menu = queue.pop(0)
            if url in seen:
                continue
            seen.add(url)
            errors.clear()
            response = page.goto(live_server.url + url)
            visited += 1
            where = f"{role} {label} {url}"
            if response is None or response.status != 200:
                problems.append(f"{where}: HTTP {response.status if response else '—'}")
                continue
            page.wait_for_load_state("load")
            problems += [f"{where}: {error}" for error in errors]
            if not url.startswith(NO_WORD_CHECK):
                words = english_words(page.inner_text("body"), allowed)
                if words:
                    problems.append(f"{where}: English words {words}")
                if page.locator("select option", has_text="---------").count():
                    problems.append(f"{where}: a select offers “---------”")
            if url in MAIN_PAGES:
                shot(page, f"crawl-{role}-{MAIN_PAGES[url]}", full_page=False)
            if is_menu:
                record = _first_record(page, url)
                if record:
                    queue.append((f"{label} › 第一条", record, False))
        context.close()
    elapsed = time.monotonic() - started
    print(f"crawl: {visited} pages for {len(crawl_county.users)} roles in {elapsed:.1f} s")
    assert not problems, "\n".join(problems)
