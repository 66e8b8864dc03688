from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkConfig(AppConfig):
    name = "emis.work"
    label = "work"
    verbose_name = _("工作流程/办件")

    def ready(self) -> None:
        # Each app declares its workflows in its own workflows.py (docs/work-engine.md); importing them here
        # registers them before the first request, the way core imports every plugin.py.
        from .declaration import autodiscover

        autodiscover()
