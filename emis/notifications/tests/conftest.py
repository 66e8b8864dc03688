"""The work engine's test workflow (a 整改-shaped cycle), registered for every test here, and the users it needs."""

import pytest

from emis.work.tests.conftest import (
    actors,  # noqa: F401 - the fixture
    test_workflow,  # noqa: F401 - the fixture (module-scoped, autouse)
)


@pytest.fixture(autouse=True)
def _empty_outboxes():
    from emis.notifications import backends

    backends.outbox.clear()
    yield
    backends.outbox.clear()
