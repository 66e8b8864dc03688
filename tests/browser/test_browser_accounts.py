"""Two-factor login in a real browser: the administrator is sent to enrol, scans (reads) the QR code's secret,
confirms a code, and at the next login is asked for the code after the password."""

from __future__ import annotations

import base64
import time

import pytest
from django.test import override_settings
from django_otp.oath import TOTP

from .helpers import log_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def code(secret: str, steps_ahead: int = 0) -> str:
    totp = TOTP(base64.b32decode(secret))
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


@override_settings(EMIS_OTP_REQUIRED_ROLES=["admin"])
def test_administrator_enrols_then_signs_in_with_the_code(page, live_server, mini_county):
    log_in(page, live_server)
    assert page.url == f"{live_server.url}/accounts/2fa/"
    assert "必须启用两步验证" in page.inner_text("[data-testid=otp-required]")
    assert page.locator("[data-testid=otp-qr] svg").is_visible()  # drawn on the server, no outside request
    shot(page, "accounts-01-enrol")
    secret = page.inner_text("[data-testid=otp-secret]").strip()
    page.fill("#id_otp_token", code(secret))
    with page.expect_navigation():
        page.click("button:has-text('确认绑定')")
    assert "两步验证已启用" in page.inner_text("[data-testid=otp-on]")

    page.goto(f"{live_server.url}/accounts/user/{mini_county.admin.pk}/")
    assert "已启用" in page.inner_text("[data-testid=user-security]")
    shot(page, "accounts-02-user-security")

    with page.expect_navigation():
        page.click("header button[type=submit]")  # 退出
    log_in(page, live_server)
    assert page.url == f"{live_server.url}/accounts/login/verify/"
    shot(page, "accounts-03-verify")
    page.fill("#id_otp_token", code(secret, 1))
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.url == f"{live_server.url}/"
    page.problems.assert_none()
