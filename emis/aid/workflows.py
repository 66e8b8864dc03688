"""The 资助名单 (aid roll) cycle, one case per school roll (a programme, a term, a school):

学校核对 → 乡镇审核 → 县级审核 → 公示中 (a public list with names partly masked, N calendar days) → 已审批 → 已发放.

The county's 学生资助 股室 generates the rolls (one case per school) from the rolls of pupils and the recognised
categories; the school checks its list and submits it; the township (中心学校) passes it up or sends it back with a
reason; the county sends it back or publishes it (公示); when the publicity days are over the county approves it and
then records the payment. Lines changed after approval need a reason (services.line_change). Steps that need the
app's own checks (the publicity days, the roll's totals) are ``app_only``: the roll's page offers them.
"""

from django.utils.translation import gettext_lazy as _

from emis.core.access import Role
from emis.work.declaration import Clock, DayUnit, Level, Limit, Requires, State, Transition, Workflow, register, roles

from .apps import DOMAIN

COUNTY = roles(Role.SECTION, Role.ADMIN)
TOWNSHIPS = roles(Role.TOWNSHIP, Role.SECTION, Role.ADMIN)
SCHOOLS = roles(Role.SCHOOL, Role.TOWNSHIP, Role.SECTION, Role.ADMIN)

DEFAULT_PUBLICITY_DAYS = 5
PUBLICITY = Clock(
    "publicity", _("公示期"), Limit(DEFAULT_PUBLICITY_DAYS, DayUnit.CALENDAR, warn=1), days_field="publicity_days"
)
CHECK = Clock("check", _("学校核对期限"), Limit(10, DayUnit.WORKING, warn=3, escalate_after=5))

STATES = (
    State("school_review", _("学校核对")),
    State("township_review", _("乡镇审核")),
    State("county_review", _("县级审核")),
    State("publicity", _("公示中")),
    State("approved", _("已审批")),
    State("paid", _("已发放"), terminal=True),
)
# States in which the roll is approved: a line changed then needs a reason.
APPROVED_STATES = ("approved", "paid")

AID_ROLL = register(
    Workflow(
        code="aid_roll",
        label=_("学生资助名单审核"),
        domain=DOMAIN,
        states=STATES,
        transitions=(
            Transition("generate", _("生成名单"), (), "school_review", COUNTY, Level.COUNTY, starts=(CHECK,)),
            Transition(
                "submit", _("学校报送"), ("school_review",), "township_review", SCHOOLS, Level.SCHOOL, stops=("check",)
            ),
            Transition(
                "township_pass", _("乡镇审核通过"), ("township_review",), "county_review", TOWNSHIPS, Level.TOWNSHIP
            ),
            Transition(
                "township_return",
                _("乡镇退回"),
                ("township_review",),
                "school_review",
                TOWNSHIPS,
                Level.TOWNSHIP,
                requires=Requires(comment=True),
                starts=(CHECK,),
            ),
            Transition(
                "county_return",
                _("县级退回"),
                ("county_review", "publicity"),
                "school_review",
                COUNTY,
                Level.COUNTY,
                requires=Requires(comment=True),
                stops=("publicity",),
                starts=(CHECK,),
            ),
            Transition(
                "publicise",
                _("公示"),
                ("county_review",),
                "publicity",
                COUNTY,
                Level.COUNTY,
                starts=(PUBLICITY,),
                field_labels={"publicity_days": _("公示天数")},
                app_only=True,
            ),
            Transition(
                "approve",
                _("审批通过"),
                ("publicity",),
                "approved",
                COUNTY,
                Level.COUNTY,
                stops=("publicity",),
                app_only=True,
            ),
            Transition(
                "pay",
                _("确认发放"),
                ("approved",),
                "paid",
                COUNTY,
                Level.COUNTY,
                requires=Requires(fields=("paid_on",)),
                field_labels={"paid_on": _("发放日期")},
                app_only=True,
            ),
        ),
    )
)
