"""work's part of the access matrix (emis.testing_access): the case list, export and page and the cases API derived
from CaseUI and CaseViewSet, the downloads as object routes, and the engine's other routes (inbox, workflows, a
step, an upload, the API's actions) probed per role, over cases of the test workflow in every township."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from emis.core.access import Role
from emis.testing_access import ANON, ROLES, AppMatrix, Failures, ObjectRoute, Probe, is_xlsx, send
from emis.work.models import Attachment, Case

from .conftest import add_notice, photo
from .workflows import TEST_WORKFLOW

DAY = dt.date(2021, 9, 30)
SIGNED_IN = {ANON: 302, "*": 200}


def make_cases(county) -> None:
    """A case in 整改中 at school A1 (with a photo), one at B1, a township A case in draft, and one of the county."""
    from emis.testing import make_user
    from emis.work.services import case_attach, case_open, case_transition

    township_b = make_user("matrix_township_b", Role.TOWNSHIP, divisions=[county.township_b])
    school_b1 = make_user("matrix_school_b1", Role.SCHOOL, schools=[county.school_b1])
    for school, township, school_user in (
        (county.school_a1, county.users[Role.TOWNSHIP], county.users[Role.SCHOOL]),
        (county.school_b1, township_b, school_b1),
    ):
        case = case_open(workflow=TEST_WORKFLOW.code, title=f"{school.name}整改", school=school, acting_user=township)
        add_notice(case)
        case = case_transition(case=case, transition="issue", acting_user=township, today=DAY).case
        case = case_transition(case=case, transition="receive", acting_user=school_user, today=DAY).case
        case_attach(case=case, acting_user=school_user, files=[photo(f"{school.code}.jpg")])
    case_open(
        workflow=TEST_WORKFLOW.code,
        title="通羊镇自查",
        division_code=county.township_a.code,
        acting_user=county.users[Role.TOWNSHIP],
    )


def make_calendar(county) -> None:
    """The administrator's calendar pages read rows of both kinds."""
    from emis.work.models import CalendarDay, CalendarYear

    CalendarYear.objects.create(year=2099, source="测试")
    CalendarDay.objects.create(date=dt.date(2099, 10, 1), kind="holiday", name="国庆节")


def _case_routes(expected, clients, name, method, data_for, allowed, refused=302) -> Failures:
    """A POST route on a case, per role: 404 outside the scope; inside, ``refused`` (302 back to the case page, or
    400: the page again with the form as filled), and the case moves (or gains files) only for the role ``allowed``
    names."""
    failures = Failures()
    for role in ROLES:
        for case in Case.objects.order_by("pk"):
            url = reverse(name, args=[case.pk, *([] if "upload" in name else ["report"])])
            user = expected.county.users.get(role)
            visible = role != ANON and Case.objects.for_user(user).filter(pk=case.pk).exists()
            before = (Case.objects.filter(pk=case.pk).values().first(), Attachment.objects.count())
            response = send(clients[role], method, url, data_for(case))
            status = 302 if role == ANON else (refused if visible else 404)
            failures.expect(role, f"{method.upper()} {url}", response, status)
            if role == ANON:
                failures.check(response["Location"].startswith("/accounts/login/"), f"{url} not to login")
            after = (Case.objects.filter(pk=case.pk).values().first(), Attachment.objects.count())
            failures.check(after == before, f"{role}: {method.upper()} {url} changed the case")
    return failures


def check_step(expected, clients) -> Failures:
    # The step is refused for every fixture role (the report needs a photo and a summary): a visible case answers
    # 400 with the reason on the case page, an invisible one 404; nothing changes (send() rolls back, and the service
    # refuses).
    return _case_routes(
        expected, clients, "work:case_step", "post", lambda case: {"version": case.version}, None, refused=400
    )


def check_upload(expected, clients) -> Failures:
    return _case_routes(expected, clients, "work:case_upload", "post", lambda case: {}, None)


def _api_case_probe(suffix, method, body=None):
    def check(expected, clients) -> Failures:
        failures = Failures()
        for role in ROLES:
            for case in Case.objects.order_by("pk"):
                url = reverse(f"cases-{suffix}", args=[case.pk])
                user = expected.county.users.get(role)
                visible = role != ANON and Case.objects.for_user(user).filter(pk=case.pk).exists()
                response = send(clients[role], method, url, body, json=method == "post")
                if role == ANON:
                    status = 401
                elif not visible:
                    status = 404
                elif method == "get":
                    status = 200
                else:
                    # Nobody among the fixture roles may report: the school lacks the summary (400); the other
                    # roles may not take the step at all (403).
                    status = 400 if role == Role.SCHOOL else 403
                failures.expect(role, f"{method.upper()} {url}", response, status)
        return failures

    return check


def check_api_attachment(expected, clients) -> Failures:
    failures = Failures()
    for role in ROLES:
        for attachment in Attachment.objects.order_by("pk"):
            url = reverse("cases-attachment", args=[attachment.case_id, attachment.pk])
            user = expected.county.users.get(role)
            visible = role != ANON and Attachment.objects.for_user(user).filter(pk=attachment.pk).exists()
            status = 401 if role == ANON else (200 if visible else 404)
            failures.expect(role, f"GET {url}", send(clients[role], "get", url), status)
    return failures


TEMPLATE_KIND = "rectification_notice"
TEMPLATES_READ = {
    ANON: 302,
    Role.ADMIN: 200,
    Role.LEADER: 200,
    Role.SECTION: 200,
    Role.CITY: 200,
    Role.PROVINCE: 200,
    "*": 404,
}
TEMPLATES_WRITE = {ANON: 302, Role.ADMIN: 400, "*": 404}


def nothing_stored(response, role):
    from emis.work.models import DocumentTemplate

    assert not DocumentTemplate.objects.exists(), role


class WorkMatrix(AppMatrix):
    """The app's matrix plus routes whose expectations depend on each case (checked by the functions in
    ``per_case``), which the generic probes cannot express."""

    per_case: dict = {}

    def route_ids(self) -> list[str]:
        return sorted({*super().route_ids(), *self.per_case})

    def check(self, route, expected, clients) -> None:
        if route in self.per_case:
            failures = self.per_case[route](expected, clients)
            assert not failures, f"{route}:\n" + "\n".join(failures)
        else:
            super().check(route, expected, clients)


MATRIX = WorkMatrix(
    "work",
    other_routes={
        "work:inbox": [Probe("get", SIGNED_IN), Probe("get", SIGNED_IN, data={"tab": "done"})],
        "work:inbox_export": [
            Probe("get", SIGNED_IN, kwargs={"fmt": "xlsx"}, check=is_xlsx),
            Probe("get", {ANON: 302, "*": 404}, kwargs={"fmt": "pdf"}),
        ],
        "work:workflows": [Probe("get", SIGNED_IN)],
        # 公文模板: a county's readers of the kind's domain (the county, the city and province above, the
        # administrator); a township, a school or an inspector's schools reach no county: 404. Replacing: the
        # roles that write the domain (a refused empty upload answers 400); reading ones 404; nothing stored.
        "work:document_templates": [Probe("get", TEMPLATES_READ)],
        "work:document_template_download": [
            Probe("get", TEMPLATES_READ, kwargs={"kind": TEMPLATE_KIND, "county": "421224", "which": which})
            for which in ("current", "default", "sample")
        ]
        + [Probe("get", {ANON: 302, "*": 404}, kwargs={"kind": TEMPLATE_KIND, "county": "421224", "which": "x"})],
        "work:document_template_upload": [
            Probe("post", TEMPLATES_WRITE, kwargs={"kind": TEMPLATE_KIND, "county": "421224"}, check=nothing_stored)
        ],
        "work:document_template_revert": [
            Probe(
                "post",
                {**TEMPLATES_WRITE, Role.ADMIN: 302},
                kwargs={"kind": TEMPLATE_KIND, "county": "421224"},
                check=nothing_stored,
            )
        ],
        "work:workflow": [
            Probe("get", SIGNED_IN, kwargs={"code": TEST_WORKFLOW.code}),
            Probe("get", {ANON: 302, "*": 404}, kwargs={"code": "no_such_workflow"}),
        ],
    },
    object_routes={
        "work:attachment_download": ObjectRoute(Attachment),
        "work:attachment_thumbnail": ObjectRoute(Attachment),
    },
    data=(make_cases, make_calendar),
)
MATRIX.per_case = {
    "work:case_step": check_step,
    "work:case_upload": check_upload,
    "cases-steps": _api_case_probe("steps", "get"),
    "cases-transitions": _api_case_probe("transitions", "get"),
    "cases-attachments": _api_case_probe("attachments", "get"),
    "cases-attachment": check_api_attachment,
}


@pytest.mark.parametrize("route", MATRIX.route_ids())
def test_access_matrix(route, matrix_expected, matrix_clients):
    MATRIX.check(route, matrix_expected, matrix_clients)


def test_api_transition_post_per_role(matrix_expected, matrix_clients):
    failures = _api_case_probe("transitions", "post", {"transition": "report"})(matrix_expected, matrix_clients)
    assert not failures, "\n".join(failures)
