"""The browser's pass of the crawl (issue 14, item 8): as the administrator (offered every page) and a school's
account (the narrowest scope), every page the menu offers and the first record each list links to answers 200, logs
no console error (a script refused by the Content Security Policy included), shows no English word outside the
allow-list (emis.testing_crawl) and offers no "---------"; the main pages are photographed
(test-artifacts/screenshots/crawl-<role>-<page>.png), with those of the other roles (test_main_pages_of_each_role).

Each page family (its path with the record numbers left out) is opened once in the browser: the school's account
opens only the pages the administrator's pass did not, and its main pages to photograph them (its menu is still
checked). Every role's pages, as the server writes them, are crawled through the test client (tests/test_crawl.py);
what only a browser sees (scripts, console and CSP errors, text written by scripts) comes from the same templates
and scripts whichever role opens the page.

The data are the small county of emis.testing (two townships, four schools, five pupils, one user per role) with a
published 中考 round and appeal and three 整改通知书, so that every list has a first record to open.
"""

from __future__ import annotations

import re
import time

import pytest

from emis.testing_crawl import ALLOWED_WORDS, EMPTY_CHOICE, NO_WORD_CHECK, english_words

from .helpers import shot

pytestmark = pytest.mark.browser

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
    "/accounts/password/": "password",
}


def _cache_static(context, live_server):
    """Static files fetched once per run and then answered from memory: the live server answers one request at a
    time, and every page would otherwise fetch the same style sheets and scripts again."""
    cached: dict[str, tuple[int, dict, bytes]] = _STATIC

    def handle(route):
        url = route.request.url
        if url not in cached:
            response = route.fetch()
            cached[url] = (response.status, response.headers, response.body())
        status, headers, body = cached[url]
        route.fulfill(status=status, headers=headers, body=body)

    context.route(f"{live_server.url}/static/**", handle)


_STATIC: dict = {}
# The browser's pass: the administrator (offered every page) and a school's account (the narrowest scope). Every
# role's pages are crawled through the test client (tests/test_crawl.py); what only a browser sees (console errors,
# what is really visible, the pictures) does not depend on the role beyond the pages offered.
CRAWLED_ROLES = ("admin", "school")


@pytest.fixture
def crawl_county(transactional_db):
    from emis.rectification.tests.test_access import make_notices
    from emis.testing import build_county, build_rounds

    county = build_county()
    build_rounds(county)
    make_notices(county)
    return county


def _sign_in(browser, live_server, user):
    from emis.testing import PASSWORD

    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    context.set_default_timeout(15_000)
    _cache_static(context, live_server)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    return context, page


def test_main_pages_of_each_role(browser, live_server, crawl_county):
    """The main pages of the roles the crawl above does not sign in as, photographed to be looked at."""
    for role in ("leader", "section", "township", "inspector", "city"):
        context, page = _sign_in(browser, live_server, crawl_county.users[role])
        offered = {url for _label, url in _menu(page)}
        for url, name in MAIN_PAGES.items():
            if url in offered:
                response = page.goto(live_server.url + url)
                assert response.status == 200, f"{role} {url}"
                shot(page, f"crawl-{role}-{name}", full_page=False)
        context.close()


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


def _family(url: str) -> str:
    """The page family of a URL: its path with the record numbers left out (/students/student/12/ and
    /students/student/7/ are one family)."""
    return re.sub(r"\d+", "#", url.split("?", 1)[0])


def test_every_menu_page_of_every_role_answers_in_chinese(browser, live_server, crawl_county):
    from emis.accounts.models import User
    from emis.core.access import Role

    allowed = ALLOWED_WORDS | set(User.objects.values_list("username", flat=True))
    problems: list[str] = []
    visited = 0
    families: set[str] = set()  # page families opened by an earlier role's pass
    started = time.monotonic()
    for role in CRAWLED_ROLES:
        user = crawl_county.users[role]
        context, page = _sign_in(browser, live_server, user)
        errors: list[str] = []
        page.on("console", lambda m, errors=errors: errors.append(f"console: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e, errors=errors: errors.append(f"JS error: {e}"))
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
            if url in seen or (_family(url) in families and url not in MAIN_PAGES):
                continue  # opened by an earlier role (the main pages are opened again, to be photographed)
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
                if EMPTY_CHOICE in page.content():
                    problems.append(f"{where}: a select offers “{EMPTY_CHOICE}”")
            if url in MAIN_PAGES:
                shot(page, f"crawl-{role}-{MAIN_PAGES[url]}", full_page=False)
            if is_menu:
                record = _first_record(page, url)
                if record:
                    queue.append((f"{label} › 第一条", record, False))
        families |= {_family(url) for url in seen}
        context.close()
    elapsed = time.monotonic() - started
    print(f"crawl: {visited} pages for {len(CRAWLED_ROLES)} roles in {elapsed:.1f} s")
    assert not problems, "\n".join(problems)
