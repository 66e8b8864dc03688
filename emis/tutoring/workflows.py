"""The app's two workflows on the work engine.

投诉举报 (``tutoring_complaint``): 受理 → 核查中 → 办结, within COMPLAINT_DAYS working days of 受理 (the clock); the
county's section or the institution's township handles it.

整改 of an institution that failed its 年检 (``tutoring_rectification``, opened by emis.tutoring.targets.rectify
from the inspection's sign-off): 限期整改 (the deadline set on the order, in calendar days) → 已整改待复查 (what was
done, recorded on the institution's behalf: institutions have no accounts) → 复查合格 or 复查不合格."""

from django.utils.translation import gettext_lazy as _

from emis.core.access import Role
from emis.work.declaration import Clock, DayUnit, Level, Limit, Requires, State, Transition, Workflow, register, roles

from .apps import DOMAIN

HANDLERS = roles(Role.SECTION, Role.TOWNSHIP, Role.ADMIN)
COUNTY = roles(Role.SECTION, Role.ADMIN)

COMPLAINT_DAYS = 15
HANDLE = Clock("handle", _("投诉办理期限"), Limit(COMPLAINT_DAYS, DayUnit.WORKING, warn=3, escalate_after=5))

COMPLAINT = register(
    Workflow(
        code="tutoring_complaint",
        label=_("校外培训投诉举报"),
        domain=DOMAIN,
        states=(
            State("received", _("已受理")),
            State("checking", _("核查中")),
            State("done", _("已办结"), terminal=True),
        ),
        transitions=(
            Transition("receive", _("受理投诉"), (), "received", HANDLERS, Level.TOWNSHIP, starts=(HANDLE,)),
            Transition("check", _("开始核查"), ("received",), "checking", HANDLERS, Level.TOWNSHIP),
            Transition(
                "conclude",
                _("办结"),
                ("received", "checking"),
                "done",
                HANDLERS,
                Level.TOWNSHIP,
                requires=Requires(fields=("result",)),
                stops=("handle",),
                field_labels={"result": _("办理结果")},
                app_only=True,
            ),
        ),
    )
)

RECTIFY_DAYS = 30
RECTIFY = Clock("rectify", _("整改期限"), Limit(RECTIFY_DAYS, DayUnit.CALENDAR, warn=5, escalate_after=10), "days")

RECTIFICATION = register(
    Workflow(
        code="tutoring_rectification",
        label=_("校外培训机构整改"),
        domain=DOMAIN,
        documents={"notice": _("限期整改通知书")},
        states=(
            State("ordered", _("限期整改")),
            State("reported", _("已整改待复查")),
            State("passed", _("复查合格"), terminal=True),
            State("failed", _("复查不合格"), terminal=True),
        ),
        transitions=(
            Transition("order", _("下达整改通知"), (), "ordered", HANDLERS, Level.TOWNSHIP, starts=(RECTIFY,)),
            Transition(
                "report",
                _("报送整改情况"),
                ("ordered",),
                "reported",
                HANDLERS,
                Level.TOWNSHIP,
                requires=Requires(comment=True),
                stops=("rectify",),
            ),
            Transition("pass", _("复查合格"), ("reported",), "passed", HANDLERS, Level.TOWNSHIP),
            Transition(
                "fail",
                _("复查不合格"),
                ("reported",),
                "failed",
                COUNTY,
                Level.COUNTY,
                requires=Requires(comment=True),
            ),
            Transition(
                "redo",
                _("退回重改"),
                ("reported",),
                "ordered",
                HANDLERS,
                Level.TOWNSHIP,
                requires=Requires(comment=True),
                starts=(RECTIFY,),
            ),
        ),
    )
)
