"""Roles, domains and the one rule that decides who may do what to which rows.

Every scoped read goes through `Model.objects.for_user(user, action)` (see models.ScopedQuerySet),
which asks this module two questions: may this role perform `action` on the model's domain at all,
and which rows fall inside the user's scope (a set of divisions and schools).
"""

from __future__ import annotations

import os
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from emis.common.idnumbers import mask_id_number

from . import crypto, registry

if TYPE_CHECKING:
    from emis.accounts.models import User

VIEW, ADD, CHANGE, DELETE = "view", "add", "change", "delete"
ACTIONS = (VIEW, ADD, CHANGE, DELETE)


class Role(models.TextChoices):
    LEADER = "leader", _("局领导")
    SECTION = "section", _("股室人员")
    TOWNSHIP = "township", _("乡镇中心学校")
    SCHOOL = "school", _("学校管理员")
    INSPECTOR = "inspector", _("督学")
    # Departments above the county: they read and analyse every county in their area and edit no school data.
    CITY = "city", _("市级教育部门")
    PROVINCE = "province", _("省级教育部门")
    ADMIN = "admin", _("系统管理员")


class Domain(models.TextChoices):
    """Core's own domains. Every other domain is declared by the app whose models belong to it (its plugin's
    ``domains``; the app's ``apps.DOMAIN`` constant), so core names no domain app."""

    AUDIT = "audit", _("审计日志")
    ACCOUNTS = "accounts", _("用户与权限")


def domain_choices() -> list[tuple[str, str]]:
    """Every domain as (code, label): those the apps' plugins declare (in their order), then core's own."""
    known = set(Domain.values)
    return [(code, label) for code, label in registry.domains().items() if code not in known] + list(Domain.choices)


# Which actions each role may take on each domain's rows comes from the apps' plugins (their `rights`, read through
# emis.core.registry.write_actions). Reading is decided by scope alone: every role may view what lies inside its
# scope (audit records included, never written by hand).


def role_may(user: User, domain: str, action: str) -> bool:
    """May this user's role perform `action` on rows of `domain` (scope aside)?"""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or user.role == Role.ADMIN:
        return domain != Domain.AUDIT or action == VIEW
    if domain == Domain.ACCOUNTS:
        # Accounts and their scopes are managed by system administrators only.
        return False
    if action == VIEW:
        return True
    if domain == Domain.AUDIT:
        return False
    if user.role == Role.SECTION:
        return domain in (user.domains or [])
    return action in registry.write_actions(user.role, domain)


def sees_everything(user: User) -> bool:
    return user.is_superuser or user.role == Role.ADMIN


def reaches(user: User, model) -> bool:
    """Can the user's scope hold rows of ``model`` at all? Read off the model's ScopeSpec and the user's scope keys,
    the same declaration ``for_user`` filters by, without asking the rows: a school's account holds no row of a
    model scoped by division codes alone (行政区划, 中考录取批次, 适龄人口), and rows scoped by nothing are read by
    those who see everything only. Reference rows with no path at all (the school-year calendar) reach everyone.
    The menu shows a list page only where this holds (core.navigation)."""
    if not user.is_authenticated:
        return False
    if sees_everything(user):
        return True
    spec: ScopeSpec | None = getattr(model, "scope", None)
    if spec is None:
        return False
    if spec.unrestricted and not (spec.school_paths or spec.division_paths):
        return True
    school_ids, division_codes = user.scope_keys()
    return bool((school_ids and spec.school_paths) or (division_codes and spec.division_paths))


def oversees(user: User) -> bool:
    """Does the user oversee an area (a township, a county or more) rather than keep single schools? The pages for
    overseeing (the change log, catchment planning, admission rounds) are offered to these accounts only."""
    if not user.is_authenticated:
        return False
    return sees_everything(user) or bool(user.scope_keys()[1])


def uses_api(user: User) -> bool:
    """Is the user's role one of those that use the programming interface (``EMIS_API_ROLES``; the system
    administrator by default)? Only they are offered the API documentation and their tokens in the menu; the API
    itself answers every signed-in user within their scope, as the pages do."""
    if not user.is_authenticated:
        return False
    roles = getattr(settings, "EMIS_API_ROLES", (Role.ADMIN,))
    return user.is_superuser or user.role in roles


def may_see_full_ids(user: User) -> bool:
    """ID numbers show in full only to roles named in settings (the rest see 421224************)."""
    if not user.is_authenticated:
        return False
    if sees_everything(user):
        return True
    allowed = getattr(settings, "EMIS_ROLES_SEEING_FULL_ID", ("section", "township", "school"))
    return user.role in allowed


def display_id(user: User, value: str | None) -> str:
    if not value:
        return ""
    # The change log keeps ID numbers encrypted (emis.core.audit.sealed_changes).
    value = crypto.reveal(value)
    return value if may_see_full_ids(user) else mask_id_number(value)


class ScopeSpec:
    """How a model's rows hang from the scope tree: the one statement of a model's scope.

    Declared once per model (``scope = ScopeSpec(...)``) and read by every place that asks where a row belongs:
    the restricted queryset (``q_for``, through scope_filter and ``for_user``), the change log's scope columns
    (``filed_under``, emis.core.audit), the importers (emis.core.imports.scope, through ``for_user``) and the
    access matrix (``keys_of``, emis/testing_access.py).

    school_paths: ORM paths that end in a School id (a row is in scope if any is one of the user's schools).
    division_paths: ORM paths that end in a Division code (in scope if it starts with one of the user's codes;
    division codes are hierarchical by prefix: 42 > 4212 > 421224 > 421224100 > 421224100001).
    log_division_fallback: division paths the change log files a row's records under when ``division_paths`` reach
    none (a pupil with no current school is filed under the county, so the county's staff keep its history),
    without widening who reads the row itself.
    """

    def __init__(
        self,
        *,
        school_paths: tuple[str, ...] = (),
        division_paths: tuple[str, ...] = (),
        unrestricted: bool = False,
        log_division_fallback: tuple[str, ...] = (),
    ):
        self.school_paths = school_paths
        self.division_paths = division_paths
        # Reference rows every signed-in user may read (the school-year calendar).
        self.unrestricted = unrestricted
        self.log_division_fallback = log_division_fallback

    def q_for(self, school_ids: list[int], division_codes: list[str], model: type[models.Model] | None = None) -> Q:
        """The rows under these schools or divisions.

        Given the model, every condition reached through one foreign key to the schools (``current_school_id``, a
        teaching point's ``current_school__parent_id``, a division's ``current_school__township__code``) becomes one
        condition on that key: "the row's school is one of these schools", the schools picked by the OR of those
        conditions on the school table. The big tables are then read through their school index, a county's rows
        only (ADR 0018). An OR on the big table itself, across the joined school table or between subqueries, made
        the database read every row: the demo school's pupil count took 171 ms instead of 5."""
        school_model = apps.get_model("orgs", "School")
        by_key: dict[str, list[Q]] = {}
        parts: list[Q] = []

        def through_school(path: str, suffix: str, condition: Q) -> bool:
            key = path.removesuffix(suffix)
            if model is None or key == path or _related_model(model, key) is not school_model:
                return False
            by_key.setdefault(key, []).append(condition)
            return True

        if school_ids:
            for path in self.school_paths:
                if not (
                    through_school(path, "__parent_id", Q(parent_id__in=school_ids))
                    or through_school(path, "_id", Q(pk__in=school_ids))
                ):
                    parts.append(Q(**{f"{path}__in": school_ids}))
        for code in division_codes:
            for path in self.division_paths:
                if not through_school(path, "__township__code", Q(township__code__startswith=code)):
                    parts.append(Q(**{f"{path}__startswith": code}))
        for key, conditions in by_key.items():
            if conditions == [Q(pk__in=school_ids)]:
                parts.append(Q(**{f"{key}_id__in": school_ids}))  # the user's own schools alone: no subquery
            else:
                schools = school_model.objects.filter(reduce(or_, conditions)).order_by().values("pk")
                parts.append(Q(**{f"{key}__in": schools}))
        if not parts:
            return Q(pk__in=[])
        return reduce(or_, parts)

    def keys_of(self, obj) -> tuple[set[int], tuple[str, ...]]:
        """(school ids, division codes) a row hangs from, read along the same paths in Python: the row is inside a
        scope when one of the ids is the scope's or one of the codes starts with one of the scope's codes."""
        schools = {value for path in self.school_paths if (value := _follow(obj, path)) is not None}
        codes = tuple(value for path in self.division_paths if (value := _follow(obj, path)))
        return schools, codes

    def filed_under(self, obj) -> tuple[int | None, str]:
        """(school id, division code) under which the change log files this row's records: the first school and
        the first division its paths reach (then ``log_division_fallback``)."""
        school_id = next((v for path in self.school_paths if (v := _follow(obj, path)) is not None), None)
        paths = self.division_paths + self.log_division_fallback
        division_code = next((v for path in paths if (v := _follow(obj, path))), "")
        return school_id, division_code


def _related_model(model: type[models.Model], path: str) -> type[models.Model] | None:
    """The model an ORM path of foreign keys ends at ("visit__school" from a visit's record: School); None when a
    step is not a relation."""
    for name in path.split("__"):
        try:
            field = model._meta.get_field(name)
        except Exception:  # noqa: BLE001 - a reverse accessor or a non-field: not a path this rewrite serves
            return None
        if not field.is_relation or field.related_model is None:
            return None
        model = field.related_model
    return model


def _follow(obj, path: str):
    """The value at the end of an ORM path ("school__township__code") on an instance; None past a missing link."""
    for name in path.split("__"):
        if obj is None:
            return None
        obj = getattr(obj, name)
    return obj


def filed_under(obj) -> tuple[int | None, str]:
    """(school id, division code) under which the change log files a row's records, from its model's ScopeSpec;
    (None, "") for models without one (only those who see everything read their records)."""
    spec: ScopeSpec | None = getattr(type(obj), "scope", None)
    return spec.filed_under(obj) if spec is not None else (None, "")


# ---- coverage: does this user cover this division or school --------------------------------------------------------
# The one place the question is answered; code elsewhere asks here instead of reading the user's scope keys
# (tests/test_access_helpers.py fails when it does).


def covers(user: User, *, division: str | None = None, school=None) -> bool:
    """Does the user's scope hold this division whole (one of its division codes is a prefix of ``division``), or
    this school (``school``: a School; one of the user's schools, a teaching point of one, or a school in one of
    the user's divisions)? Given both, either is enough. Administrators cover everything; anonymous users nothing."""
    if not user.is_authenticated:
        return False
    if sees_everything(user):
        return True
    school_ids, codes = user.scope_keys()
    if school is not None:
        if school.pk in school_ids:
            return True
        if school.township_id and any(school.township.code.startswith(code) for code in codes):
            return True
    return division is not None and any(division.startswith(code) for code in codes)


# Lengths of division codes, narrowest level last (province, city, county, township, village).
_DIVISION_LENGTHS = (2, 4, 6, 9, 12)


def common_division(codes: list[str]) -> str:
    """The longest division code that is a prefix of every code given ("" when they share no province)."""
    common = os.path.commonprefix(codes) if codes else ""
    return max((common[:n] for n in _DIVISION_LENGTHS if n <= len(common)), key=len, default="")


def deployment_area_code() -> str:
    """The code of the deployment's area: ``EMIS_AREA_CODE`` when set (a county, a city or a province); otherwise
    the narrowest division holding every county set up here (one county: that county; "" before any is)."""
    if settings.EMIS_AREA_CODE:
        return settings.EMIS_AREA_CODE
    # Core names no domain app's module: the division table is reached by its model label.
    division = apps.get_model("orgs", "Division")
    return common_division(list(division.objects.filter(level="county").values_list("code", flat=True)))


def in_deployment_area(code: str) -> bool:
    """Does the division ``code`` lie inside the deployment's configured area (always, when none is set)?"""
    return code.startswith(settings.EMIS_AREA_CODE)


def scope_of(user: User) -> tuple[list[int], list[str]]:
    """(school ids, division codes) the user's scope is made of, to describe or narrow to it (a report's area); for
    those who see everything, the deployment's area. Whether it holds a given place is ``covers``'s question."""
    if sees_everything(user):
        return [], [deployment_area_code()]
    return user.scope_keys()


def narrowest_area(user: User) -> tuple[int | None, str]:
    """(school id, division code) of the narrowest place holding the user's whole scope, for filing what the user
    makes (an import batch) where the levels above see it: the user's school when the scope is one school, and the
    longest division code that is a prefix of every code in the scope (the deployment's area for those who see
    everything)."""
    if sees_everything(user):
        return None, deployment_area_code()
    schools = list(user.schools.values_list("pk", "township__code"))
    codes = [code for _pk, code in schools] + list(user.divisions.values_list("code", flat=True))
    division = common_division(codes)
    return (schools[0][0] if len(schools) == 1 and len(codes) == 1 else None), division


def covering(user: User, *, division_paths: tuple[str, ...] = (), school_paths: tuple[str, ...] = ()) -> Q | None:
    """The filter form of ``covers``: rows whose division code (at one of ``division_paths``) or school id (at one
    of ``school_paths``) the user covers. None: every row; Q(pk__in=[]): none."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    if sees_everything(user):
        return None
    return ScopeSpec(school_paths=school_paths, division_paths=division_paths).q_for(*user.scope_keys())


def users_covering(*, division: str | None = None, school_id: int | None = None) -> Q:
    """The reverse of ``covers``, as a filter on users: those whose scope holds the division ``division`` whole (one
    of their division codes is a prefix of it), or the school ``school_id`` (one of their schools, or the primary
    school of which it is a teaching point), and those who see everything. One condition, for one query over
    users (who must act on a case, emis.work.selectors.waiting_users), never a question asked user by user."""
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    found = SEES_EVERYTHING
    if division:
        # Codes nest by prefix: the divisions holding ``division`` are exactly those whose code is one of its prefixes.
        prefixes = [division[:n] for n in range(1, len(division) + 1)]
        held = user_model.divisions.through.objects.filter(user_id=OuterRef("pk"), division__code__in=prefixes)
        found |= Q(Exists(held))
    if school_id is not None:
        school_model = apps.get_model("orgs", "School")
        primary = school_model.objects.filter(pk=school_id, parent_id__isnull=False).values("parent_id")
        held = user_model.schools.through.objects.filter(user_id=OuterRef("pk")).filter(
            Q(school_id=school_id) | Q(school_id__in=primary)
        )
        found |= Q(Exists(held))
    return found


class PlaceHolders:
    """Who holds a case's places in their own scope, read in one query (``place_holders``) and then asked in Python
    place by place: the reverse of ``covers`` for many places of one row at once. A workflow step asks who covers
    its case at two or three levels; asking ``users_covering`` for each put an EXISTS per level into the query,
    twice (filter and flag), and building that query cost more than running it (the demo county's load)."""

    def __init__(self, rows):
        self.codes: dict[int, list[str]] = {}
        self.schools: set[int] = set()
        for user_id, code in rows:
            if code is None:
                self.schools.add(user_id)
            else:
                self.codes.setdefault(user_id, []).append(code)

    @property
    def user_ids(self) -> set[int]:
        """Users holding any of the places (not those who see everything: ``SEES_EVERYTHING`` finds them)."""
        return self.schools | self.codes.keys()

    def covers(self, user: User, *, division: str | None = None, school: bool = False) -> bool:
        """``users_covering``'s answer for one user: the user sees everything, holds the school (``school``: the
        place asked about is the school ``place_holders`` was given), or holds a division whose code is a prefix of
        ``division`` (one of the divisions ``place_holders`` was given, or a prefix of one)."""
        if sees_everything(user):
            return True
        if school and user.pk in self.schools:
            return True
        return division is not None and any(division.startswith(code) for code in self.codes.get(user.pk, ()))


# The users ``users_covering`` and ``PlaceHolders.covers`` let through whatever the place (``sees_everything``).
SEES_EVERYTHING = Q(is_superuser=True) | Q(role=Role.ADMIN)


def place_holders(*, divisions: list[str], school_id: int | None = None) -> PlaceHolders:
    """The users whose own divisions hold one of ``divisions`` (a code that is a prefix of it) and those whose own
    schools hold the school ``school_id`` (it, or the primary school of which it is a teaching point): one query, a
    UNION of the two link tables' rows."""
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    prefixes = sorted({division[:n] for division in divisions if division for n in range(1, len(division) + 1)})
    held = (
        user_model.divisions.through.objects.filter(division__code__in=prefixes)
        .order_by()
        .values_list("user_id", "division__code")
    )
    if school_id is None:
        return PlaceHolders(held)
    school_model = apps.get_model("orgs", "School")
    primary = school_model.objects.filter(pk=school_id, parent_id__isnull=False).values("parent_id")
    schools = (
        user_model.schools.through.objects.filter(Q(school_id=school_id) | Q(school_id__in=primary))
        .order_by()
        .annotate(code=models.Value(None, output_field=models.CharField()))
        .values_list("user_id", "code")
    )
    return PlaceHolders(held.union(schools, all=True))


def scope_filter(user: User, model: type[models.Model], action: str = VIEW) -> Q | None:
    """The Q selecting the rows of `model` the user may act on; None means no restriction, and
    Q(pk__in=[]) means nothing."""
    domain = getattr(model, "domain", None)
    if not role_may(user, domain, action):
        return Q(pk__in=[])
    if sees_everything(user):
        return None
    spec: ScopeSpec | None = getattr(model, "scope", None)
    if spec is None:
        return Q(pk__in=[])
    if spec.unrestricted and (action == VIEW or not (spec.school_paths or spec.division_paths)):
        # Reference rows with nothing to scope by (the school-year calendar): the role check above decides.
        return None
    school_ids, division_codes = user.scope_keys()
    return spec.q_for(school_ids, division_codes, model)
