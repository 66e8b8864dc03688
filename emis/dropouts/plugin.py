"""The 控辍保学 app's contributions (filled in by its pages, workflows and imports)."""

from django.utils.translation import gettext_lazy as _

from emis.core.access import Role
from emis.core.registry import AppRegistration, DataDomain, MenuEntry, MenuGroup, register

from .apps import DOMAIN

# --- 四查三比对 (helper "det"): merge with the cases helper's registration (one AppRegistration for the app) -------
# The menu group 控辍保学 and the domain are declared here; keep one of each at merge. The right review_match lets a
# township account confirm or reject the possible matches of its own children (emis.dropouts.review); 股室人员 with
# the domain and 系统管理员 may anyway.
DETECTION_MENU = (MenuEntry("dropouts", "dropouts:detection", _("四查三比对"), 10, when="emis.core.access.oversees"),)
DETECTION_RIGHTS = {DOMAIN: {Role.TOWNSHIP: {"review_match"}}}

register(
    AppRegistration(
        app="dropouts",
        url_prefix="dropouts/",
        urls="emis.dropouts.urls",
        menu_groups=(MenuGroup("dropouts", _("控辍保学"), 55),),
        menu=DETECTION_MENU,
        domains=(DataDomain(DOMAIN, _("控辍保学"), 45),),
        rights=DETECTION_RIGHTS,
    )
)
