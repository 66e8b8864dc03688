"""Error pages in Chinese that reveal nothing (issue 14, item 5): 404 (missing or out of scope), 403, 400 and 500,
as served with DEBUG off (the tests' settings, and `make demo`'s config.settings.demo with WhiteNoise). Also the
password page every user reaches, the prompt for accounts still on their initial password, and the API's
documentation with its way back."""

from __future__ import annotations

import importlib

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.test import Client, override_settings
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns
from emis.core.access import Role
from emis.testing import PASSWORD


def _forbidden(request):
    raise PermissionDenied("internal reason that must not show")


def _bad(request):
    raise SuspiciousOperation("internal reason that must not show")


def _boom(request):
    raise RuntimeError("internal reason that must not show")


urlpatterns = [
    path("_test/forbidden/", _forbidden),
    path("_test/bad/", _bad),
    path("_test/boom/", _boom),
    *site_urlpatterns,
]

DEVELOPER_TEXT = ("Page not found", "URLconf", "urlpatterns", "Traceback", "internal reason", "Forbidden", "DEBUG")


def _assert_friendly(response, status: int, words: str):
    body = response.content.decode()
    assert response.status_code == status
    assert words in body
    assert not [text for text in DEVELOPER_TEXT if text in body], body[:500]
    assert "int:pk" not in body and "&lt;" not in body  # no URL patterns listed


def test_the_demo_serves_with_debug_off_and_whitenoise():
    from django.conf import settings

    demo = importlib.import_module("config.settings.demo")
    assert demo.DEBUG is False
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in demo.MIDDLEWARE
    assert settings.DEBUG is False  # the tests see what the demo serves


def test_a_missing_or_out_of_scope_record_is_the_chinese_404(county):
    client = Client()
    client.force_login(county.users[Role.SCHOOL])
    _assert_friendly(client.get("/students/student/99999999/"), 404, "页面不存在，或不在您的管辖范围内。")
    other_school_pupil = county.students["赵思飞"]  # 南林桥镇: outside school A1's scope
    _assert_friendly(client.get(f"/students/student/{other_school_pupil.pk}/"), 404, "页面不存在")
    _assert_friendly(client.get("/no/such/page/"), 404, "页面不存在")


@override_settings(ROOT_URLCONF=__name__)
def test_a_refused_action_is_the_chinese_403(county):
    client = Client()
    client.force_login(county.users[Role.SCHOOL])
    _assert_friendly(client.get("/_test/forbidden/"), 403, "您的账号无权进行此操作。")


@override_settings(ROOT_URLCONF=__name__)
def test_a_bad_request_is_the_chinese_400(county):
    client = Client()
    client.force_login(county.users[Role.SCHOOL])
    _assert_friendly(client.get("/_test/bad/"), 400, "请求有误，系统无法处理。")


@override_settings(ROOT_URLCONF=__name__)
def test_a_server_error_is_the_chinese_500(county):
    client = Client(raise_request_exception=False)
    client.force_login(county.users[Role.SCHOOL])
    _assert_friendly(client.get("/_test/boom/"), 500, "服务器出错，请稍后再试。")


@pytest.mark.parametrize("role", [Role.ADMIN, Role.LEADER, Role.SECTION, Role.TOWNSHIP, Role.SCHOOL, Role.INSPECTOR])
def test_every_role_changes_its_password_from_the_menu_and_the_initial_password_prompt_stops(county, role):
    user = county.users[role]
    user.must_change_password = True
    user.save(update_fields=["must_change_password"])
    client = Client()
    client.force_login(user)
    home = client.get("/").content.decode()
    assert 'href="/accounts/password/"' in home and "修改密码" in home
    assert 'data-testid="change-password-banner"' in home
    page = client.get("/accounts/password/")
    assert page.status_code == 200 and 'data-testid="change-password-banner"' not in page.content.decode()
    new = "Another-Pass-9876"
    response = client.post(
        "/accounts/password/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new}, follow=True
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.check_password(new) and not user.must_change_password
    assert 'data-testid="change-password-banner"' not in client.get("/").content.decode()


def test_the_demo_accounts_are_asked_to_change_their_published_passwords(db):
    from emis.accounts.models import User
    from emis.demo.loader import ensure_demo_accounts

    ensure_demo_accounts()  # no county loaded: the administrator's account only
    admin = User.objects.get(username="admin")
    assert admin.must_change_password
    client = Client()
    client.force_login(admin)
    assert "您仍在使用初始密码" in client.get("/").content.decode()


def test_the_api_documentation_leads_back_to_the_site_and_needs_a_signed_in_user(county):
    assert Client().get("/api/docs/").status_code in (401, 403)
    client = Client()
    client.force_login(county.users[Role.ADMIN])
    body = client.get("/api/docs/").content.decode()
    assert 'data-testid="api-docs-back"' in body and 'href="/"' in body and "返回县域教育管理信息系统" in body
