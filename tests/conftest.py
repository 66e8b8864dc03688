"""Fixtures shared by the tests in this directory.

`county_data` is module-scoped: the small two-township county of emis.testing plus one user per role,
created once per test module and rolled back at its end. `county` hands it to a test together with `db`,
which wraps the test in a savepoint of that transaction, so whatever the test writes is undone (and gives the
test its own copy of the model instances).
"""

import pytest
from django.test import Client

from emis.core.access import Role


@pytest.fixture
def users(county, db):
    return county.users


@pytest.fixture
def api(county, db):
    """api(role) -> a Client sending that role's token (None: anonymous)."""

    def _api(role: str | None) -> Client:
        if role is None:
            return Client()
        return Client(headers={"authorization": f"Token {county.tokens[role]}"})

    return _api


@pytest.fixture
def school_client(login):
    return login(Role.SCHOOL)


@pytest.fixture
def admin_client_(login):
    return login(Role.ADMIN)
