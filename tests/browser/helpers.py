"""Constants and helpers shared by the browser tests and their fixtures."""

from __future__ import annotations

import os
from pathlib import Path

CHROMIUM = os.environ.get("EMIS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--lang=zh-CN",  # the browser's own words (a file input's 选择文件) in Chinese, as a clerk's browser shows them
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PASSWORD = "Browser-Test-2025"
DESKTOP = {"width": 1366, "height": 900}


def shot(page, name: str, *, full_page: bool = True) -> Path:
    """Save a screenshot as test-artifacts/screenshots/<name>.png and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def log_in(page, live_server, username: str = "browser_admin", password: str = PASSWORD):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("button[type=submit]")


def pick(page, field_id: str, text: str, choice: str | None = None) -> None:
    """Choose a row in a search-as-you-type picker (static/js/picker.js): type ``text`` into the box that replaced
    the select ``#field_id`` and click the result reading ``choice`` (default: ``text``)."""
    box = page.locator(f"#{field_id}")
    box.click()
    box.fill(text)
    page.locator(f"#{field_id}-listbox").get_by_text(choice or text, exact=True).click()


def add_kindergarten_children(c, *, nanlin_from: int | None = None) -> None:
    """Six children in a 大班 class of the mini county's kindergarten, each also on the 3-5 population register (so
    the preschool rates have values): registered in 通羊镇, or in 南林桥镇 from child ``nanlin_from`` on."""
    import datetime as dt

    from emis.common.idnumbers import make_id_number
    from emis.population.models import PopulationRecord
    from emis.students.models import Enrollment, SchoolClass, Student

    klass = SchoolClass.objects.create(school=c.kindergarten, school_year=c.year, grade="K2", name="1班")
    for i in range(6):
        birth = dt.date(2021, 3, 1) + dt.timedelta(days=i)
        number = make_id_number("421224", birth, 10 + i, "1")
        child = Student.objects.create(
            name=f"幼儿{i}",
            gender="1",
            birth_date=birth,
            id_number=number,
            current_school=c.kindergarten,
            hukou_township=c.tongyang,
            county_code="421224",
        )
        Enrollment.objects.create(
            student=child,
            school=c.kindergarten,
            school_year=c.year,
            school_class=klass,
            grade="K2",
            status="enrolled",
            status_date=c.year.census_date,
        )
        township = c.nanlin if nanlin_from is not None and i >= nanlin_from else c.tongyang
        PopulationRecord.objects.create(
            school_year=c.year, name=f"幼儿{i}", gender="1", birth_date=birth, id_number=number, hukou_township=township
        )
