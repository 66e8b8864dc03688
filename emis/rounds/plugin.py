"""The 中考 rounds' contributions: their pages under /admissions/ (where they were when the rounds were part of the
admissions app) and two entries in the admissions app's 招生入学 menu group. The rows belong to the admissions
domain (emis.admissions.apps.DOMAIN), so the same accounts write them; where they hang for the access matrix is
read from their ScopeSpec."""

from django.utils.translation import gettext_lazy as _

from emis.core.registry import AppRegistration, MenuEntry, register
from emis.work.declaration import workflow_rights

from .workflows import APPEAL

register(
    AppRegistration(
        app="rounds",
        url_prefix="admissions/",
        urls="emis.rounds.urls",
        menu=(
            MenuEntry("admissions", "rounds:admissionround_list", _("中考录取"), 50),
            MenuEntry("admissions", "rounds:appeal_list", _("录取申诉"), 60),
        ),
        # Written by system administrators and by 股室人员 granted the admissions domain only; appeals are cases of
        # the work engine, decided by the same accounts.
        rights=workflow_rights(APPEAL),
        # The demo counties' rounds: one published with appeals, one in progress (emis load_demo).
        provides={"demo.load": "emis.rounds.demo.load", "demo.wipe": "emis.rounds.demo.wipe"},
    )
)
