"""Coverage and scope are answered in one place (emis.core.access), from one declaration per model (ScopeSpec).

* ``covers(user, division=..., school=...)`` for every role of the test county against the county, a township,
  a village, a school, a teaching point and places outside the county; ``covering(...)`` (its filter form) selects
  exactly the rows ``covers`` accepts;
* ``ScopeSpec.keys_of`` / ``filed_under``: where a row hangs and where its change records are filed, both read from
  the model's declaration; no model restates it (no ``audit_scope`` method, no plugin ``scope_anchors``);
* no module outside emis/core/access.py re-derives coverage from a user's scope keys (an AST check, shown to
  catch the hand-made checks it replaced).
"""

from __future__ import annotations

import ast
import datetime as dt
import textwrap
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser

from emis.core import access, registry
from emis.core.access import Role
from emis.core.audit import audit_context
from emis.core.models import ObjectChange
from emis.orgs.models import Division, School
from emis.testing import make_division, make_school, make_student

ROOT = Path(__file__).resolve().parent.parent
ANON = "anonymous"
ROLES = [ANON, Role.LEADER, Role.SECTION, Role.TOWNSHIP, Role.SCHOOL, Role.INSPECTOR, Role.ADMIN]

# Places of the test county (emis.testing: leader and section hold the county, township 通羊镇 (A), school A1
# (with its teaching point TP), inspector A2 and B1) and one outside it ("out": 赤壁市, another county).
DIVISIONS = {
    "province": "42",
    "county": "421224",
    "township_a": "421224100",
    "village_a": "421224100001",
    "township_b": "421224101",
    "out": "421281",
    "out_township": "421281100",
}
DIVISIONS_COVERED = {
    ANON: set(),
    Role.LEADER: {"county", "township_a", "village_a", "township_b"},
    Role.SECTION: {"county", "township_a", "village_a", "township_b"},
    Role.TOWNSHIP: {"township_a", "village_a"},
    Role.SCHOOL: set(),  # a school's scope holds schools, no division whole
    Role.INSPECTOR: set(),
    Role.ADMIN: set(DIVISIONS),
}
SCHOOLS_COVERED = {
    ANON: set(),
    Role.LEADER: {"A1", "TP", "A2", "B1"},
    Role.SECTION: {"A1", "TP", "A2", "B1"},
    Role.TOWNSHIP: {"A1", "TP", "A2"},
    Role.SCHOOL: {"A1", "TP"},  # a primary school's teaching points are its own
    Role.INSPECTOR: {"A2", "B1"},
    Role.ADMIN: {"A1", "TP", "A2", "B1", "out"},
}


def _user(county, role):
    return AnonymousUser() if role == ANON else county.users[role]


@pytest.fixture
def places(county):
    out_township = make_division(DIVISIONS["out_township"], "赤壁市某镇", "township")
    schools = dict(county.schools)
    schools["out"] = make_school("2142999901", "县外小学", "primary", out_township)
    return schools


@pytest.mark.parametrize("role", ROLES)
def test_covers_divisions(county, role):
    user = _user(county, role)
    covered = {name for name, code in DIVISIONS.items() if access.covers(user, division=code)}
    assert covered == DIVISIONS_COVERED[role]


@pytest.mark.parametrize("role", ROLES)
def test_covers_schools(county, places, role):
    user = _user(county, role)
    covered = {name for name, school in places.items() if access.covers(user, school=school)}
    assert covered == SCHOOLS_COVERED[role]


@pytest.mark.parametrize("role", ROLES)
def test_covering_selects_what_covers_accepts(county, places, role):
    user = _user(county, role)
    for model, paths, accepts in (
        (School, {"school_paths": ("id", "parent_id"), "division_paths": ("township__code",)}, "school"),
        (Division, {"division_paths": ("code",)}, "division"),
    ):
        condition = access.covering(user, **paths)
        rows = model.objects.all() if condition is None else model.objects.filter(condition)
        expected = [
            row.pk
            for row in model.objects.all()
            if access.covers(user, **({"school": row} if accepts == "school" else {"division": row.code}))
        ]
        assert sorted(rows.values_list("pk", flat=True)) == sorted(expected), model.__name__


def test_narrowest_area_files_what_a_user_makes_where_the_levels_above_see_it(county):
    users, c = county.users, county
    assert access.narrowest_area(users[Role.ADMIN]) == (None, DIVISIONS["county"])
    assert access.narrowest_area(users[Role.LEADER]) == (None, DIVISIONS["county"])
    assert access.narrowest_area(users[Role.TOWNSHIP]) == (None, DIVISIONS["township_a"])
    assert access.narrowest_area(users[Role.SCHOOL]) == (c.school_a1.pk, DIVISIONS["township_a"])
    # A2 and B1 lie in two townships: filed under the county that holds both, under no one school.
    assert access.narrowest_area(users[Role.INSPECTOR]) == (None, DIVISIONS["county"])


# ---- one declaration per model ---------------------------------------------------------------------------------


def test_keys_and_filing_come_from_the_declaration(county):
    c = county
    zhang = c.students["张三丰"]
    assert zhang.scope.keys_of(zhang) == ({zhang.current_school_id}, (DIVISIONS["township_a"],))
    assert access.filed_under(zhang) == (zhang.current_school_id, DIVISIONS["township_a"])
    assert access.filed_under(c.teaching_point) == (c.teaching_point.pk, DIVISIONS["township_a"])
    assert School.scope.keys_of(c.teaching_point) == ({c.teaching_point.pk, c.school_a1.pk}, (DIVISIONS["township_a"],))
    # A pupil who left every school is filed under the county (the fallback), though the county does not read it.
    zhang.current_school = None
    assert access.filed_under(zhang) == (None, zhang.county_code)
    assert zhang.scope.keys_of(zhang) == (set(), ())
    outside = c.outside["county"]
    assert outside.hukou_township_id is None
    assert access.filed_under(outside) == (None, outside.county_code)
    # Models without a declaration are filed under nothing (only those who see everything read their records).
    assert access.filed_under(object()) == (None, "")


def test_a_change_record_is_filed_where_the_declaration_says(county):
    c = county
    with audit_context():
        c.school_b1.name = "南林桥镇中心小学（新）"
        c.school_b1.save()
    change = ObjectChange.objects.order_by("-id").first()
    assert (change.school_id, change.division_code) == (c.school_b1.pk, DIVISIONS["township_b"])


def test_no_model_or_plugin_restates_its_scope():
    overriding = [m._meta.label for m in apps.get_models() if hasattr(m, "audit_scope")]
    assert overriding == [], "change-log scope comes from the model's ScopeSpec (access.filed_under)"
    anchors = registry.scope_anchors()
    declared = [m._meta.label for m in apps.get_models() if isinstance(getattr(m, "scope", None), access.ScopeSpec)]
    assert sorted(anchors) == sorted(declared)
    assert all(anchor.__self__ is apps.get_model(label).scope for label, anchor in anchors.items())


# ---- nothing re-derives coverage -------------------------------------------------------------------------------

# Code that may read a user's scope keys or assignments: the one access module, the model that stores them, and the
# code that sets them up (account management, the demo and test data), and the access matrix, which states the
# scope a second time on purpose to check the first.
ALLOWED = {
    "emis/core/access.py",
    "emis/accounts/models.py",
    "emis/accounts/forms.py",
    "emis/testing.py",
    "emis/testing_access.py",
}
USER_NAMES = ("user", "acting_user", "request.user")
SCOPE_READERS = {"scope_keys", "sees_everything", "scope_of"}


def _name(node: ast.AST) -> str:
    try:
        return ast.unparse(node)
    except ValueError:  # an f-string Python 3.11 cannot write back: not a user's name
        return ""


def rederivations(source: str, filename: str) -> list[str]:
    """Places in ``source`` that decide coverage by hand: a user's scope keys read outside emis.core.access, a
    user's scope assignments (``user.divisions``, ``user.schools``) read rather than set, or a function that reads the
    user's scope and also compares division codes by prefix."""
    tree = ast.parse(source, filename)
    problems: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "scope_keys":
            problems.append(f"{filename}:{node.lineno} reads the user's scope keys ({_name(node)})")
        if (
            isinstance(node, ast.Attribute)
            and node.attr in ("divisions", "schools")
            and _name(node.value).endswith(USER_NAMES)
        ):
            parent_is_set = False
            for outer in ast.walk(tree):
                if isinstance(outer, ast.Attribute) and outer.value is node and outer.attr == "set":
                    parent_is_set = True
            if not parent_is_set:
                problems.append(f"{filename}:{node.lineno} reads the user's scope ({_name(node)})")
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        calls = [n for n in ast.walk(function) if isinstance(n, ast.Call)]
        reads_scope = any(
            (isinstance(c.func, ast.Name) and c.func.id in SCOPE_READERS)
            or (isinstance(c.func, ast.Attribute) and c.func.attr in SCOPE_READERS)
            for c in calls
        )
        by_prefix = any(isinstance(c.func, ast.Attribute) and c.func.attr == "startswith" for c in calls) or any(
            isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value.endswith("__startswith")
            for n in ast.walk(function)
        )
        if reads_scope and by_prefix:
            problems.append(f"{filename}:{function.lineno} {function.name}() compares the user's codes by prefix")
    return problems


def test_no_module_rederives_coverage():
    problems = []
    for path in sorted((ROOT / "emis").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative in ALLOWED or "/tests/" in relative or "/migrations/" in relative:
            continue
        problems += rederivations(path.read_text(encoding="utf-8"), relative)
    assert problems == [], "ask emis.core.access.covers / covering / scope_of instead:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    "source",
    [
        # The hand-made checks the helper replaced, as they were written.
        """
        def covers(user, division_code):
            if sees_everything(user):
                return True
            _school_ids, codes = user.scope_keys()
            return any(division_code.startswith(mine) for mine in codes)
        """,
        """
        def division_prefixes(user):
            if access.sees_everything(user):
                return None
            return list(user.scope_keys()[1])
        """,
        """
        def visible_results_q(user, prefix="round__"):
            if access.sees_everything(user):
                return published
            return reduce(or_, [Q(**{f"{prefix}division_code__startswith": c}) for c in codes])
        """,
        """
        def batch_scope(user):
            schools = list(user.schools.values_list("pk", "township__code"))
            return schools
        """,
    ],
)
def test_the_check_catches_hand_made_coverage(source):
    assert rederivations(textwrap.dedent(source), "example.py")


@pytest.mark.parametrize("role", [Role.SCHOOL, Role.TOWNSHIP, Role.INSPECTOR, Role.LEADER])
def test_a_big_table_is_scoped_by_one_condition_on_its_school_key(county, role):
    """A pupil's scope (its own school, a teaching point of it, a division's schools) is one IN over the school
    table on the pupil's school column: no join to the schools and no OR in the pupils' own WHERE, which made the
    database read a county's pupils whole to count one school's. The rows are those ``covers`` accepts."""
    from emis.students.models import Student

    user = county.users[role]
    at_point = make_student("教学点学生", county.teaching_point, birth=dt.date(2015, 3, 1))
    rows = Student.objects.for_user(user)
    sql = str(rows.order_by().values("pk").query)
    outer = sql.split("(SELECT", 1)[0]
    assert "JOIN" not in outer, sql
    assert outer.count("current_school_id") == 1 and " OR " not in outer, sql
    # A school's account holds A1 and so its teaching point's pupils too.
    expected = {
        pk
        for pk, school_id in Student.objects.values_list("pk", "current_school_id")
        if school_id is not None and access.covers(user, school=School.objects.get(pk=school_id))
    }
    assert set(rows.values_list("pk", flat=True)) == expected
    assert (at_point.pk in expected) == (role in (Role.SCHOOL, Role.TOWNSHIP, Role.LEADER)), role
