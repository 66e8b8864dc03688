"""The user's own notifications: the list (newest first, unread marked), opening one (marks it read and goes to its
case; the case page checks the scope itself), marking one or all read, and the user's channels. A notification is
its recipient's alone: anyone else gets 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import selectors
from .forms import NotificationSettingsForm
from .models import Notification, NotificationSettings

PER_PAGE = 30


@login_required
def notification_list(request):
    rows = selectors.notifications_of(request.user)
    unread_only = request.GET.get("unread") == "1"
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page, "unread_only": unread_only})


def _own(request, pk: int) -> Notification:
    return get_object_or_404(Notification, pk=pk, user=request.user)


@login_required
def notification_open(request, pk: int):
    notification = _own(request, pk)
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk).update(read_at=timezone.now())
    target = notification.url
    if not target or not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("notifications:list")
    return HttpResponseRedirect(target)


@login_required
@require_POST
def notification_read(request, pk: int):
    notification = _own(request, pk)
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read_all(request):
    n = Notification.objects.filter(user=request.user, read_at__isnull=True).update(read_at=timezone.now())
    messages.success(request, _("已将 {n} 条通知标为已读。").format(n=n))
    return redirect("notifications:list")


@login_required
def notification_settings(request):
    instance = NotificationSettings.objects.filter(user=request.user).first() or NotificationSettings(user=request.user)
    form = NotificationSettingsForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("通知设置已保存。"))
        return redirect("notifications:settings")
    return render(request, "notifications/settings.html", {"form": form})
