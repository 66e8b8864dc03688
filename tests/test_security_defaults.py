"""Safe defaults (issue 10, finding 12): the entry points start the production settings unless the developer's
are asked for; production refuses a short or published secret key, sends HSTS and the other security headers,
redirects to HTTPS and marks its cookies Secure; sessions end after a spell of idleness and at browser close; every
page carries a Content Security Policy and holds no inline script for it to refuse."""

from __future__ import annotations

import base64
import importlib
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client, override_settings
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, path, reverse
from django.utils import timezone

from emis.core.access import Role
from emis.testing import PASSWORD, registry

ROOT = Path(__file__).resolve().parent.parent
GOOD_KEY = "k3Y-" + "x7Qz9" * 12  # 64 characters, not a published one
# Production also needs the keys for ID numbers at rest (tests/test_crypto.py covers their refusals).
DATA_KEYS = {
    "EMIS_DATA_KEYS": "t1:" + base64.urlsafe_b64encode(b"test-data-key-not-for-real-use!!").decode(),
    "EMIS_HASH_KEY": base64.urlsafe_b64encode(b"test-hash-key-not-for-real-use!!").decode(),
}
SHOW_SETTINGS = "from django.conf import settings; print(settings.SETTINGS_MODULE, settings.DEBUG)"


def run_python(code: str, env_overrides: dict[str, str] | None = None, *args: str) -> subprocess.CompletedProcess:
    """Python in a fresh process with neither DJANGO_SETTINGS_MODULE nor EMIS_SECRET_KEY from the test run."""
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "EMIS_SECRET_KEY", "EMIS_DEBUG"}}
    env["PYTHONPATH"] = str(ROOT)
    env.update(DATA_KEYS)
    env.update(env_overrides or {})
    command = [sys.executable, *args] if args else [sys.executable, "-c", code]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


# Entry points ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "entry",
    [
        ("manage.py", "shell", "--no-imports", "-c", SHOW_SETTINGS),
        (
            "-c",
            f"import sys; sys.argv = ['emis', 'shell', '--no-imports', '-c', {SHOW_SETTINGS!r}]; "
            "from emis.cli import main; main()",
        ),
        ("-c", "import config.wsgi; " + SHOW_SETTINGS),
    ],
    ids=["manage.py", "emis", "wsgi"],
)
def test_entry_points_default_to_production(entry):
    started = run_python("", {"EMIS_SECRET_KEY": GOOD_KEY}, *entry)
    assert started.returncode == 0, started.stderr
    assert started.stdout.split() == ["config.settings.production", "False"]
    # Without a key they do not start at all, instead of falling back to a development key.
    refused = run_python("", {}, *entry)
    assert refused.returncode != 0
    assert "EMIS_SECRET_KEY must be set" in refused.stderr


def test_the_developer_settings_are_used_when_asked_for():
    local = {"DJANGO_SETTINGS_MODULE": "config.settings.local"}
    started = run_python("", local, "manage.py", "shell", "--no-imports", "-c", SHOW_SETTINGS)
    assert started.stdout.split() == ["config.settings.local", "True"], started.stderr


def test_the_demo_profile_runs_with_debug_off_and_a_generated_key():
    shown = "from django.conf import settings; print(settings.DEBUG, len(settings.SECRET_KEY), settings.ALLOWED_HOSTS)"
    demo = {"DJANGO_SETTINGS_MODULE": "config.settings.demo"}
    started = run_python("", demo, "manage.py", "shell", "--no-imports", "-c", shown)
    assert started.returncode == 0, started.stderr
    debug, length, hosts = started.stdout.split(" ", 2)
    assert debug == "False" and int(length) >= 50 and "localhost" in hosts


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("x", "too short"),
        ("0123456789" * 4, "too short"),  # 40 characters
        ("ab" * 40, "too simple"),
        ("dev-insecure-change-me", "published default"),
        ("django-insecure-" + "a1b2c3d4e5" * 5, "published default"),
    ],
)
def test_production_refuses_a_short_or_published_secret_key(key, message):
    production = {"DJANGO_SETTINGS_MODULE": "config.settings.production", "EMIS_SECRET_KEY": key}
    refused = run_python("import django; django.setup()", production)
    assert refused.returncode != 0
    assert "ImproperlyConfigured" in refused.stderr and message in refused.stderr


# Headers, redirect and cookies under the production values --------------------------------------------------------


@pytest.fixture
def production_settings(monkeypatch):
    """The security settings exactly as config/settings/production.py computes them, applied to this test."""
    monkeypatch.setenv("EMIS_SECRET_KEY", GOOD_KEY)
    for name, value in DATA_KEYS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("EMIS_PROXY_SSL_HEADER", raising=False)
    sys.modules.pop("config.settings.production", None)
    production = importlib.import_module("config.settings.production")
    names = [
        name
        for name in dir(production)
        if name.startswith(("SECURE_", "SESSION_", "CSRF_", "CONTENT_SECURITY_POLICY", "X_FRAME"))
    ]
    with override_settings(DEBUG=False, **{name: getattr(production, name) for name in names}):
        yield production


def test_production_redirects_to_https_and_sends_the_security_headers(production_settings, county):
    client = Client()
    plain = client.get("/accounts/login/")
    assert plain.status_code == 301 and plain["Location"] == "https://testserver/accounts/login/"
    assert client.get("/healthz").status_code == 200  # a local probe over http

    page = client.get("/accounts/login/", secure=True)
    assert page.status_code == 200
    assert page["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert page["X-Frame-Options"] == "DENY"
    assert page["X-Content-Type-Options"] == "nosniff"
    assert page["Referrer-Policy"] == "same-origin"
    assert "script-src 'self'" in page["Content-Security-Policy"]
    assert page.cookies["csrftoken"]["secure"]

    signed_in = client.post(
        "/accounts/login/", {"username": county.users[Role.SCHOOL].username, "password": PASSWORD}, secure=True
    )
    assert signed_in.status_code == 302
    session = signed_in.cookies["sessionid"]
    assert session["secure"] and session["httponly"]
    assert not session["max-age"] and not session["expires"]  # ends when the browser closes


def _broken_view(request):
    raise RuntimeError("secret detail of the failure")


urlpatterns = [path("boom", _broken_view)]  # this module is the URLconf of the next test


def test_production_debug_is_off_and_errors_show_no_traceback(production_settings, county):
    assert production_settings.DEBUG is False
    client = Client(raise_request_exception=False)
    with override_settings(ROOT_URLCONF=__name__):
        response = client.get("/boom", secure=True)
    assert response.status_code == 500
    text = response.content.decode()
    assert "服务器出错" in text and "secret detail" not in text and "Traceback" not in text


def test_a_failed_csrf_check_answers_in_chinese_without_detail(db):
    response = Client(enforce_csrf_checks=True).post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    text = response.content.decode()
    assert "页面已过期" in text and "CSRF" not in text


# Sessions ----------------------------------------------------------------------------------------------------------


def test_an_idle_session_expires_and_an_active_one_is_renewed(county):
    assert settings.SESSION_COOKIE_AGE == settings.EMIS_SESSION_IDLE_MINUTES * 60 <= 30 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE and settings.SESSION_SAVE_EVERY_REQUEST
    client = Client()
    client.force_login(county.users[Role.SCHOOL])
    assert client.get("/").status_code == 200
    key = client.session.session_key
    idle = timezone.now() + timezone.timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)
    Session.objects.filter(session_key=key).update(expire_date=idle)
    assert client.get("/").status_code == 200  # activity renews the session ...
    assert Session.objects.get(session_key=key).expire_date > idle
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timezone.timedelta(seconds=1))
    after_idle = client.get("/")  # ... and idleness ends it
    assert after_idle.status_code == 302 and after_idle["Location"].startswith("/accounts/login/")


# Content Security Policy --------------------------------------------------------------------------------------------


class ScriptAudit(HTMLParser):
    """Everything in a page that a strict script-src would refuse (or that only works by weakening it)."""

    def __init__(self):
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and not attributes.get("src") and attributes.get("type") != "application/json":
            self.problems.append(f"inline <script {attrs}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...> handler")
            if name in {"href", "src", "action", "formaction"} and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"<{tag} {name}={value}>")
            if name.startswith(("hx-on", "data-hx-on")) or name in {"hx-vars", "data-hx-vars"}:
                self.problems.append(f"<{tag} {name}> needs eval")


def page_urls(user) -> list[str]:
    """Every route without arguments, and the detail page of one row of every registered model."""
    urls = []

    def walk(patterns, namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                try:
                    urls.append(reverse(name))
                except NoReverseMatch:
                    pass

    walk(get_resolver().url_patterns)
    for ui in registry():
        obj = ui.queryset(user).order_by("pk").first()
        if obj is not None:
            urls.append(reverse(ui.url_name("detail"), args=[obj.pk]))
    return sorted(set(urls) - {reverse("logout")})


def test_every_page_has_a_csp_and_no_inline_script(county):
    policy = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    assert policy["script-src"] == ["'self'"] and "default-src" in policy and policy["object-src"] == ["'none'"]
    client = Client()
    login_page = client.get(reverse("login"))
    pages = {reverse("login"): login_page}
    admin = county.users[Role.ADMIN]
    client.force_login(admin)
    for url in page_urls(admin):
        pages[url] = client.get(url)
    checked = []
    problems = []
    for url, response in pages.items():
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        assert "script-src 'self'" in response["Content-Security-Policy"], url
        assert "unsafe-inline" not in response["Content-Security-Policy"].split("script-src")[1].split(";")[0], url
        text = b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()
        if "{#" in text or "{%" in text:
            problems.append(f"{url}: template syntax left in the page")
        audit = ScriptAudit()
        audit.feed(text)
        problems += [f"{url}: {problem}" for problem in audit.problems]
        checked.append(url)
    assert not problems, "\n".join(problems)
    # The pages that carried inline code before are among those checked.
    for name in ("home", "indicators:dashboard", "indicators:screen", "api-docs", "core:import_list"):
        assert reverse(name) in checked, name
    assert len(checked) > 30


def test_the_audit_catches_inline_code():
    audit = ScriptAudit()
    audit.feed(
        '<script>alert(1)</script><script src="/a.js"></script><script type="application/json">{}</script>'
        '<button onclick="x()"></button><a href="javascript:x()">x</a><div hx-on:click="x()"></div>'
    )
    assert len(audit.problems) == 4


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"EMIS_DATA_KEYS": "", "EMIS_HASH_KEY": ""}, "must be set"),
        ({"EMIS_DATA_KEYS": settings.DEVELOPMENT_DATA_KEYS}, "development keys"),
        ({"EMIS_HASH_KEY": settings.DEVELOPMENT_HASH_KEY}, "development keys"),
    ],
    ids=["missing", "development data key", "development hash key"],
)
def test_production_refuses_missing_or_development_data_keys(keys, message):
    production = {"DJANGO_SETTINGS_MODULE": "config.settings.production", "EMIS_SECRET_KEY": GOOD_KEY, **keys}
    refused = run_python("import django; django.setup()", production)
    assert refused.returncode != 0
    assert "ImproperlyConfigured" in refused.stderr and message in refused.stderr
