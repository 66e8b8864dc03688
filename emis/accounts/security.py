"""Hooks for django-axes: the client's address and the lockout answer (in Chinese, page or JSON)."""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def client_ip(request) -> str:
    """The caller's address. Behind EMIS_TRUSTED_PROXY_COUNT proxies, the address the outermost trusted proxy saw
    (counted from the right of X-Forwarded-For: entries further left are whatever the client chose to send)."""
    meta = getattr(request, "META", {})
    proxies = getattr(settings, "EMIS_TRUSTED_PROXY_COUNT", 0)
    if proxies > 0:
        forwarded = [part.strip() for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return meta.get("REMOTE_ADDR", "")


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60) if settings.AXES_COOLOFF_TIME else 0
    return _(
        "登录失败次数过多（连续 {limit} 次），该账号已在本地址暂时锁定，请 {minutes} 分钟后再试或联系系统管理员解锁。"
    ).format(limit=settings.AXES_FAILURE_LIMIT, minutes=minutes)


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: HTTP 429 with the reason, as JSON for the API and as a page for people."""
    message = lockout_message()
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=429)
    return render(request, "registration/locked_out.html", {"message": message}, status=429)
