"""The full 通山县 demo county, loaded once per test run for every test that checks its published figures.

Loading it (93,091 pupils, 112,982 register entries) takes about ten seconds, so every test that needs it lives
in this package and shares one load: `tongshan` is package-scoped (emis.testing.module_db: one transaction,
rolled back when the run leaves this package), and the root conftest.py's RUN_TOGETHER sends the whole package
to one xdist worker, which runs it back to back.

Tests here must not use the small county of emis.testing (same county code): put those elsewhere.
test_second_county.py loads 崇阳县 beside it in a savepoint of its own module (rolled back at the module's end), so
the other modules see 通山县 alone.
"""

import io
from dataclasses import dataclass

import pytest
from django.core.management import call_command
from django.db import connection

from emis.testing import module_db


@dataclass(frozen=True)
class LoadedDemo:
    admin: object  # the demo's superuser, "admin"
    output: str  # what `load_demo tongshan` printed


def _load() -> LoadedDemo:
    from emis.accounts.models import User

    output = io.StringIO()
    call_command("load_demo", "tongshan", stdout=output)
    # Check the deferred foreign keys once, in the package's transaction: otherwise PostgreSQL re-checks all
    # of them at the end of every test (the `db` fixture and TestCase do, inside the test's savepoint).
    connection.check_constraints()
    return LoadedDemo(admin=User.objects.get(username="admin"), output=output.getvalue())


@pytest.fixture(scope="package")
def tongshan(django_db_setup, django_db_blocker) -> LoadedDemo:
    with module_db(django_db_blocker, _load) as demo:
        yield demo
