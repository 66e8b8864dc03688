from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The write domains of this app's models: the 督学 registry, 责任区, visit plans and 挂点包片 (the county's
# 督导室), and the visit records, which 督学 write for the schools of their 责任区.
DOMAIN = "supervision"
VISITS_DOMAIN = "supervision_visits"


class SupervisionConfig(AppConfig):
    name = "emis.supervision"
    label = "supervision"
    verbose_name = _("教育督导")
