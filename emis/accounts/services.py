"""Account security: password changes, API tokens, two-factor devices and login lockouts.

Every step here is audited with an `account.*` AuditEvent (who acted, on whom, from which address) and never
with a password, a hash, a token or a TOTP secret.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import user_has_device
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken

from emis.core.audit import current_context, record_change, record_event
from emis.core.models import ChangeAction

from .security import client_ip

# What a password change looks like in the user's change history: that it changed, never to what.
PASSWORD_MARKER = "******"


def _where() -> dict:
    context = current_context()
    request = context.request
    return {"source": context.source, "ip": client_ip(request) if request is not None else ""}


def _target(user) -> dict:
    return {"user_id": user.pk, "username": user.username}


def password_changed(*, user) -> None:
    """Called by User.save after a new password was stored, whoever set it (the user, an administrator, a
    command): revokes the user's API tokens and records who changed whose password, when and from where."""
    revoked, _ = AuthToken.objects.filter(user=user).delete()
    record_event("account.password_changed", data={**_target(user), **_where(), "tokens_revoked": revoked})
    # Also on the user's own change history (the user page's 变更历史), where administrators look first.
    record_change(user, ChangeAction.UPDATE, {"password": [PASSWORD_MARKER, PASSWORD_MARKER]})


def initial_password_replaced(*, user) -> None:
    """The user chose a password of their own: the prompt to replace the initial one (a demo account's published
    password) stops."""
    if user.must_change_password:
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])


def tokens_for(user):
    """The user's API tokens that still work, newest first."""
    return AuthToken.objects.filter(user=user, expiry__gt=timezone.now()).order_by("-created")


def token_revoke(*, user, digest: str | None = None) -> int:
    """Revoke one of the user's tokens (by digest) or, without a digest, all of them. Returns how many."""
    tokens = AuthToken.objects.filter(user=user)
    if digest is not None:
        tokens = tokens.filter(digest=digest)
    revoked, _ = tokens.delete()
    if revoked:
        record_event(
            "account.token_revoked", data={**_target(user), **_where(), "tokens": revoked, "all": digest is None}
        )
    return revoked


def otp_required_by_role(user) -> bool:
    """Is the user's role (as it is now) one that must pass a second factor (EMIS_OTP_REQUIRED_ROLES)?"""
    roles = settings.EMIS_OTP_REQUIRED_ROLES
    # A superuser sees everything, like a system administrator, whatever its role field says.
    return user.role in roles or (user.is_superuser and "admin" in roles)


def otp_required(user) -> bool:
    """Must this user pass a second factor? Roles named in EMIS_OTP_REQUIRED_ROLES, and whoever enrolled."""
    return otp_required_by_role(user) or user_has_device(user, confirmed=True)


def otp_confirmed_devices(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True)


def wrong_code_message() -> str:
    return _("动态验证码不正确或已过期；连续输错后须稍候再试。")


def otp_verify(user, code: str):
    """The confirmed device that accepts this code, or None. django-otp throttles each device after failures."""
    code = (code or "").strip()
    if not code:
        return None
    for device in otp_confirmed_devices(user):
        if device.verify_token(code):
            return device
    return None


def otp_enrol(*, user, key: str, code: str):
    """Confirm a new TOTP device from the secret shown on the enrolment page and a code the app generated.

    The secret lives in the session until then, so an abandoned enrolment leaves no device behind."""
    candidate = TOTPDevice(user=user, key=key, name="default", confirmed=True)
    totp = TOTP(candidate.bin_key, candidate.step, candidate.t0, candidate.digits, candidate.drift)
    totp.time = time.time()
    try:
        accepted = totp.verify(int((code or "").strip()), candidate.tolerance)
    except ValueError:
        accepted = False
    if not accepted:
        return None
    candidate.last_t = totp.t()  # the code just used cannot be replayed
    TOTPDevice.objects.filter(user=user).delete()
    candidate.save()
    record_event("account.otp_enrolled", data={**_target(user), **_where()})
    return candidate


def otp_reset(*, user) -> int:
    """An administrator removes a user's devices (a lost phone); the user enrols again at the next login."""
    removed, _ = TOTPDevice.objects.filter(user=user).delete()
    record_event("account.otp_reset", data={**_target(user), **_where(), "devices": removed})
    return removed


def lockouts_for(username: str | None = None):
    """Current lockouts (username and address pairs that reached the failure limit)."""
    from axes.models import AccessAttempt

    attempts = AccessAttempt.objects.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT)
    if settings.AXES_COOLOFF_TIME:
        attempts = attempts.filter(attempt_time__gt=timezone.now() - settings.AXES_COOLOFF_TIME)
    if username is not None:
        attempts = attempts.filter(username=username)
    return attempts.order_by("-attempt_time")


def lockout_release(*, username: str, attempt_id: int | None = None) -> int:
    """Lift a lockout before its cool-off ends: one (username, address) attempt record or all of the username's."""
    from axes.models import AccessAttempt

    attempts = AccessAttempt.objects.filter(username=username)
    if attempt_id is not None:
        attempts = attempts.filter(pk=attempt_id)
    released, _ = attempts.delete()
    if released:
        record_event("account.unlocked", data={"username": username, **_where(), "records": released})
    return released
