"""Fixtures shared by every test directory (tests/ and emis/*/tests/).

`county_data` is module-scoped: the small two-township county of emis.testing plus one user per role,
created once per test module and rolled back at its end. `county` hands it to a test together with `db`,
which wraps the test in a savepoint of that transaction, so whatever the test writes is undone.
"""

import copy

import pytest

from emis.testing import build_county, module_db

# The access matrix's fixtures (matrix_expected, matrix_clients) for each app's tests/test_access.py.
pytest_plugins = ["emis.testing_access"]


# Test directories whose tests one xdist worker runs back to back, because they share package-scoped data that is
# expensive to build: the full demo county (emis/demo/tests/tongshan/conftest.py) is then loaded once per run.
# xdist's own `--dist loadgroup` would do this with a mark, but not on pytest 9 (it renames the items through an
# attribute pytest 9 no longer has, and silently groups nothing).
RUN_TOGETHER = ("emis/demo/tests/tongshan/",)
# Modules that take long, slowest first, dealt out right after the RUN_TOGETHER units: dealt in their turn, one of
# them could come near the end of the run and keep one worker busy while the others have nothing left to do. Each
# run's --durations list shows the slow ones. Only modules of `db` tests: pytest-django runs the transactional ones
# (tests/browser/ and a few others) after them, because their flush empties the tables the migrations filled.
SLOW_FIRST = (
    "tests/test_issue16_bad_input.py",
    "emis/reports/tests/test_access.py",
    "tests/test_crawl.py",
    "tests/test_security_defaults.py",
    "tests/test_api_schemathesis.py",
    "tests/test_write_paths.py",
)


def _module(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def pytest_xdist_make_scheduler(config, log):
    """`-n N` (xdist's default `--dist load`): each test module is one unit of work, and each RUN_TOGETHER directory
    is one; the units are dealt in the collection's order (pytest-django's: the `db` tests, then the transactional
    ones, then those without a database), except that the RUN_TOGETHER and SLOW_FIRST units go first.

    A module is one unit because of its module-scoped fixtures (the county of `county_data`, the access matrix's
    expectations, the crawl's data): with each test its own unit, as xdist's `load` deals them, a module's tests are
    spread over the workers, and each worker builds the module's data again. A module whose tests pytest-django does
    not keep together (`db` and transactional tests in one file) stays one unit per test, so that each keeps its
    place in that order."""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    config.option.loadscopereorder = False  # the collection's order, not the largest units first

    class ModuleScheduling(LoadScopeScheduling):
        apart: set[str] = set()  # modules whose tests are not together in the collection

        def _split_scope(self, nodeid: str) -> str:
            module = _module(nodeid)
            together = next((directory for directory in RUN_TOGETHER if module.startswith(directory)), None)
            if together is not None:
                return together  # whatever the order of its tests: its package-scoped data is built once
            return nodeid if module in self.apart else module

        def schedule(self) -> None:
            first = self.collection is None
            if first and self.collection_is_completed:
                done: set[str] = set()
                previous = None
                for nodeid in next(iter(self.registered_collections.values())):
                    module = _module(nodeid)
                    if module != previous:
                        if module in done:
                            self.apart.add(module)
                        if previous is not None:
                            done.add(previous)
                        previous = module
            super().schedule()  # each worker is given its first two units
            if first and self.workqueue:

                def rank(unit) -> int:
                    scope = unit[0]
                    if scope in RUN_TOGETHER:
                        return -1
                    return SLOW_FIRST.index(scope) if scope in SLOW_FIRST else len(SLOW_FIRST)

                # The units not yet given out (sorted() keeps the collection's order within each rank).
                units = sorted(self.workqueue.items(), key=rank)
                self.workqueue.clear()
                self.workqueue.update(units)

    return ModuleScheduling(config, log)


@pytest.fixture(scope="module")
def county_data(django_db_setup, django_db_blocker):
    with module_db(django_db_blocker, build_county) as data:
        yield data


@pytest.fixture
def county(county_data, db):
    # A copy per test: a test that changes an instance (then rolled back in the database) leaves the next
    # test's objects untouched.
    return copy.deepcopy(county_data)


@pytest.fixture(autouse=True)
def _empty_cache(request):
    """Each test starts with an empty cache: cached pages are keyed on the data's version (last change id and
    table sizes), which two tests' databases can share. The access matrix (emis.testing_access) is the exception:
    its rows do not change within a module, so `matrix_expected` clears the cache once per module instead, and
    a page drawn for one route is reused by the next."""
    from django.core.cache import cache

    if "matrix_expected" not in request.fixturenames:
        cache.clear()
    yield


@pytest.fixture
def login(county, db):
    """login(role) -> a Client signed in as that role's user of the test county (force_login: no password step)."""
    from django.test import Client

    def _login(role: str) -> Client:
        client = Client()
        client.force_login(county.users[role])
        return client

    return _login
