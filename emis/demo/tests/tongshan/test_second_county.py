"""崇阳县 (421223), the demo's second county, loaded beside 通山县 for this module only.

It reuses the package's 通山县 load (conftest.py: one per run): `chongyang` loads 崇阳县 on top in a savepoint that
is rolled back when the module ends, so the package's other tests see 通山县 alone, as they expect. Loading 崇阳县
adds about a third of 通山县's rows. What 崇阳县 must hold is written out here as literals (its figures are
synthetic: emis/demo/chongyang.py), not read from the generator's FIGURES.
"""

import hashlib
import io
from dataclasses import dataclass

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.urls import reverse

from emis.accounts.models import User
from emis.core.access import Role, deployment_area_code
from emis.core.crypto import blind_index
from emis.demo import chongyang, loader
from emis.orgs.area import counties
from emis.orgs.models import Division, School
from emis.population.models import PopulationRecord
from emis.staff.models import Staff
from emis.students import selectors as students_selectors
from emis.students.models import Enrollment, SchoolClass, Student
from emis.testing import module_db

TONGSHAN, CHONGYANG = "421224", "421223"
# Pupils on the roll in autumn 2020 (current enrolments 在读 or 转入), by level.
TONGSHAN_2020 = {"preschool": 16266, "primary": 44684, "junior": 19709, "senior": 5168, "vocational": 2383}
CHONGYANG_2020 = {"preschool": 5400, "primary": 14900, "junior": 6570, "senior": 1720, "vocational": 790}


@dataclass(frozen=True)
class SecondCounty:
    output: str  # what `load_demo chongyang` printed
    taken_hashes: frozenset  # the stored ID-number hashes 崇阳县's plan was drawn around


def _load() -> SecondCounty:
    taken = frozenset(loader._stored_id_hashes())
    output = io.StringIO()
    call_command("load_demo", "chongyang", stdout=output)
    connection.check_constraints()
    return SecondCounty(output=output.getvalue(), taken_hashes=taken)


@pytest.fixture(scope="module")
def second(tongshan, django_db_blocker) -> SecondCounty:
    with module_db(django_db_blocker, _load) as loaded:
        yield loaded


@pytest.fixture
def loaded(second, db) -> SecondCounty:
    return second


def _digest(plan) -> str:
    people = [(s.person.id_number, s.person.name, s.current_school) for s in plan.students]
    rows = [(e.student, e.school, e.klass, e.grade, e.status) for e in plan.enrollments]
    return hashlib.sha256(repr((people, rows, [s.person.id_number for s in plan.staff])).encode()).hexdigest()


def _on_roll(username: str) -> dict[str, int]:
    user = User.objects.get(username=username)
    return students_selectors.on_roll_by_level(user, school_year=2020)


def test_the_loaded_county_is_its_seeded_plan_row_for_row(loaded):
    plan = chongyang.build_plan(taken_hashes=loaded.taken_hashes)
    again = chongyang.build_plan(taken_hashes=loaded.taken_hashes)
    assert _digest(plan) == _digest(again)
    schools = School.objects.filter(township__code__startswith=CHONGYANG)
    stored = {
        "schools": schools.count(),
        "classes": SchoolClass.objects.filter(school__in=schools).count(),
        "students": Student.objects.filter(county_code=CHONGYANG).count(),
        "enrollments": Enrollment.objects.filter(school__in=schools).count(),
        "population_records": PopulationRecord.objects.filter(hukou_township__code__startswith=CHONGYANG).count(),
        "staff": Staff.objects.filter(post_school__in=schools).count(),
    }
    assert stored == {key: plan.counts()[key] for key in stored}
    assert stored["schools"] == 88 and stored["students"] > 30000
    hashes = set(Student.objects.filter(county_code=CHONGYANG).values_list("id_number_hash", flat=True))
    assert hashes == {blind_index(s.person.id_number) for s in plan.students}


def test_both_counties_hang_from_the_city_and_make_it_the_deployments_area(loaded, settings):
    settings.EMIS_AREA_CODE = ""
    tree = dict(Division.objects.filter(level__in=["province", "city", "county"]).values_list("code", "parent__code"))
    assert tree == {"42": None, "4212": "42", TONGSHAN: "4212", CHONGYANG: "4212"}
    assert Division.objects.filter(code__startswith=CHONGYANG, level="township").count() == 6
    assert deployment_area_code() == "4212"
    assert [d.code for d in counties()] == [CHONGYANG, TONGSHAN]
    assert [d.code for d in counties(User.objects.get(username="chongyang"))] == [CHONGYANG]


def test_chongyang_has_its_figures_and_no_id_number_of_tongshan(loaded):
    assert _on_roll("chongyang") == CHONGYANG_2020
    ids = Student.objects.values("id_number_hash").annotate(n=Count("id")).filter(n__gt=1)
    assert not ids.exists()
    migrants = Student.objects.filter(county_code=CHONGYANG, migrant=True).count()
    assert 0 < migrants < 1000


def test_city_sees_both_counties_and_each_leader_their_own(loaded):
    city, chongyang_leader, leader = _on_roll("city"), _on_roll("chongyang"), _on_roll("leader")
    assert leader == TONGSHAN_2020
    assert chongyang_leader == CHONGYANG_2020
    assert city == {level: TONGSHAN_2020[level] + CHONGYANG_2020[level] for level in TONGSHAN_2020}
    by_township = students_selectors.on_roll_counts(
        User.objects.get(username="chongyang"), school_year=2020, group_by=("township_code",)
    )
    assert {row["township_code"][:6] for row in by_township} == {CHONGYANG}


def test_the_pages_show_each_account_its_counties_pupils(loaded):
    """The pupils' list, signed in as each account: its count of rows."""
    expected = {
        "city": Student.objects.filter(county_code__in=[TONGSHAN, CHONGYANG]).exclude(current_school=None).count(),
        "chongyang": Student.objects.filter(current_school__township__code__startswith=CHONGYANG).count(),
        "leader": Student.objects.filter(current_school__township__code__startswith=TONGSHAN).count(),
    }
    for username, count in expected.items():
        client = Client()
        client.force_login(User.objects.get(username=username))
        # Everyone ever enrolled (the switch "全部学生")...
        response = client.get(reverse("students:student_list"), {"roll": ""})
        assert response.status_code == 200, username
        assert response.context["table"].paginator.count == count, username
        # ... and by default the pupils in school, as many as the statistics count on the roll.
        response = client.get(reverse("students:student_list"))
        assert response.context["table"].paginator.count == sum(_on_roll(username).values()), username


def test_the_new_accounts(loaded):
    city = User.objects.get(username="city")
    assert city.role == Role.CITY and list(city.divisions.values_list("code", flat=True)) == ["4212"]
    assert city.check_password("city-xianning")
    leader = User.objects.get(username="chongyang")
    assert leader.role == Role.LEADER and list(leader.divisions.values_list("code", flat=True)) == [CHONGYANG]
    assert leader.check_password("chongyang-xianning")
    for line in ("Loaded 崇阳县", "city-xianning", "chongyang-xianning", "市级教育部门", "leader-tongshan"):
        assert line in loaded.output
