"""到期提醒 (expiry alerts): 待处理 → 已处理. The sweep (services.expiry_sweep, `emis safety sweep`) opens one case per
coming expiry ``lead`` days ahead; its clock runs to the expiry date (calendar days), so the engine's daily sweep
marks it 即将到期 and then 已逾期 and escalates it. The school (or the township, or the county's section) records what
was done: the bus inspected, the insurance renewed, the licence renewed, the driver replaced."""

from django.utils.translation import gettext_lazy as _

from emis.core.access import Role
from emis.work.declaration import Clock, DayUnit, Level, Limit, Requires, State, Transition, Workflow, register, roles

from .apps import DOMAIN

COUNTY = roles(Role.SECTION, Role.ADMIN)
EXPIRY = Clock("expiry", _("到期处理期限"), Limit(30, DayUnit.CALENDAR, warn=7, escalate_after=7), days_field="days")

SAFETY_EXPIRY = register(
    Workflow(
        code="safety_expiry",
        label=_("校车到期提醒"),
        domain=DOMAIN,
        states=(State("pending", _("待处理")), State("handled", _("已处理"), terminal=True)),
        transitions=(
            Transition("open", _("生成到期提醒"), (), "pending", COUNTY, Level.COUNTY, starts=(EXPIRY,)),
            Transition(
                "handle",
                _("登记处理结果"),
                ("pending",),
                "handled",
                roles(Role.SCHOOL, Role.TOWNSHIP, Role.SECTION, Role.ADMIN),
                Level.SCHOOL,
                requires=Requires(comment=True),
            ),
        ),
    )
)
