import copy

import pytest

from emis.testing import module_db

from .data import build_stats_county


@pytest.fixture(scope="module")
def stats_data(django_db_setup, django_db_blocker):
    """The county of .data, built once per test module and rolled back at its end."""
    with module_db(django_db_blocker, build_stats_county) as data:
        yield data


@pytest.fixture
def sc(stats_data, db):
    """The county for one test (inside a savepoint: what the test writes is undone)."""
    return copy.deepcopy(stats_data)
