"""The 整改 (rectification) cycle the bureau runs after every 督查: 下发问题整改通知书 → 限期整改到位 → 验收.

草稿 → 已下发 → 整改中 → 已报送整改 → 已验收 (closed), or 退回重改 back to 整改中 with reasons; 已撤销 by the issuer
with a reason at any time before it closes. The deadline (限期, in working days, set per notice) starts when the
notice is issued and stops when the school reports; a report after it is late, and the sweep marks the notice overdue
and escalates it. The issuer is the county's bureau: a 股室 account with this domain, or the administrator.
"""

from django.utils.translation import gettext_lazy as _

from emis.core.access import Role
from emis.work.declaration import Clock, DayUnit, Level, Limit, Requires, State, Transition, Workflow, register, roles

from .apps import DOMAIN

ISSUERS = roles(Role.SECTION, Role.ADMIN)
SCHOOLS = roles(Role.SCHOOL)

DEFAULT_DAYS = 20
# 限期: the working days the issuer gives on the notice (values["days"]); a 退回重改 gives new days the same way.
RECTIFY = Clock(
    "rectify", _("整改期限"), Limit(DEFAULT_DAYS, DayUnit.WORKING, warn=3, escalate_after=5), days_field="days"
)

NOTICE = "notice"

RECTIFICATION = register(
    Workflow(
        code="rectification",
        label=_("督查整改"),
        domain=DOMAIN,
        documents={NOTICE: _("整改通知书")},
        states=(
            State("draft", _("草稿")),
            State("issued", _("已下发")),
            State("rectifying", _("整改中")),
            State("reported", _("已报送整改")),
            State("accepted", _("已验收"), terminal=True),
            State("withdrawn", _("已撤销"), terminal=True),
        ),
        transitions=(
            Transition(
                "draft",
                _("起草"),
                (),
                "draft",
                ISSUERS,
                Level.COUNTY,
                field_labels={"days": _("整改期限（工作日）")},
            ),
            Transition(
                "issue",
                _("下发"),
                ("draft",),
                "issued",
                ISSUERS,
                Level.COUNTY,
                requires=Requires(document=NOTICE),
                starts=(RECTIFY,),
                app_only=True,
                field_labels={"document_number": _("文号")},
            ),
            Transition("receive", _("签收"), ("issued",), "rectifying", SCHOOLS, Level.SCHOOL),
            Transition(
                "report",
                _("报送整改"),
                ("issued", "rectifying"),
                "reported",
                SCHOOLS,
                Level.SCHOOL,
                requires=Requires(fields=("answers",)),
                stops=("rectify",),
                field_labels={"answers": _("逐项整改情况")},
                app_only=True,
            ),
            Transition(
                "accept",
                _("验收通过"),
                ("reported",),
                "accepted",
                ISSUERS,
                Level.COUNTY,
                requires=Requires(fields=("verdicts",)),
                field_labels={"verdicts": _("逐项验收意见")},
                app_only=True,
            ),
            Transition(
                "send_back",
                _("退回重改"),
                ("reported",),
                "rectifying",
                ISSUERS,
                Level.COUNTY,
                requires=Requires(comment=True, fields=("verdicts",)),
                starts=(RECTIFY,),
                field_labels={"verdicts": _("逐项验收意见")},
                app_only=True,
            ),
            Transition(
                "withdraw",
                _("撤销"),
                ("draft", "issued", "rectifying", "reported"),
                "withdrawn",
                ISSUERS,
                Level.COUNTY,
                requires=Requires(fields=("reason",)),
                field_labels={"reason": _("撤销原因")},
            ),
        ),
    )
)
