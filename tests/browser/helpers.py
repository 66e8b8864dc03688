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
