from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The write domain of this app's models: the code a 股室人员 account is granted (User.domains).
DOMAIN = "tutoring"


class TutoringConfig(AppConfig):
    name = "emis.tutoring"
    label = "tutoring"
    verbose_name = _("校外培训与民办教育")

    def ready(self) -> None:
        from . import targets  # noqa: F401  (registers the 校外培训机构 target kind with the inspection engine)
