"""students' part of the access matrix (emis.testing_access): pupils, classes and enrolments: the pages, API and
ID-number lookups derived from its ModelUIs and viewsets; and the roll changes (学籍异动): the history's list, export
and page derived from RollChangeUI, the undo and the progress panel as object routes, the 学年升级 page probed per
role, and a pupil's and a class's roll-change pages checked per row (200 for the roles that change pupils, inside
their scope; 404 otherwise; an empty POST writes nothing); and the 花名册 (a class's and a school's printable roster,
page and xlsx): 200 in scope, 404 outside."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from emis.core.access import Role
from emis.core.audit import audit_context
from emis.orgs.models import School
from emis.testing_access import (
    ANON,
    ROLES,
    AppMatrix,
    Failures,
    ObjectRoute,
    Probe,
    may_write_row,
    send,
)

from ..apps import DOMAIN
from ..models import RollChange, SchoolClass, Student

DAY = dt.date(2024, 11, 4)


def make_roll_changes(county) -> None:
    """A 休学 at A1 (the school's own), a 县内转学 from A2 to B1 and a 转出县外 from B1 (the county's 股室), and a
    学年升级 of 南林桥镇 (filed under the township, no school)."""
    from .. import rollchanges as rc

    section, school = county.users[Role.SECTION], county.users[Role.SCHOOL]
    with audit_context(user=section):
        rc.pupils_suspend(students=[county.students["张三丰"]], date=DAY, acting_user=school)
        rc.pupil_transfer(student=county.students["陈明"], to_school=county.school_b1, date=DAY, acting_user=section)
        rc.pupils_transfer_out(
            students=[county.students["王芳"]],
            date=DAY,
            destination_name="广州市华阳小学",
            destination_region="广东省",
            acting_user=section,
        )
        rc.promotion_request(
            school_year=county.year,
            division=county.township_b,
            promote_date=dt.date(2025, 9, 1),
            graduate_date=dt.date(2025, 7, 1),
            acting_user=section,
        )


def writer_object_route(name, model):
    """GET: 200 inside the scope for the roles that change pupils, else 404; an empty POST: the form again (200) or
    404, and no roll change written."""

    def check(expected, clients) -> Failures:
        failures = Failures()
        for role in ROLES:
            client = clients[role]
            if role == ANON:
                url = reverse(name, args=[expected._rows(model)[0].pk])
                for method in ("get", "post"):
                    failures.expect(ANON, f"{method.upper()} {url}", send(client, method, url), 302)
                continue
            user = expected.county.users[role]
            for _inside, obj in expected.probes(model, expected.visible_ids(role, model)):
                url = reverse(name, args=[obj.pk])
                status = 200 if may_write_row(role, user, model, obj) else 404
                failures.expect(role, f"GET {url}", send(client, "get", url), status)
                before = RollChange.objects.count()
                failures.expect(role, f"POST {url}", send(client, "post", url, {}), status)
                failures.check(RollChange.objects.count() == before, f"{role}: POST {url} wrote a roll change")
        return failures

    return check


class StudentsMatrix(AppMatrix):
    per_row: dict = {}

    def route_ids(self) -> list[str]:
        return sorted({*super().route_ids(), *self.per_row})

    def check(self, route, expected, clients) -> None:
        if route in self.per_row:
            failures = self.per_row[route](expected, clients)
            assert not failures, f"{route}:\n" + "\n".join(failures)
        else:
            super().check(route, expected, clients)


WRITERS = {ANON: 302, Role.SECTION: 200, Role.TOWNSHIP: 200, Role.SCHOOL: 200, Role.ADMIN: 200, "*": 404}

MATRIX = StudentsMatrix(
    "students",
    other_routes={"students:promotion": [Probe("get", WRITERS), Probe("post", WRITERS)]},
    object_routes={
        "students:rollchange_undo": ObjectRoute(RollChange, get=405, post=(DOMAIN, "change")),
        "students:rollchange_progress": ObjectRoute(RollChange),
        "students:schoolclass_roster": ObjectRoute(SchoolClass),
        "students:schoolclass_roster_xlsx": ObjectRoute(SchoolClass),
        "students:school_roster": ObjectRoute(School),
        "students:school_roster_xlsx": ObjectRoute(School),
    },
    data=(make_roll_changes,),
)
MATRIX.per_row = {
    "students:student_rollchange": writer_object_route("students:student_rollchange", Student),
    "students:class_rollchange": writer_object_route("students:class_rollchange", SchoolClass),
}


@pytest.mark.parametrize("route", MATRIX.route_ids())
def test_access_matrix(route, matrix_expected, matrix_clients):
    MATRIX.check(route, matrix_expected, matrix_clients)
