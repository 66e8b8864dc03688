"""录取申诉 (an appeal against a published 中考 result) as a case of the work engine: 受理 opens it,
申诉成立 or 申诉不成立 closes it with the decision's text. The bureau decides (a 股室 account with the
admissions domain, or the administrator); the appeal's state is its case's (``appeal.case.state``),
moved only by the engine."""

from django.utils.translation import gettext_lazy as _

from emis.admissions.apps import DOMAIN as ADMISSIONS_DOMAIN
from emis.core.access import Role
from emis.work.declaration import Level, Requires, State, Transition, Workflow, register, roles

from .choices import AppealStatus

BUREAU = roles(Role.SECTION, Role.ADMIN)
DECISION = {"decision": _("处理意见")}

APPEAL = register(
    Workflow(
        code="admission_appeal",
        label=_("录取申诉"),
        domain=ADMISSIONS_DOMAIN,
        states=(
            State(AppealStatus.RECEIVED.value, AppealStatus.RECEIVED.label),
            State(AppealStatus.UPHELD.value, AppealStatus.UPHELD.label, terminal=True),
            State(AppealStatus.DISMISSED.value, AppealStatus.DISMISSED.label, terminal=True),
        ),
        transitions=(
            Transition(
                "receive",
                _("受理申诉"),
                (),
                AppealStatus.RECEIVED.value,
                BUREAU,
                Level.COUNTY,
                requires=Requires(fields=("reason",)),
                field_labels={"reason": _("申诉理由")},
                app_only=True,
            ),
            Transition(
                AppealStatus.UPHELD.value,
                _("申诉成立"),
                (AppealStatus.RECEIVED.value,),
                AppealStatus.UPHELD.value,
                BUREAU,
                Level.COUNTY,
                requires=Requires(fields=("decision",)),
                field_labels=DECISION,
                app_only=True,
            ),
            Transition(
                AppealStatus.DISMISSED.value,
                _("申诉不成立"),
                (AppealStatus.RECEIVED.value,),
                AppealStatus.DISMISSED.value,
                BUREAU,
                Level.COUNTY,
                requires=Requires(fields=("decision",)),
                field_labels=DECISION,
                app_only=True,
            ),
        ),
    )
)
