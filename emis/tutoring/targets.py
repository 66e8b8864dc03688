"""校外培训机构 as a target kind of the inspection engine (code "institution"): a 年检 campaign over institutions
scores each one; the findings of a failing one become one rectification case of the workflow
"tutoring_rectification" (限期整改, deadline by the worst severity), recorded by the section or township on the
institution's behalf. Registered when emis.inspections is installed."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# Calendar days to rectify, by the worst severity of the findings (一般 / 较重 / 严重).
DAYS_BY_SEVERITY = {"general": 30, "serious": 20, "critical": 10}


def division_code_of(institution) -> str:
    return institution.township.code


def name_of(institution) -> str:
    return institution.name


def url_of(institution) -> str:
    return institution.get_absolute_url()


def queryset_for(user):
    """The institutions a campaign may take for ``user``: those in the user's scope not 注销 (已注销)."""
    from .models import Institution, Status

    return Institution.objects.for_user(user).exclude(status=Status.CLOSED).select_related("township")


def rectify_days(findings) -> int:
    severities = [getattr(finding, "severity", "general") or "general" for finding in findings]
    return min((DAYS_BY_SEVERITY.get(severity, 30) for severity in severities), default=DAYS_BY_SEVERITY["general"])


def rectify(inspection, findings, acting_user):
    """Open the institution's 限期整改 case for the inspection's findings (None when there are none)."""
    from .models import Institution
    from .services import rectification_open

    findings = list(findings)
    if not findings:
        return None
    target = inspection.target
    institution = Institution.objects.select_related("township").get(pk=target.subject_id)
    lines = [
        f"{finding.text}" + (f"（{finding.requirement}）" if getattr(finding, "requirement", "") else "")
        for finding in findings
    ]
    return rectification_open(
        institution=institution,
        findings=lines,
        days=rectify_days(findings),
        inspection_id=inspection.pk,
        acting_user=acting_user,
        today=getattr(inspection, "inspected_on", None),
    )


def register() -> None:
    try:
        from emis.inspections.targets import TargetKind, register_target_kind
    except ImportError:  # the inspection engine is not installed
        return
    from .models import Institution

    register_target_kind(
        TargetKind(
            code="institution",
            label=_("校外培训机构"),
            model=Institution,
            division_code_of=division_code_of,
            name_of=name_of,
            rectify=rectify,
            url_of=url_of,
            queryset_for=queryset_for,
        )
    )


register()
