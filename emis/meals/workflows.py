"""The monthly report of a school taking part in the programme: 待报送 → 已报送 → 乡镇已审核 → 县级已确认, or 退回
back to 待报送 with the reason. The county opens the month's reports (one case per school and month); the school
reports within REPORT_DAYS working days (the clock), after which the sweep marks the report overdue and escalates it.
"""

from django.utils.translation import gettext_lazy as _

from emis.core.access import Role
from emis.work.declaration import Clock, DayUnit, Level, Limit, Requires, State, Transition, Workflow, register, roles

from .apps import DOMAIN

COUNTY = roles(Role.SECTION, Role.ADMIN)
REPORT_DAYS = 5
REPORT = Clock("report", _("月报报送期限"), Limit(REPORT_DAYS, DayUnit.WORKING, warn=2, escalate_after=5))

MONTHLY_REPORT = register(
    Workflow(
        code="meals_monthly_report",
        label=_("营养改善计划月报"),
        domain=DOMAIN,
        states=(
            State("due", _("待报送")),
            State("reported", _("已报送")),
            State("checked", _("乡镇已审核")),
            State("confirmed", _("县级已确认"), terminal=True),
        ),
        transitions=(
            Transition("open", _("下达月报任务"), (), "due", COUNTY, Level.COUNTY, starts=(REPORT,)),
            Transition(
                "report",
                _("报送月报"),
                ("due",),
                "reported",
                roles(Role.SCHOOL),
                Level.SCHOOL,
                requires=Requires(fields=("beneficiaries", "days", "amount")),
                stops=("report",),
                field_labels={"beneficiaries": _("享受人数"), "days": _("供餐天数"), "amount": _("金额（元）")},
                app_only=True,
            ),
            Transition("check", _("乡镇审核通过"), ("reported",), "checked", roles(Role.TOWNSHIP), Level.TOWNSHIP),
            Transition("confirm", _("县级确认"), ("checked",), "confirmed", COUNTY, Level.COUNTY),
            Transition(
                "send_back",
                _("退回"),
                ("reported", "checked"),
                "due",
                roles(Role.TOWNSHIP, Role.SECTION, Role.ADMIN),
                Level.TOWNSHIP,
                requires=Requires(comment=True),
                starts=(REPORT,),
            ),
        ),
    )
)
