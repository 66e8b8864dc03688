"""A test workflow shaped like the 整改 (rectification) cycle of issue 13 item 7, declared the way an app declares
its own in workflows.py. The real one belongs to the inspections app (next round); this one exercises every kind of
declaration: an opening step, school / township / county levels, every requirement, clocks started, stopped,
restarted, paused and resumed, a terminal state reached two ways."""

from django.utils.translation import gettext_lazy as _

from emis.core.access import Role
from emis.core.registry import AppRegistration
from emis.work.declaration import (
    Clock,
    DayUnit,
    Level,
    Limit,
    Requires,
    State,
    Transition,
    Workflow,
    roles,
    workflow_rights,
)

DOMAIN = "worktest"

RECTIFY = Clock("rectify", _("整改期限"), Limit(10, DayUnit.WORKING, warn=2, escalate_after=5), days_field="days")
VERIFY = Clock("verify", _("验收期限"), Limit(5, DayUnit.CALENDAR, warn=1))

TEST_WORKFLOW = Workflow(
    code="worktest_rectification",
    label=_("整改通知"),
    domain=DOMAIN,
    documents={"notice": _("整改通知书")},
    states=(
        State("draft", _("草稿")),
        State("issued", _("已下发")),
        State("rectifying", _("整改中")),
        State("waiting", _("待补正")),
        State("reported", _("已报送整改")),
        State("accepted", _("已验收"), terminal=True),
        State("withdrawn", _("已撤销"), terminal=True),
    ),
    transitions=(
        Transition("create", _("起草"), (), "draft", roles(Role.SECTION, Role.TOWNSHIP), Level.TOWNSHIP),
        Transition(
            "issue",
            _("下发"),
            ("draft",),
            "issued",
            roles(Role.SECTION, Role.TOWNSHIP),
            Level.TOWNSHIP,
            requires=Requires(document="notice"),
            starts=(RECTIFY,),
        ),
        Transition("receive", _("签收"), ("issued",), "rectifying", roles(Role.SCHOOL), Level.SCHOOL),
        Transition(
            "ask_papers",
            _("要求补正"),
            ("rectifying",),
            "waiting",
            roles(Role.TOWNSHIP),
            Level.TOWNSHIP,
            requires=Requires(comment=True),
            pauses=("rectify",),
        ),
        Transition(
            "papers_in",
            _("补正完成"),
            ("waiting",),
            "rectifying",
            roles(Role.SCHOOL),
            Level.SCHOOL,
            resumes=("rectify",),
        ),
        Transition(
            "report",
            _("报送整改"),
            ("rectifying",),
            "reported",
            roles(Role.SCHOOL),
            Level.SCHOOL,
            requires=Requires(attachments=1, fields=("summary",)),
            stops=("rectify",),
            starts=(VERIFY,),
            field_labels={"summary": _("整改情况")},
        ),
        Transition(
            "accept",
            _("验收通过"),
            ("reported",),
            "accepted",
            roles(Role.SECTION, Role.TOWNSHIP),
            Level.TOWNSHIP,
            stops=("verify",),
        ),
        Transition(
            "send_back",
            _("退回重改"),
            ("reported",),
            "rectifying",
            roles(Role.SECTION, Role.TOWNSHIP),
            Level.TOWNSHIP,
            requires=Requires(comment=True),
            stops=("verify",),
            starts=(RECTIFY,),
        ),
        Transition(
            "withdraw",
            _("撤销"),
            ("draft", "issued", "rectifying", "waiting", "reported"),
            "withdrawn",
            roles(Role.SECTION),
            Level.COUNTY,
            requires=Requires(fields=("reason",)),
            field_labels={"reason": _("撤销原因")},
        ),
    ),
)

TEST_REGISTRATION = AppRegistration(app="worktest", rights=workflow_rights(TEST_WORKFLOW))
