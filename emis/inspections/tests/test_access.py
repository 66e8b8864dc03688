"""inspections' part of the access matrix (emis.testing_access): the lists, exports and pages derived from the
ModelUIs (checklists, campaigns, targets, inspections, findings); the campaign's xlsx, Word report and printable page
as object routes; the editor and the campaign form for the county's editors only; the phone form per target (the
督学 fills only their 责任区 schools, a school only its own 自查, 404 elsewhere); and the sign-off / send-back steps
for the county's signers only, an empty form moving nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from emis.core.access import Role
from emis.testing_access import ANON, ROLES, AppMatrix, Failures, ObjectRoute, Probe, send

from ..apps import DOMAIN
from ..models import Campaign, Inspection, Target, Template
from .conftest import DAY, GOOD, jpeg

EDITORS = {ANON: 302, Role.SECTION: 200, Role.ADMIN: 200, "*": 404}
FILLERS = {Role.INSPECTOR, Role.SECTION, Role.ADMIN, Role.TOWNSHIP}
SIGNERS = {Role.SECTION, Role.ADMIN}


def make_campaign(county) -> None:
    """The fixture's 股室 account gets this domain and rectification's; a campaign over A1, A2 and B1: A2 submitted
    by the inspector, B1 submitted with a failed item and signed off (a notice), A1 not inspected."""
    from ..services import campaign_create, inspection_sign_off, inspection_submit, template_publish
    from .conftest import SECTIONS

    section = county.users[Role.SECTION]
    section.domains = [*section.domains, DOMAIN, "rectification"]
    section.save()
    version = template_publish(
        code="opening", name="开学检查表", purpose="opening", sections=SECTIONS, acting_user=section
    )
    campaign = campaign_create(
        name="开学检查",
        kind="opening",
        version=version,
        targets=[county.school_a1, county.school_a2, county.school_b1],
        starts_on=DAY,
        ends_on=DAY,
        inspectors=[county.users[Role.INSPECTOR]],
        acting_user=section,
    )
    inspector = county.users[Role.INSPECTOR]
    for school, answers, sign in ((county.school_a2, GOOD, False), (county.school_b1, GOOD | {"1.1": "no"}, True)):
        inspection = inspection_submit(
            target=campaign.targets.get(school=school),
            answers=answers,
            photos={"2.2": [jpeg()]},
            client_token=f"matrix-{school.pk}",
            inspected_on=DAY,
            acting_user=inspector,
            today=DAY,
        )
        if sign:
            inspection_sign_off(inspection=inspection, acting_user=section, today=DAY)


def _visible(expected, role, model, obj) -> bool:
    user = expected.county.users.get(role)
    return role != ANON and model.objects.for_user(user).filter(pk=obj.pk).exists()


def check_publish(expected, clients) -> Failures:
    failures = Failures()
    for role in ROLES:
        for template in Template.objects.order_by("pk"):
            url = reverse("inspections:template_publish", args=[template.pk])
            count = template.versions.count()
            response = send(clients[role], "get", url)
            failures.expect(role, f"GET {url}", response, EDITORS.get(role, EDITORS["*"]))
            response = send(clients[role], "post", url, {})
            failures.expect(
                role, f"POST {url}", response, {**EDITORS, Role.SECTION: 400, Role.ADMIN: 400}.get(role, 404)
            )
            failures.check(template.versions.count() == count, f"{role}: POST {url} published a version")
    return failures


def check_fill(expected, clients) -> Failures:
    failures = Failures()
    for role in ROLES:
        for target in Target.objects.select_related("campaign").order_by("pk"):
            url = reverse("inspections:target_fill", args=[target.pk])
            inspection = Inspection.objects.filter(target=target).select_related("case").first()
            visible = _visible(expected, role, Target, target)
            if role == ANON or (visible and inspection is not None):
                want = 302  # to the login page; to the inspection already sent
            elif visible and role in FILLERS:
                want = 200
            else:
                want = 404
            failures.expect(role, f"GET {url}", send(clients[role], "get", url), want)
            count = Inspection.objects.count()
            response = send(clients[role], "post", url, {})
            failures.expect(role, f"POST {url}", response, 400 if want == 200 else want)
            failures.check(Inspection.objects.count() == count, f"{role}: an empty POST {url} made an inspection")
    return failures


def _step(action):
    def check(expected, clients) -> Failures:
        failures = Failures()
        for role in ROLES:
            for inspection in Inspection.objects.select_related("case").order_by("pk"):
                url = reverse("inspections:inspection_action", args=[inspection.pk, action])
                before = (inspection.case.state, inspection.case.version)
                response = send(clients[role], "post", url, {})
                allowed = role in SIGNERS and _visible(expected, role, Inspection, inspection)
                failures.expect(role, f"POST {url}", response, 302 if role == ANON or allowed else 404)
                inspection.case.refresh_from_db()
                after = (inspection.case.state, inspection.case.version)
                failures.check(after == before, f"{role}: POST {url} moved it")
        return failures

    return check


def check_steps(expected, clients) -> Failures:
    failures = _step("sign_off")(expected, clients)
    failures.extend(_step("send_back")(expected, clients))
    return failures


def check_list_action(expected, clients) -> Failures:
    failures = Failures()
    url = reverse("inspections:inspection_list_action", args=["sign_off"])
    for role in ROLES:
        failures.expect(role, f"POST {url}", send(clients[role], "post", url, {}), 404)
    return failures


class InspectionsMatrix(AppMatrix):
    per_route: dict = {}

    def route_ids(self) -> list[str]:
        return sorted({*super().route_ids(), *self.per_route})

    def check(self, route, expected, clients) -> None:
        if route in self.per_route:
            failures = self.per_route[route](expected, clients)
            assert not failures, f"{route}:\n" + "\n".join(failures)
        else:
            super().check(route, expected, clients)


MATRIX = InspectionsMatrix(
    "inspections",
    other_routes={
        "inspections:template_new": [Probe("get", EDITORS)],
        "inspections:campaign_new": [Probe("get", EDITORS)],
    },
    object_routes={
        "inspections:campaign_results_export": ObjectRoute(Campaign),
        "inspections:campaign_report": ObjectRoute(Campaign),
        "inspections:campaign_print": ObjectRoute(Campaign),
    },
    data=(make_campaign,),
)
MATRIX.per_route = {
    "inspections:template_publish": check_publish,
    "inspections:target_fill": check_fill,
    "inspections:inspection_action": check_steps,
    "inspections:inspection_list_action": check_list_action,
}


@pytest.mark.parametrize("route", MATRIX.route_ids())
def test_access_matrix(route, matrix_expected, matrix_clients):
    MATRIX.check(route, matrix_expected, matrix_clients)


@pytest.mark.django_db
def test_an_inspector_sees_only_their_schools(matrix_expected):
    inspector = matrix_expected.county.users[Role.INSPECTOR]
    names = set(Target.objects.for_user(inspector).values_list("name", flat=True))
    assert names == {"通羊镇初级中学", "南林桥镇中心小学"}
    assert not Campaign.objects.for_user(inspector).exists()
    assert dt.date.today()
