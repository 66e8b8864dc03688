"""Fixtures for the Playwright smoke tests: Debian's Chromium, a live server and a tiny county.

The tests drive the system's own Chromium (/usr/bin/chromium); they never download a browser.
Without it they are skipped with the reason, except where EMIS_BROWSER_TESTS=required (CI), where a
missing browser is a failure. Screenshots go to test-artifacts/screenshots/ (ignored by git).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass

import pytest
from django.core.servers.basehttp import WSGIServer
from django.test.testcases import LiveServerThread

from .helpers import CHROMIUM, CHROMIUM_ARGS, DESKTOP, PASSWORD, log_in

# Playwright's sync API runs an asyncio event loop in this thread; Django's ORM would otherwise
# refuse to run from it (SynchronousOnlyOperation) in fixtures and assertions.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


class SerialWSGIServer(WSGIServer):
    """The live server answering one request at a time. Its threaded default lets a page's images (thumbnails, each
    renewing the session) run at once on the test database's one shared SQLite connection, where two transactions
    collide ("cannot start a transaction within a transaction": HTTP 400 now and then). Django closes every
    connection of a server that is not threaded, so a kept-alive connection never holds the others up."""

    def __init__(self, *args, connections_override=None, **kwargs):
        super().__init__(*args, **kwargs)


LiveServerThread.server_class = SerialWSGIServer


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        reason = f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium fonts-noto-cjk)"
        if os.environ.get("EMIS_BROWSER_TESTS", "").lower() == "required":
            pytest.fail(f"EMIS_BROWSER_TESTS=required: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class PageProblems:
    """Failed requests, HTTP errors and JavaScript errors seen by a page (missing CSS shows up here)."""

    def __init__(self, page):
        self.items: list[str] = []
        page.on("pageerror", lambda error: self.items.append(f"JS error: {error}"))
        # A script, style or connection the Content Security Policy refused is reported on the console only.
        page.on("console", self._console)
        page.on("requestfailed", self._request_failed)
        page.on("response", self._response)

    def _console(self, message):
        if "Content Security Policy" in message.text:
            self.items.append(f"CSP violation: {message.text}")

    def _request_failed(self, request):
        # The picker cancels its search when a newer one starts or the form is sent (static/js/picker.js, an
        # AbortController): on a slow machine the older fetch is still open then. Nothing the page needed is lost.
        if request.resource_type == "fetch" and "ERR_ABORTED" in (request.failure or ""):
            return
        self.items.append(f"request failed: {request.url} ({request.failure})")

    def _response(self, response):
        if response.status >= 400:
            self.items.append(f"HTTP {response.status}: {response.url}")

    def assert_none(self, *, allow: tuple[str, ...] = ()):
        problems = [p for p in self.items if not any(re.search(pattern, p) for pattern in allow)]
        assert not problems, "page problems:\n" + "\n".join(problems)


@pytest.fixture
def new_page(browser):
    """Factory for pages in fresh contexts (own cookies); closes them all afterwards."""
    contexts = []

    def make(*, viewport=DESKTOP, locale="zh-CN"):
        context = browser.new_context(viewport=viewport, locale=locale, timezone_id="Asia/Shanghai")
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.problems = PageProblems(page)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@dataclass
class County:
    """The objects a smoke test needs by name."""

    admin: object
    county: object
    tongyang: object
    nanlin: object
    year: object
    primary: object
    nanlin_primary: object
    teaching_point: object
    kindergarten: object
    senior: object
    student: object


@pytest.fixture
def mini_county(transactional_db):
    """A tiny 通山县: two townships, five schools, one student and a system administrator."""
    from emis.accounts.models import User
    from emis.common.idnumbers import make_id_number
    from emis.core.access import Role
    from emis.orgs.choices import DivisionLevel, Ownership, SchoolCategory, UrbanRural
    from emis.orgs.models import Division, School, SchoolYear
    from emis.students.models import Student
    from emis.testing import enter_working_calendar_through_next_year

    province = Division.objects.create(code="42", name="湖北省", level=DivisionLevel.PROVINCE)
    city = Division.objects.create(code="4212", name="咸宁市", level=DivisionLevel.CITY, parent=province)
    county = Division.objects.create(code="421224", name="通山县", level=DivisionLevel.COUNTY, parent=city)
    tongyang = Division.objects.create(code="421224100", name="通羊镇", level=DivisionLevel.TOWNSHIP, parent=county)
    nanlin = Division.objects.create(code="421224101", name="南林桥镇", level=DivisionLevel.TOWNSHIP, parent=county)
    year = SchoolYear.objects.create(start_year=2025, census_date=dt.date(2025, 9, 1), is_current=True)
    enter_working_calendar_through_next_year()

    def school(code, name, category, township, **extra):
        return School.objects.create(
            code=code,
            name=name,
            category=category,
            township=township,
            urban_rural=extra.pop("urban_rural", UrbanRural.RURAL),
            opened_on=dt.date(1990, 9, 1),
            **extra,
        )

    primary = school(
        "2142000001",
        "通山县实验小学",
        SchoolCategory.PRIMARY,
        tongyang,
        urban_rural=UrbanRural.URBAN,
        capacity=1800,
        address="通羊镇九宫大道 1 号",
    )
    nanlin_primary = school("2142000002", "南林桥镇中心小学", SchoolCategory.PRIMARY, nanlin, capacity=900)
    teaching_point = school(
        "2142000003", "南林桥镇石门教学点", SchoolCategory.TEACHING_POINT, nanlin, parent=nanlin_primary, capacity=60
    )
    kindergarten = school(
        "1142000004",
        "通羊镇阳光幼儿园",
        SchoolCategory.KINDERGARTEN,
        tongyang,
        ownership=Ownership.PRIVATE,
        inclusive=True,
        urban_rural=UrbanRural.TOWN,
        capacity=240,
    )
    senior = school(
        "3142000005", "通山县第一中学", SchoolCategory.SENIOR, tongyang, urban_rural=UrbanRural.URBAN, capacity=3000
    )
    student = Student.objects.create(
        name="王小明",
        gender="1",
        birth_date=dt.date(2016, 5, 20),
        id_number=make_id_number("421224", dt.date(2016, 5, 20), 31, "1"),
        current_school=primary,
        hukou_township=tongyang,
        county_code="421224",
    )
    admin = User.objects.create_user(
        "browser_admin", password=PASSWORD, role=Role.ADMIN, display_name="系统管理员（测试）"
    )
    return County(
        admin, county, tongyang, nanlin, year, primary, nanlin_primary, teaching_point, kindergarten, senior, student
    )


@pytest.fixture
def admin_page(page, live_server, mini_county):
    """A desktop page signed in as the system administrator."""
    log_in(page, live_server)
    return page
