"""Two-factor login where it applies: a signed-in but unverified session reaches only the two-factor pages."""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from . import services

# Whether the user must pass a second factor, cached in the session (one query per session, not per request);
# the role part is judged again on every request (session_otp_required).
# The two-factor page recomputes it, so a device enrolled or reset elsewhere is noticed there.
SESSION_KEY = "emis_otp_required"

# Reachable before the second factor: the login steps, logout, the enrolment page, language switch and health.
EXEMPT_PREFIXES = ("/accounts/login/", "/accounts/logout/", "/accounts/2fa/", "/i18n/", "/healthz", "/static/")


def session_otp_required(request, *, refresh: bool = False) -> bool:
    # The role is judged on every request (the user row is loaded anyway): a session that began under a role
    # without two-factor login must not keep that exemption after an administrator moves the user into one.
    if services.otp_required_by_role(request.user):
        return True
    cached = request.session.get(SESSION_KEY)
    if cached is None or refresh:
        cached = services.otp_required(request.user)
        request.session[SESSION_KEY] = cached
    return cached


class OTPRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(EXEMPT_PREFIXES)
            and not user.is_verified()
            and session_otp_required(request)
        ):
            if request.path.startswith("/api/"):
                # Session callers only: token callers are anonymous here and got their token with the code.
                return JsonResponse({"detail": _("请先完成两步验证。")}, status=403)
            return redirect("accounts:otp")
        return self.get_response(request)
