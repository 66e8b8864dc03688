"""The 控辍保学 workflows on the work engine.

``dropout_return`` (劝返复学), one case per child and school year:

    疑似 ─核实─> 核实中 ─确认辍学─> 确认辍学 ─下发限期返校通知书─> 劝返中 ─(劝返记录: 劝返中 → 劝返中)
    劝返中 ─复学─> 已复学 (the child back on a roll, checked) ─销号─> 已销号 (after N school days in attendance)
    确认辍学 / 劝返中 ─送教上门─> 送教上门 (visits: 送教上门 → 送教上门) ─销号/排除
    疑似 … 劝返中 ─延缓入学 / 休学─> (approved, with the document) ; ─排除─> 已排除 (with evidence)

The 乡镇 (a 乡镇中心学校 account over the case's township) and the county's 股室 verify, confirm, issue the notice
and decide the ends; the school (and the township) record contacts and the return. Each step that needs more than
the generic form (the notice, a contact row, the roll check, the 销号 day count, the responsible people) is taken
through emis.dropouts.services (``app_only``).

``dropout_monthly`` (控辍保学月报), one case per school and month: opened 待报送 with a deadline; the school reports
(a zero report, 本月无辍学, included); the county re-checks each quarter. A report not sent is 已逾期 in the
school's 待办 and the daily sweep escalates it to the township, then the county.
"""

from django.utils.translation import gettext_lazy as _

from emis.core.access import Role
from emis.work.declaration import Clock, DayUnit, Level, Limit, Requires, State, Transition, Workflow, register, roles

from .apps import DOMAIN

OPENERS = roles(Role.SCHOOL, Role.TOWNSHIP, Role.SECTION, Role.ADMIN)
TOWNSHIP_SIDE = roles(Role.TOWNSHIP, Role.SECTION, Role.ADMIN)
BOTH_LINES = roles(Role.SCHOOL, Role.TOWNSHIP, Role.SECTION, Role.ADMIN)
COUNTY_SIDE = roles(Role.SECTION, Role.ADMIN)

NOTICE = "return_notice"

VERIFY = Clock("verify", _("核实期限"), Limit(10, DayUnit.WORKING, warn=3, escalate_after=5))
PERSUADE = Clock("persuade", _("劝返期限"), Limit(20, DayUnit.WORKING, warn=5, escalate_after=10), days_field="days")

OPEN_STATES = ("suspected", "verifying", "confirmed", "persuading")
# The states of a confirmed dropout still out of school: "无一人失学辍学" holds when none is left in scope.
DROPOUT_STATES = ("confirmed", "persuading")
SUSPECTED_STATES = ("suspected", "verifying")

DROPOUT_RETURN = register(
    Workflow(
        code="dropout_return",
        label=_("控辍保学劝返"),
        domain=DOMAIN,
        documents={NOTICE: _("限期返校通知书")},
        states=(
            State("suspected", _("疑似")),
            State("verifying", _("核实中")),
            State("confirmed", _("确认辍学")),
            State("persuading", _("劝返中")),
            State("returned", _("已复学")),
            State("home_teaching", _("送教上门")),
            State("closed", _("已销号"), terminal=True),
            State("deferred", _("延缓入学"), terminal=True),
            State("suspended", _("休学"), terminal=True),
            State("excluded", _("已排除"), terminal=True),
        ),
        transitions=(
            Transition("flag", _("立案"), (), "suspected", OPENERS, Level.SCHOOL, starts=(VERIFY,)),
            Transition("verify", _("开始核实"), ("suspected",), "verifying", TOWNSHIP_SIDE, Level.TOWNSHIP),
            Transition(
                "confirm",
                _("确认辍学"),
                ("verifying",),
                "confirmed",
                TOWNSHIP_SIDE,
                Level.TOWNSHIP,
                requires=Requires(fields=("dropout_reason",)),
                stops=("verify",),
                field_labels={"dropout_reason": _("辍学原因")},
                app_only=True,
            ),
            Transition(
                "issue_notice",
                _("下发限期返校通知书"),
                ("confirmed",),
                "persuading",
                TOWNSHIP_SIDE,
                Level.TOWNSHIP,
                requires=Requires(document=NOTICE),
                starts=(PERSUADE,),
                field_labels={"document_number": _("文号")},
                app_only=True,
            ),
            Transition(
                "contact",
                _("记录劝返"),
                ("persuading",),
                "persuading",
                BOTH_LINES,
                Level.SCHOOL,
                requires=Requires(fields=("date", "line", "who", "outcome")),
                field_labels={"date": _("日期"), "line": _("责任线"), "who": _("劝返人员"), "outcome": _("情况及结果")},
                app_only=True,
            ),
            Transition(
                "return",
                _("已复学"),
                ("persuading", "confirmed"),
                "returned",
                BOTH_LINES,
                Level.SCHOOL,
                requires=Requires(fields=("returned_on",)),
                stops=("persuade",),
                field_labels={"returned_on": _("复学日期")},
                app_only=True,
            ),
            Transition(
                "close",
                _("销号"),
                ("returned", "home_teaching"),
                "closed",
                TOWNSHIP_SIDE,
                Level.TOWNSHIP,
                app_only=True,
            ),
            Transition(
                "home_teaching",
                _("送教上门"),
                ("confirmed", "persuading"),
                "home_teaching",
                TOWNSHIP_SIDE,
                Level.TOWNSHIP,
                requires=Requires(comment=True, attachments=1),
                stops=("persuade",),
                app_only=True,
            ),
            Transition(
                "home_visit",
                _("记录送教"),
                ("home_teaching",),
                "home_teaching",
                BOTH_LINES,
                Level.SCHOOL,
                requires=Requires(fields=("date", "line", "who", "outcome")),
                field_labels={"date": _("日期"), "line": _("责任线"), "who": _("送教人员"), "outcome": _("送教内容")},
                app_only=True,
            ),
            Transition(
                "defer",
                _("延缓入学"),
                ("suspected", "verifying", "confirmed", "persuading"),
                "deferred",
                TOWNSHIP_SIDE,
                Level.TOWNSHIP,
                requires=Requires(fields=("approval",), attachments=1),
                stops=("verify", "persuade"),
                field_labels={"approval": _("批准文件")},
            ),
            Transition(
                "suspend",
                _("休学"),
                ("suspected", "verifying", "confirmed", "persuading"),
                "suspended",
                TOWNSHIP_SIDE,
                Level.TOWNSHIP,
                requires=Requires(fields=("approval",), attachments=1),
                stops=("verify", "persuade"),
                field_labels={"approval": _("批准文件")},
            ),
            Transition(
                "exclude",
                _("排除"),
                ("suspected", "verifying", "confirmed", "persuading", "home_teaching"),
                "excluded",
                TOWNSHIP_SIDE,
                Level.TOWNSHIP,
                requires=Requires(fields=("exclusion",), attachments=1),
                stops=("verify", "persuade"),
                field_labels={"exclusion": _("排除原因")},
                app_only=True,
            ),
        ),
    )
)

# The monthly report: due within 5 working days of the month's end (the case is opened on the first day after it).
REPORT = Clock("report", _("报送期限"), Limit(5, DayUnit.WORKING, warn=2, escalate_after=5))

MONTHLY_REPORT = register(
    Workflow(
        code="dropout_monthly",
        label=_("控辍保学月报"),
        domain=DOMAIN,
        states=(
            State("pending", _("待报送")),
            State("submitted", _("已报送")),
            State("rechecked", _("已复核"), terminal=True),
        ),
        transitions=(
            Transition("request", _("布置月报"), (), "pending", COUNTY_SIDE, Level.COUNTY, starts=(REPORT,)),
            Transition(
                "submit",
                _("报送月报"),
                ("pending",),
                "submitted",
                roles(Role.SCHOOL, Role.ADMIN),
                Level.SCHOOL,
                stops=("report",),
                app_only=True,
            ),
            Transition(
                "recheck", _("季度复核"), ("submitted",), "rechecked", COUNTY_SIDE, Level.COUNTY, requires=Requires()
            ),
        ),
    )
)
