"""An inspection's steps: 提交 (the inspector, or a school on its own 自查, sends the filled checklist) → 已提交 →
签发 (the county signs it off: scored, its failed items become one 整改 notice) → 已签发; or 退回重填 (back to 填报
with the reason), then 提交 again. The draft before the first 提交 lives in the inspector's browser only."""

from django.utils.translation import gettext_lazy as _

from emis.core.access import Role
from emis.work.declaration import Level, Requires, State, Transition, Workflow, register, roles

from .apps import DOMAIN

FILLERS = roles(Role.INSPECTOR, Role.SECTION, Role.ADMIN, Role.TOWNSHIP, Role.SCHOOL)
SIGNERS = roles(Role.SECTION, Role.ADMIN)

INSPECTION = register(
    Workflow(
        code="inspection",
        label=_("检查填报"),
        domain=DOMAIN,
        states=(
            State("filling", _("填报中")),
            State("submitted", _("已提交")),
            State("signed", _("已签发"), terminal=True),
        ),
        transitions=(
            Transition("submit", _("提交"), (), "submitted", FILLERS, Level.SCHOOL, app_only=True),
            Transition("resubmit", _("重新提交"), ("filling",), "submitted", FILLERS, Level.SCHOOL, app_only=True),
            Transition(
                "send_back",
                _("退回重填"),
                ("submitted",),
                "filling",
                SIGNERS,
                Level.COUNTY,
                requires=Requires(comment=True),
            ),
            Transition("sign_off", _("签发"), ("submitted",), "signed", SIGNERS, Level.COUNTY, app_only=True),
        ),
    )
)
