"""Account security (issue 10, findings 9-11 and two-factor login), each attack performed as an attacker would:
password guessing on the login page and the token endpoint, tokens that outlive logout, expiry and password
changes, someone else's token, weak passwords, unaudited password changes, and logins without the second factor.
"""

from __future__ import annotations

import datetime as dt
import time
from binascii import unhexlify

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken

from emis.accounts.models import User
from emis.accounts.views import ENROL_KEY
from emis.core.access import Role
from emis.core.audit import audit_context
from emis.core.models import AuditEvent, ChangeSource, ObjectChange
from emis.testing import PASSWORD

LOGIN = "/accounts/login/"
TOKEN = "/api/token/"
LIMIT = 5  # settings.AXES_FAILURE_LIMIT
COUNTY_ROLES = ["admin", "leader", "section"]


def login_page(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def token_client(token: str) -> Client:
    return Client(headers={"authorization": f"Token {token}"})


def obtain_token(username, password=PASSWORD, client=None, **extra) -> str:
    response = (client or Client()).post(TOKEN, {"username": username, "password": password, **extra})
    assert response.status_code == 200, response.content.decode()
    return response.json()["token"]


def works(token: str) -> bool:
    status = token_client(token).get("/api/schools/").status_code
    assert status in (200, 401)
    return status == 200


def code_for(key: str, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows for this secret (steps_ahead: the next 30-second window, because a
    code once accepted cannot be used again)."""
    totp = TOTP(unhexlify(key))
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def wrong_code(key: str) -> str:
    valid = {code_for(key, offset) for offset in (-1, 0, 1, 2)}
    return next(c for c in ("000000", "111111", "222222", "333333", "444444") if c not in valid)


# Finding 9: throttling and lockout, with a record of failures ---------------------------------------------------


def test_login_page_locks_out_after_repeated_failures_even_with_the_right_password(county):
    client = Client()
    for _ in range(LIMIT - 1):
        assert login_page(client, "school_a1", "guess-guess-guess").status_code == 200
    assert login_page(client, "school_a1", "guess-guess-guess").status_code == 429  # the fifth failure locks
    response = login_page(client, "school_a1", PASSWORD)
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode() and "系统管理员" in response.content.decode()
    assert not signed_in(client)


def test_lockout_is_per_username_and_address(county):
    """An office behind one NAT address: one colleague's lockout leaves the others, and the same account from
    another address, able to sign in."""
    client = Client()
    for _ in range(LIMIT):
        login_page(client, "school_a1", "guess-guess-guess")
    colleague = Client()
    assert login_page(colleague, "leader", PASSWORD).status_code == 302 and signed_in(colleague)
    elsewhere = Client(REMOTE_ADDR="10.1.2.3")
    assert login_page(elsewhere, "school_a1", PASSWORD).status_code == 302 and signed_in(elsewhere)


def test_lockout_ends_after_the_cool_off(county):
    client = Client()
    for _ in range(LIMIT):
        login_page(client, "school_a1", "guess-guess-guess")
    assert login_page(client, "school_a1", PASSWORD).status_code == 429
    # Sixteen minutes later (cool-off 15).
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=16))
    assert login_page(client, "school_a1", PASSWORD).status_code == 302 and signed_in(client)


def test_administrator_lifts_a_lockout_and_it_is_audited(county, login):
    client = Client()
    for _ in range(LIMIT):
        login_page(client, "school_a1", "guess-guess-guess")
    target = county.users[Role.SCHOOL]
    page = login(Role.ADMIN).get(target.get_absolute_url()).content.decode()
    assert "解除锁定" in page
    # Someone else cannot, and learns nothing.
    assert login(Role.LEADER).post(reverse("accounts:user_unlock", args=[target.pk])).status_code == 404
    assert login_page(Client(), "school_a1", PASSWORD).status_code == 429
    assert login(Role.ADMIN).post(reverse("accounts:user_unlock", args=[target.pk])).status_code == 302
    assert login_page(client, "school_a1", PASSWORD).status_code == 302
    event = AuditEvent.objects.get(event="account.unlocked")
    assert event.username == "admin" and event.data["username"] == "school_a1"


def test_failed_logins_are_recorded_and_shown_to_the_administrator_only(county, login):
    login_page(Client(REMOTE_ADDR="192.0.2.7"), "school_a1", "guess-guess-guess")
    Client(REMOTE_ADDR="192.0.2.8").post(TOKEN, {"username": "leader", "password": "guess-guess-guess"})
    failures = AccessFailureLog.objects.order_by("attempt_time")
    assert [(f.username, f.ip_address, f.path_info) for f in failures] == [
        ("school_a1", "192.0.2.7", LOGIN),
        ("leader", "192.0.2.8", TOKEN),
    ]
    # The password tried is never stored.
    assert "guess-guess-guess" not in str(list(AccessAttempt.objects.values()))
    page = login(Role.ADMIN).get(reverse("accounts:security_log"))
    assert page.status_code == 200
    assert "192.0.2.7" in page.content.decode() and "192.0.2.8" in page.content.decode()
    for role in (Role.LEADER, Role.SECTION, Role.SCHOOL):
        assert login(role).get(reverse("accounts:security_log")).status_code == 404


def test_token_endpoint_locks_out_too(county):
    client = Client()
    for _ in range(LIMIT - 1):
        response = client.post(TOKEN, {"username": "leader", "password": "guess-guess-guess"})
        assert response.status_code == 400
        assert response.json()["non_field_errors"] == ["用户名或密码不正确。"]
    assert client.post(TOKEN, {"username": "leader", "password": "guess-guess-guess"}).status_code == 429
    response = client.post(TOKEN, {"username": "leader", "password": PASSWORD})
    assert response.status_code == 429
    assert "登录失败次数过多" in response.json()["detail"]
    # Failures on the API and on the login page count together.
    assert login_page(client, "leader", PASSWORD).status_code == 429


def test_a_successful_login_resets_the_failure_count(county):
    client = Client()
    for _ in range(LIMIT - 1):
        login_page(client, "school_a1", "guess-guess-guess")
    assert login_page(client, "school_a1", PASSWORD).status_code == 302
    client = Client()
    for _ in range(LIMIT - 1):
        login_page(client, "school_a1", "guess-guess-guess")
    assert login_page(client, "school_a1", PASSWORD).status_code == 302


# Finding 10: API tokens expire, are revoked at logout and password change, and are listed and revocable --------


def test_tokens_expire(county):
    token = obtain_token("leader")
    stored = AuthToken.objects.get(token_key=token[:15])
    assert timezone.now() + dt.timedelta(days=6) < stored.expiry <= timezone.now() + dt.timedelta(days=7)
    assert works(token)
    # Eight days on.
    AuthToken.objects.filter(pk=stored.pk).update(expiry=timezone.now() - dt.timedelta(seconds=1))
    assert not works(token)


def test_tokens_are_stored_hashed(county):
    token = obtain_token("leader")
    assert not AuthToken.objects.filter(digest=token).exists()
    assert token not in str(list(AuthToken.objects.values()))


def test_api_logout_revokes_the_token(county):
    first, second = obtain_token("leader"), obtain_token("leader")
    assert token_client(first).post("/api/token/logout/").status_code == 204
    assert not works(first)
    assert works(second)  # another device's token stays
    assert token_client(second).post("/api/token/logout-all/").status_code == 204
    assert not works(second)
    assert AuditEvent.objects.filter(event="account.token_revoked").count() == 2


def test_own_password_change_revokes_tokens_and_is_audited(county, login):
    token = obtain_token("school_a1")
    client = login(Role.SCHOOL)
    new = "another-long-secret-42"
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert not works(token)
    assert client.get("/").status_code == 200  # still signed in here
    event = AuditEvent.objects.get(event="account.password_changed")
    assert event.username == "school_a1" and event.data["username"] == "school_a1"
    assert event.data["source"] == ChangeSource.WEB and event.data["ip"] == "127.0.0.1"
    assert event.data["tokens_revoked"] == 2  # the fixture's token and the one obtained above
    user = User.objects.get(username="school_a1")
    recorded = str(event.data) + str(list(ObjectChange.objects.filter(object_id=user.pk).values_list("changes")))
    assert new not in recorded and user.password not in recorded


def test_administrator_setting_a_password_revokes_tokens_and_is_audited(county, login):
    target = county.users[Role.SCHOOL]
    token = obtain_token("school_a1")
    data = {
        "username": target.username,
        "display_name": target.display_name,
        "role": target.role,
        "schools": [county.school_a1.pk],
        "is_active": "on",
        "new_password": "reset-by-the-admin-7",
    }
    response = login(Role.ADMIN).post(reverse("accounts:user_edit", args=[target.pk]), data)
    assert response.status_code == 302, response.content.decode()
    assert not works(token)
    event = AuditEvent.objects.get(event="account.password_changed")
    assert (event.username, event.data["username"]) == ("admin", "school_a1")
    # On the user's own change history too, without the password or its hash.
    change = ObjectChange.objects.filter(object_id=target.pk, changes__has_key="password").get()
    assert change.username == "admin" and change.changes == {"password": ["******", "******"]}
    page = login(Role.ADMIN).get(target.get_absolute_url()).content.decode()
    assert "******" in page and "reset-by-the-admin-7" not in page


def test_password_change_from_a_command_is_audited(county):
    user = User.objects.get(username="leader")
    with audit_context(source=ChangeSource.COMMAND):
        user.set_password("changed-on-the-command-line")
        user.save()
    event = AuditEvent.objects.get(event="account.password_changed")
    assert event.data["source"] == ChangeSource.COMMAND and event.data["username"] == "leader"


def test_owner_lists_and_revokes_their_tokens(county, login):
    token = obtain_token("school_a1")
    stored = AuthToken.objects.get(token_key=token[:15])
    client = login(Role.SCHOOL)
    page = client.get(reverse("accounts:my_tokens")).content.decode()
    assert token[:8] in page and token not in page
    response = client.post(reverse("accounts:my_token_revoke"), {"digest": stored.digest})
    assert response.status_code == 302
    assert not works(token)


def test_nobody_revokes_someone_elses_token(county, login):
    token = obtain_token("leader")
    digest = AuthToken.objects.get(token_key=token[:15]).digest
    for role in (Role.SCHOOL, Role.SECTION, Role.ADMIN):  # even an administrator, through the owner's page
        assert login(role).post(reverse("accounts:my_token_revoke"), {"digest": digest}).status_code == 404
    assert (
        login(Role.SCHOOL)
        .post(reverse("accounts:user_token_revoke", args=[county.users[Role.LEADER].pk]), {"digest": digest})
        .status_code
        == 404
    )
    assert works(token)


def test_administrator_lists_and_revokes_a_users_tokens(county, login):
    target = county.users[Role.LEADER]
    token = obtain_token("leader")
    stored = AuthToken.objects.get(token_key=token[:15])
    admin = login(Role.ADMIN)
    assert token[:8] in admin.get(target.get_absolute_url()).content.decode()
    url = reverse("accounts:user_token_revoke", args=[target.pk])
    assert admin.post(url, {"digest": stored.digest}).status_code == 302
    assert not works(token)
    others = [obtain_token("leader"), obtain_token("leader")]
    assert admin.post(url).status_code == 302  # 全部作废
    assert not any(works(t) for t in others)
    assert works(county.tokens[Role.SCHOOL])


def test_live_tokens_per_user_are_limited(county, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_LIMIT_PER_USER": 2}
    obtain_token("school_a1")  # with the fixture's token, two
    response = Client().post(TOKEN, {"username": "school_a1", "password": PASSWORD})
    assert response.status_code == 403 and "我的令牌" in response.json()["detail"]


def test_deactivated_users_token_stops_working(county):
    token = obtain_token("leader")
    User.objects.filter(username="leader").update(is_active=False)
    assert not works(token)


# Finding 11: password rules ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("12345678", "至少需要 12 个字符"),
        ("123456789012", "密码只包含数字"),
        ("password1234", "太常见"),
        ("school_a1-x", "至少需要 12 个字符"),
        ("school_a1-xyz", "太相似"),
    ],
)
def test_weak_passwords_are_refused_in_chinese(password, reason, county, login):
    target = county.users[Role.SCHOOL]
    with pytest.raises(ValidationError) as raised:
        validate_password(password, target)
    assert any(reason in message for message in raised.value.messages), raised.value.messages
    response = login(Role.SCHOOL).post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": password, "new_password2": password},
    )
    assert response.status_code == 200 and reason in response.content.decode()
    assert User.objects.get(pk=target.pk).check_password(PASSWORD)


def test_administrator_cannot_set_12345678(county, login):
    target = county.users[Role.SCHOOL]
    data = {
        "username": target.username,
        "role": target.role,
        "schools": [county.school_a1.pk],
        "is_active": "on",
        "new_password": "12345678",
    }
    response = login(Role.ADMIN).post(reverse("accounts:user_edit", args=[target.pk]), data)
    assert response.status_code == 200 and "至少需要 12 个字符" in response.content.decode()
    assert User.objects.get(pk=target.pk).check_password(PASSWORD)


def test_demo_passwords_pass_the_rules(db):
    from emis.demo.loader import DEMO_ACCOUNTS

    for account in DEMO_ACCOUNTS:
        validate_password(account.password, User(username=account.username, display_name=account.display_name))


# Two-factor login -----------------------------------------------------------------------------------------------


def wait_out_the_throttle():
    """django-otp makes a device wait longer after each wrong code; pretend that wait has passed."""
    TOTPDevice.objects.update(throttling_failure_timestamp=timezone.now() - dt.timedelta(hours=1))


def enrol(client) -> str:
    """Enrol through the page as an authenticator app would; returns the secret."""
    page = client.get(reverse("accounts:otp"))
    assert page.status_code == 200 and "<svg" in page.content.decode()  # the QR code, drawn on the server
    key = client.session[ENROL_KEY]
    response = client.post(reverse("accounts:otp"), {"otp_token": code_for(key)})
    assert response.status_code == 302
    return key


@override_settings(EMIS_OTP_REQUIRED_ROLES=COUNTY_ROLES)
@pytest.mark.parametrize("role", [Role.ADMIN, Role.LEADER, Role.SECTION])
def test_county_roles_must_enrol_before_anything_else(role, county):
    client = Client()
    username = county.users[role].username
    assert login_page(client, username, PASSWORD).status_code == 302
    for url in ("/", reverse("students:student_list"), reverse("accounts:my_tokens")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == reverse("accounts:otp"), url
    assert client.get("/api/students/").status_code == 403
    page = client.get(reverse("accounts:otp")).content.decode()
    assert "必须启用两步验证" in page
    key = client.session[ENROL_KEY]
    bad = client.post(reverse("accounts:otp"), {"otp_token": wrong_code(key)})
    assert bad.status_code == 200 and "动态验证码不正确" in bad.content.decode()
    assert client.post(reverse("accounts:otp"), {"otp_token": code_for(key)}).status_code == 302
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(event="account.otp_enrolled", data__username=username).exists()


@override_settings(EMIS_OTP_REQUIRED_ROLES=COUNTY_ROLES)
def test_a_superuser_of_another_role_must_enrol(county):
    User.objects.filter(username="school_a1").update(is_superuser=True)
    client = Client()
    login_page(client, "school_a1", PASSWORD)
    assert client.get("/")["Location"] == reverse("accounts:otp")


@override_settings(EMIS_OTP_REQUIRED_ROLES=COUNTY_ROLES)
def test_other_roles_are_not_required_to_enrol(county):
    client = Client()
    assert login_page(client, "school_a1", PASSWORD).status_code == 302
    assert client.get("/").status_code == 200


@override_settings(EMIS_OTP_REQUIRED_ROLES=COUNTY_ROLES)
def test_login_asks_for_the_code_after_the_password(county):
    client = Client()
    login_page(client, "leader", PASSWORD)
    key = enrol(client)
    client.post(reverse("logout"))

    client = Client()
    response = login_page(client, "leader", PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("login_verify")
    assert not signed_in(client)
    assert client.get("/").status_code == 302
    wrong = client.post(reverse("login_verify"), {"otp_token": wrong_code(key)})
    assert wrong.status_code == 200 and "动态验证码不正确" in wrong.content.decode()
    assert not signed_in(client)
    assert client.post(reverse("login_verify"), {"otp_token": code_for(key, 1)}).status_code == 200  # throttled
    wait_out_the_throttle()
    response = client.post(reverse("login_verify"), {"otp_token": code_for(key, 1)})
    assert response.status_code == 302 and signed_in(client)
    assert client.get("/").status_code == 200


def test_a_user_who_enrolled_voluntarily_is_asked_too(county, login):
    client = login(Role.SCHOOL)
    key = enrol(client)
    client = Client()
    assert login_page(client, "school_a1", PASSWORD)["Location"] == reverse("login_verify")
    assert client.post(reverse("login_verify"), {"otp_token": code_for(key, 1)}).status_code == 302
    assert client.get("/").status_code == 200


def test_guessing_codes_locks_out(county, login):
    key = enrol(login(Role.SCHOOL))
    client = Client()
    login_page(client, "school_a1", PASSWORD)
    for _ in range(LIMIT - 1):
        assert client.post(reverse("login_verify"), {"otp_token": wrong_code(key)}).status_code == 200
    assert client.post(reverse("login_verify"), {"otp_token": wrong_code(key)}).status_code == 429
    assert client.post(reverse("login_verify"), {"otp_token": code_for(key, 1)}).status_code == 429
    assert not signed_in(client)


def test_token_for_a_two_factor_user_needs_the_code(county, login):
    key = enrol(login(Role.SCHOOL))
    response = Client().post(TOKEN, {"username": "school_a1", "password": PASSWORD})
    assert response.status_code == 400 and "otp_token" in response.json()
    response = Client().post(TOKEN, {"username": "school_a1", "password": PASSWORD, "otp_token": wrong_code(key)})
    assert response.status_code == 400 and "动态验证码不正确" in response.json()["otp_token"][0]
    wait_out_the_throttle()
    token = obtain_token("school_a1", otp_token=code_for(key, 1))
    assert works(token)


@override_settings(EMIS_OTP_REQUIRED_ROLES=COUNTY_ROLES)
def test_required_role_without_a_device_gets_no_token(county):
    response = Client().post(TOKEN, {"username": "leader", "password": PASSWORD})
    assert response.status_code == 400 and "绑定" in response.json()["otp_token"][0]


@override_settings(EMIS_OTP_REQUIRED_ROLES=COUNTY_ROLES)
def test_administrator_resets_a_lost_device(county, login):
    client = Client()
    login_page(client, "leader", PASSWORD)
    enrol(client)
    target = county.users[Role.LEADER]
    assert login(Role.SCHOOL).post(reverse("accounts:user_otp_reset", args=[target.pk])).status_code == 404
    assert TOTPDevice.objects.filter(user=target).exists()
    admin = Client()
    login_page(admin, "admin", PASSWORD)
    enrol(admin)
    assert "重置两步验证" in admin.get(target.get_absolute_url()).content.decode()
    assert admin.post(reverse("accounts:user_otp_reset", args=[target.pk])).status_code == 302
    assert not TOTPDevice.objects.filter(user=target).exists()
    event = AuditEvent.objects.get(event="account.otp_reset")
    assert (event.username, event.data["username"]) == ("admin", "leader")
    # The old session is no longer verified: the user enrols a new phone before going on.
    assert client.get("/")["Location"] == reverse("accounts:otp")
    # The next login goes straight to enrolment.
    again = Client()
    assert login_page(again, "leader", PASSWORD)["Location"] == "/"
    assert again.get("/")["Location"] == reverse("accounts:otp")
