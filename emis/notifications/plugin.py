"""Notifications: the bell in the top bar (unread count), the user's list of notifications and channels. They are
sent on the work engine's signals (receivers.py), so the engine knows nothing of them."""

from django.utils.translation import gettext_lazy as _

from emis.core import registry

registry.register(
    registry.AppRegistration(
        app="notifications",
        url_prefix="notifications/",
        urls="emis.notifications.urls",
        topbar=(
            registry.TopbarEntry(
                "notifications:list", _("消息通知"), "bell", 10, count="emis.notifications.selectors.unread_count"
            ),
        ),
    )
)
