from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "emis.core"
    label = "core"
    verbose_name = _("核心")

    def ready(self) -> None:
        from django.core import checks

        from . import (
            audit,  # noqa: F401  (connects the change-log signal receivers)
            crypto,
        )

        checks.register(crypto.check_configuration)

        from .tables import speed_up_cells

        speed_up_cells()

        from . import registry

        # Every app's plugin.py registers its menu, routes, rights, import kinds and panels (emis.core.registry).
        registry.autodiscover()
