"""Core names no domain app, and an app plugs itself in through its plugin.py alone (emis.core.registry, ADR 0008).

The first test reads every module under emis/core with ast (imports inside functions included) and fails on any
import of a domain app. The second registers a throwaway app in the test and finds it in the menu, the URLs, the
API router, the import kinds, the write rights and on a school's page, with no other file edited.
"""

from __future__ import annotations

import ast
import importlib
import sys
import types
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import clear_url_caches, path, reverse
from rest_framework import viewsets

from emis.core import registry
from emis.core.access import Role, role_may
from emis.core.imports.registry import kinds
from emis.core.navigation import menu_for
from emis.testing import make_division, make_school, make_user

ROOT = Path(__file__).resolve().parent.parent
CORE = ROOT / "emis" / "core"
# The domain apps: every package under emis/ with an apps.py, except core itself. emis.common (shared helpers with
# no models) is not an app.
DOMAIN_APPS = sorted(p.parent.name for p in (ROOT / "emis").glob("*/apps.py") if p.parent.name != "core")


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported_modules(tree: ast.AST, package: str) -> list[tuple[int, str]]:
    """(line, absolute module) for every import in the tree, relative ones resolved against ``package``; imports
    under ``if TYPE_CHECKING:`` are left out (they create no dependency when the code runs)."""
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking_only(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            if module == "emis":
                # "from emis import students" imports the app as a name.
                found.extend((node.lineno, f"emis.{alias.name}") for alias in node.names)
        elif isinstance(node, ast.Call) and _names_import_module(node):
            found.append((node.lineno, node.args[0].value))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _names_import_module(node: ast.Call) -> bool:
    """importlib.import_module("emis.x") / import_string("emis.x.y") with a literal name."""
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return (
        name in {"import_module", "import_string", "__import__"}
        and bool(node.args)
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    )


def _domain_of(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) >= 2 and parts[0] == "emis" and parts[1] in DOMAIN_APPS:
        return parts[1]
    return None


def core_imports_of_domain_apps() -> list[str]:
    problems = []
    for file in sorted(CORE.rglob("*.py")):
        relative = file.relative_to(ROOT).as_posix()
        module_path = relative[: -len(".py")].replace("/", ".")
        package = module_path if file.name == "__init__.py" else module_path.rsplit(".", 1)[0]
        if file.name == "__init__.py":
            package = module_path.removesuffix(".__init__")
        tree = ast.parse(file.read_text(encoding="utf-8"), filename=relative)
        for line, module in _imported_modules(tree, package):
            if _domain_of(module):
                problems.append(f"{relative}:{line} imports {module}")
    return sorted(set(problems))


def test_core_keeps_only_its_own_domains():
    """Core declares its own domains (audit, accounts) and no other; every model's domain is core's or one an app
    declares in its plugin (a DataDomain with the app's apps.DOMAIN code)."""
    from django.apps import apps

    from emis.core.access import Domain

    assert set(Domain.values) == {"audit", "accounts"}
    declared = {domain.code for r in registry.registrations() for domain in r.domains}
    assert not declared & set(Domain.values)
    undeclared = [
        f"{model._meta.label}: {model.domain}"
        for model in apps.get_models()
        if getattr(model, "domain", None) is not None and model.domain not in declared | set(Domain.values)
    ]
    assert undeclared == []
    for config in apps.get_app_configs():
        own = getattr(sys.modules.get(type(config).__module__), "DOMAIN", None)
        if own is not None:
            assert own in declared, f"{config.label}.apps.DOMAIN is not declared in its plugin"


def test_domain_apps_are_found():
    assert {"orgs", "students", "staff", "accounts"} <= set(DOMAIN_APPS)


def test_core_imports_no_domain_app():
    problems = core_imports_of_domain_apps()
    assert not problems, "emis/core must not import a domain app (declare it in the app's plugin.py):\n" + "\n".join(
        problems
    )


def test_the_import_check_sees_imports_inside_functions(tmp_path):
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from emis.accounts.models import User\n"
        "def f():\n"
        "    from emis.students.ui import SchoolClassUI\n"
        "    from ..orgs import models\n"
        "    import_string('emis.staff.importers.StaffImport')\n"
    )
    found = {module for _line, module in _imported_modules(ast.parse(source), "emis.core")}
    domains = {_domain_of(module) for module in found} - {None}
    assert domains == {"students", "orgs", "staff"}


# ---- a throwaway app, registered in the test only ------------------------------------------------------------------

THROWAWAY_DOMAIN = "throwaway"


def _things(request):
    return HttpResponse("things")


class ThingViewSet(viewsets.ViewSet):
    def list(self, request):  # pragma: no cover - only routed, never called
        return HttpResponse("[]")


def _school_things(school, user):
    from emis.orgs.models import School

    return School.objects.for_user(user).filter(pk=school.pk)


@pytest.fixture
def throwaway_app():
    from emis.orgs.tables import SchoolTable

    urls = types.ModuleType("throwaway_urls")
    urls.app_name = "throwaway"
    urls.urlpatterns = [path("", _things, name="thing_list")]
    sys.modules["throwaway_urls"] = urls
    sys.modules["throwaway_routes"] = routes = types.ModuleType("throwaway_routes")
    routes.ROUTES = (("things", ThingViewSet),)
    registration = registry.AppRegistration(
        app="throwaway",
        url_prefix="throwaway/",
        urls="throwaway_urls",
        api_routes="throwaway_routes.ROUTES",
        menu_groups=(registry.MenuGroup("throwaway", "试用", 65),),
        menu=(
            registry.MenuEntry("throwaway", "throwaway:thing_list", "试用清单", 10),
            registry.MenuEntry("system", "throwaway:thing_list", "试用设置", 15),
        ),
        domains=(registry.DataDomain(THROWAWAY_DOMAIN, "试用业务", 990),),
        rights={THROWAWAY_DOMAIN: {Role.SCHOOL: {"add", "submit"}, Role.TOWNSHIP: {"approve"}}},
        import_kinds=(registry.ImportKind("things", "emis.staff.importers.StaffImport", 45),),
        panels=(registry.Panel("orgs.School", "试用面板", _school_things, SchoolTable, 30),),
    )
    import config.api_urls
    import config.urls

    try:
        with registry.override(registration):
            # The URLconfs read the registry when imported: import them again with the throwaway app in it.
            importlib.reload(config.api_urls)
            importlib.reload(config.urls)
            clear_url_caches()
            yield registration
    finally:
        importlib.reload(config.api_urls)
        importlib.reload(config.urls)
        clear_url_caches()
        sys.modules.pop("throwaway_urls", None)
        sys.modules.pop("throwaway_routes", None)


@pytest.mark.django_db
def test_a_registered_app_shows_up_everywhere(throwaway_app):
    township = make_division("421224100", "试用镇", "township")
    school = make_school("3142000001", "试用小学", "primary", township)
    admin = make_user("plugin-admin", Role.ADMIN)
    school_user = make_user("plugin-school", Role.SCHOOL, schools=[school])
    township_user = make_user("plugin-township", Role.TOWNSHIP, divisions=[township])

    # URL, page and API route
    assert reverse("throwaway:thing_list") == "/throwaway/"
    client = Client()
    client.force_login(admin)
    assert client.get("/throwaway/").content == b"things"
    assert reverse("things-list") == "/api/things/"

    # menu: its own group between 招生入学 and 统计报表, and an entry in core's 系统 group
    request = RequestFactory().get("/throwaway/")
    request.user = admin
    menu = [(str(group["title"]), [str(item["label"]) for item in group["items"]]) for group in menu_for(request)]
    titles = [title for title, _items in menu]
    assert titles.index("试用") == titles.index("招生入学") + 1
    assert dict(menu)["试用"] == ["试用清单"]
    assert dict(menu)["系统"][:3] == ["数据导入", "试用设置", "审计日志"]

    # write rights, named actions included
    assert role_may(school_user, THROWAWAY_DOMAIN, "submit")
    assert not role_may(school_user, THROWAWAY_DOMAIN, "approve")
    assert role_may(township_user, THROWAWAY_DOMAIN, "approve")
    assert not role_may(township_user, THROWAWAY_DOMAIN, "add")

    # its own domain, offered to 股室 accounts
    from emis.accounts.forms import UserForm

    assert (THROWAWAY_DOMAIN, "试用业务") in [
        (code, str(label)) for code, label in UserForm().fields["domains"].choices
    ]
    section = make_user("plugin-section", Role.SECTION, domains=[THROWAWAY_DOMAIN])
    assert role_may(section, THROWAWAY_DOMAIN, "approve")
    assert section.domain_labels == ["试用业务"]

    # import kind, offered between staff and population
    kinds_offered = [
        "students",
        "divisions",
        "schools",
        "staff",
        "things",
        "population",
        "outside",
        "aid_eligibility",
        "tutoring_institutions",
    ]
    assert kinds() == kinds_offered

    # a panel on a school's page, after the school's own tables and the students' and staff panels
    page = client.get(reverse("orgs:school_detail", args=[school.pk])).content.decode()
    assert page.index("教职工") < page.index("试用面板")


def test_the_site_reads_only_the_registered_apps_afterwards():
    assert "things" not in kinds()
    assert all(registration.app != "throwaway" for registration in registry.registrations())
