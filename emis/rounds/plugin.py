"""The 中考 rounds' contributions: their pages under /admissions/ (where they were when the rounds were part of the
admissions app) and two entries in the admissions app's 招生入学 menu group. The rows belong to the admissions
domain (``Domain.ADMISSIONS``), so the same accounts write them."""

from django.utils.translation import gettext_lazy as _

from emis.core.registry import AppRegistration, MenuEntry, register

register(
    AppRegistration(
        app="rounds",
        url_prefix="admissions/",
        urls="emis.rounds.urls",
        menu=(
            MenuEntry("admissions", "rounds:admissionround_list", _("中考录取"), 50),
            MenuEntry("admissions", "rounds:appeal_list", _("录取申诉"), 60),
        ),
        # Written by system administrators and by 股室人员 granted the admissions domain only.
        rights={},
        scope_anchors={
            # A round is the county's; a school's plan is also the school's, a quota allocation also its junior
            # school's, an applicant (and its appeals) also its junior school's. Not filed under townships.
            "rounds.AdmissionRound": lambda o: (set(), o.division_code),
            "rounds.RoundSchool": lambda o: ({o.school_id}, o.round.division_code),
            "rounds.QuotaAllocation": lambda o: ({o.school_id, o.junior_school_id}, o.round.division_code),
            "rounds.Applicant": lambda o: ({o.junior_school_id}, o.round.division_code),
            "rounds.Appeal": lambda o: ({o.applicant.junior_school_id}, o.applicant.round.division_code),
        },
    )
)
