from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "emis.notifications"
    label = "notifications"
    verbose_name = _("消息通知")

    def ready(self) -> None:
        # The work engine only sends its signals; this app listens (emis.work.signals).
        from . import receivers  # noqa: F401
