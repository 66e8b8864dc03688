import copy

import pytest

from emis.testing import module_db

from .county import build_indicator_county


@pytest.fixture(scope="module")
def indicator_data(django_db_setup, django_db_blocker):
    """The county of .county, built once per test module and rolled back at its end."""
    with module_db(django_db_blocker, build_indicator_county) as data:
        yield data


@pytest.fixture
def ic(indicator_data, db):
    """The county for one test (inside a savepoint: what the test writes is undone)."""
    return copy.deepcopy(indicator_data)
