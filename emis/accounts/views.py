"""Account pages: login (password, then the TOTP code where it applies), two-factor enrolment, password change,
one's own API tokens, and for system administrators the login security log and per-user security actions."""

from __future__ import annotations

import time
from base64 import b32encode

import segno
from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import user_login_failed
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key
from knox.models import AuthToken

from emis.core import access
from emis.core.models import AuditEvent

from . import services
from .middleware import SESSION_KEY, session_otp_required
from .models import User
from .security import lockout_response

PENDING_KEY = "emis_login_pending"  # the user who gave the right password and still owes the TOTP code
ENROL_KEY = "emis_otp_enrol_key"  # the secret being enrolled, until a code confirms it
PENDING_SECONDS = 300


class OTPCodeForm(forms.Form):
    otp_token = forms.CharField(
        label=gettext_lazy("动态验证码"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
        help_text=gettext_lazy("身份验证器应用（如 Microsoft Authenticator、Google 身份验证器）显示的 6 位数字。"),
    )


def _failed_code(request, username: str):
    """A wrong TOTP code counts as a failed login for django-axes (the same lockout as a wrong password)."""
    user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"

    def form_valid(self, form):
        user = form.get_user()
        if services.otp_confirmed_devices(user).exists():
            # The password was right; the session is not signed in until the code is given too.
            self.request.session[PENDING_KEY] = {
                "user": user.pk,
                "backend": user.backend,
                "at": time.time(),
                "next": self.get_success_url(),
            }
            return redirect("login_verify")
        return super().form_valid(form)


def login_verify(request):
    pending = request.session.get(PENDING_KEY)
    user = None
    if pending and time.time() - pending["at"] <= PENDING_SECONDS:
        user = User.objects.filter(pk=pending["user"], is_active=True).first()
    if user is None:
        request.session.pop(PENDING_KEY, None)
        messages.error(request, _("登录已超时，请重新输入用户名和密码。"))
        return redirect("login")
    form = OTPCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not AxesProxyHandler.is_allowed(request, {"username": user.username}):
            return lockout_response(request)
        device = services.otp_verify(user, form.cleaned_data["otp_token"])
        if device is None:
            _failed_code(request, user.username)
            form.add_error("otp_token", services.wrong_code_message())
        else:
            del request.session[PENDING_KEY]
            user.otp_device = device  # django_otp marks the new session verified on login
            auth_login(request, user, backend=pending["backend"])
            target = pending["next"]
            if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
                target = reverse("home")
            return redirect(target)
    return render(request, "registration/login_verify.html", {"form": form, "pending_user": user})


def _qr_svg(url: str) -> str:
    # Drawn here as inline SVG: the secret never leaves the server for a QR service.
    return mark_safe(segno.make(url, error="m").svg_inline(scale=4, dark="#000", light="#fff"))


@login_required
def otp(request):
    """Two-factor login: enrol (scan, confirm a code), or verify this session, or see that it is on."""
    user = request.user
    required = session_otp_required(request, refresh=True)
    confirmed = services.otp_confirmed_devices(user).exists()
    form = OTPCodeForm(request.POST or None)
    context = {"form": form, "required": required, "confirmed": confirmed, "verified": user.is_verified()}
    if confirmed:
        if user.is_verified():
            return render(request, "accounts/otp.html", context)
        # A session signed in before the device was confirmed (or reset and re-enrolled elsewhere) proves it now.
        if request.method == "POST" and form.is_valid():
            if not AxesProxyHandler.is_allowed(request, {"username": user.username}):
                return lockout_response(request)
            device = services.otp_verify(user, form.cleaned_data["otp_token"])
            if device is not None:
                otp_login(request, device)
                return redirect("home")
            _failed_code(request, user.username)
            form.add_error("otp_token", services.wrong_code_message())
        return render(request, "accounts/otp.html", context)
    key = request.session.get(ENROL_KEY) or default_key()
    request.session[ENROL_KEY] = key
    if request.method == "POST" and form.is_valid():
        device = services.otp_enrol(user=user, key=key, code=form.cleaned_data["otp_token"])
        if device is not None:
            del request.session[ENROL_KEY]
            request.session[SESSION_KEY] = True
            otp_login(request, device)
            messages.success(request, _("两步验证已启用，以后登录时需输入身份验证器显示的动态验证码。"))
            return redirect("accounts:otp")
        form.add_error("otp_token", _("动态验证码不正确：请确认手机时间准确，并输入应用中当前显示的 6 位数字。"))
    device = TOTPDevice(user=user, key=key)
    context.update({"qr": _qr_svg(device.config_url), "secret": b32encode(device.bin_key).decode()})
    return render(request, "accounts/otp.html", context)


@method_decorator(login_required, name="dispatch")
class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.initial_password_replaced(user=self.request.user)
        messages.success(self.request, _("密码已修改；您的接口令牌已全部作废，如需使用接口请重新申请。"))
        return response


@login_required
def my_tokens(request):
    return render(request, "accounts/tokens.html", {"tokens": services.tokens_for(request.user)})


@login_required
@require_POST
def my_token_revoke(request):
    # Only the caller's own tokens: another user's token is not found, the same as a token that does not exist.
    token = get_object_or_404(AuthToken, user=request.user, digest=request.POST.get("digest", ""))
    services.token_revoke(user=request.user, digest=token.digest)
    messages.success(request, _("令牌 {key}… 已作废。").format(key=token.token_key[:8]))
    return redirect("accounts:my_tokens")


# System administrators ---------------------------------------------------------------------------------------


def _require_admin(user):
    if not access.role_may(user, access.Domain.ACCOUNTS, access.CHANGE):
        raise Http404


def _managed_user(request, pk: int) -> User:
    return get_object_or_404(User.objects.for_user(request.user, access.CHANGE), pk=pk)


@login_required
@require_POST
def user_token_revoke(request, pk: int):
    target = _managed_user(request, pk)
    digest = request.POST.get("digest") or None
    revoked = services.token_revoke(user=target, digest=digest)
    messages.success(request, _("已作废 {user} 的 {count} 个接口令牌。").format(user=target, count=revoked))
    return redirect(target.get_absolute_url())


@login_required
@require_POST
def user_otp_reset(request, pk: int):
    target = _managed_user(request, pk)
    services.otp_reset(user=target)
    messages.success(request, _("已重置 {user} 的两步验证；该用户下次登录时需重新绑定身份验证器。").format(user=target))
    return redirect(target.get_absolute_url())


@login_required
@require_POST
def user_unlock(request, pk: int):
    target = _managed_user(request, pk)
    released = services.lockout_release(username=target.username)
    messages.success(request, _("已解除 {user} 的登录锁定（{count} 条记录）。").format(user=target, count=released))
    return redirect(target.get_absolute_url())


@login_required
def security_log(request):
    """Failed logins (django-axes' access-failure log), current lockouts and account security events."""
    from axes.models import AccessFailureLog

    _require_admin(request.user)
    failures = AccessFailureLog.objects.order_by("-attempt_time")
    username = request.GET.get("username", "").strip()
    if username:
        failures = failures.filter(username=username)
    page = Paginator(failures, 50).get_page(request.GET.get("page"))
    events = AuditEvent.objects.filter(event__startswith="account.").order_by("-time")[:50]
    context = {"page": page, "lockouts": services.lockouts_for(), "events": events, "username": username}
    return render(request, "accounts/security_log.html", context)


@login_required
@require_POST
def lockout_release(request):
    from axes.models import AccessAttempt

    _require_admin(request.user)
    attempt = get_object_or_404(AccessAttempt, pk=request.POST.get("attempt") or 0)
    services.lockout_release(username=attempt.username, attempt_id=attempt.pk)
    messages.success(request, _("已解除 {username} 的登录锁定。").format(username=attempt.username))
    return redirect("accounts:security_log")
