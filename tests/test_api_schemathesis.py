"""The whole API fuzzed from its own OpenAPI schema (schemathesis), in process, against the test county.

Each operation of /api/schema/ is one test: schemathesis generates valid and invalid requests (a bounded number
per operation) and calls the Django WSGI application as a county user who writes every domain. The checks:

* not_a_server_error: no 5xx, whatever the input;
* status_code_conformance: every status answered is documented (the 400/401/403/404/429 every endpoint may
  answer are added to the schema once, by emis.core.api_schema);
* response_schema_conformance: bodies match their documented schema;
* positive_data_acceptance / negative_data_rejection: requests the schema calls valid are not refused as
  malformed (400), and requests it calls invalid are not accepted.

Select it alone with `pytest -m schemathesis`. EMIS_SCHEMATHESIS_EXAMPLES sets the examples per operation and
mode: 10 where the environment says CI (.ci/run exports CI=true), 4 otherwise, so that a developer's whole-suite
run stays quick; `EMIS_SCHEMATHESIS_EXAMPLES=10 pytest -m schemathesis` is the CI depth on one's own machine.
The operations are dealt into SHARDS tests (operations i, i+SHARDS, ...) so that xdist spreads them over its
workers; together they fuzz every operation of the schema.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from emis.admissions.apps import DOMAIN as ADMISSIONS_DOMAIN
from emis.core.access import Role
from emis.orgs.apps import DOMAIN as ORGS_DOMAIN
from emis.population.apps import DOMAIN as POPULATION_DOMAIN
from emis.staff.apps import DOMAIN as STAFF_DOMAIN
from emis.students.apps import DOMAIN as STUDENTS_DOMAIN
from emis.testing import api_token_for, make_user

pytestmark = pytest.mark.schemathesis

MAX_EXAMPLES = int(os.environ.get("EMIS_SCHEMATHESIS_EXAMPLES") or (10 if os.environ.get("CI") else 4))
SHARDS = 4
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance, negative_data_rejection]


def checks_for(operation) -> list:
    """Reads and lookups must accept every request their schema calls valid. A write's validity also depends on
    the database (a referenced row must exist in the caller's scope, a code must be unique and fit its level, an ID
    number's check digit must hold) and the token endpoint on real credentials: no schema says that, so a write
    may answer 400 with its reasons to a well-formed body, and is checked for everything else."""
    if operation.method.upper() == "GET" or operation.path.endswith("/lookup/"):
        return [*CHECKS, positive_data_acceptance]
    return CHECKS


@pytest.fixture
def api_schema(county, db):
    """The schema served by the app, loaded through the WSGI app itself, for a county user writing every domain."""
    user = make_user(
        "api_fuzzer",
        Role.SECTION,
        divisions=[county.county],
        domains=[ORGS_DOMAIN, STUDENTS_DOMAIN, STAFF_DOMAIN, POPULATION_DOMAIN, ADMISSIONS_DOMAIN],
    )
    headers = {"Authorization": f"Token {api_token_for(user)}"}
    # The requests run in this test's transaction; Django's own test client stops a request from closing the
    # connection the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application(), headers=headers)
        schema.config.update(headers=headers)
        yield schema
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def has_inputs(operation) -> bool:
    definition = operation.definition.raw
    return bool(definition.get("parameters") or definition.get("requestBody") or operation.path_parameters)


def failure_text(exc: BaseException) -> str:
    text = str(exc).strip()
    return text[:1500]


def fuzz(operation, mode):
    """A Hypothesis test of one operation in one generation mode."""

    @given(case=operation.as_strategy(mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: the first failing request is reported as it was
        database=None,
    )
    def run(case):
        # Each request in a savepoint rolled back afterwards, so requests do not see each other's writes and a
        # failed statement on PostgreSQL does not poison the rest of the run.
        with transaction.atomic():
            try:
                case.call_and_validate(checks=checks_for(operation))
            finally:
                transaction.set_rollback(True)

    return run


@pytest.mark.parametrize("shard", range(SHARDS))
def test_api_answers_as_documented(api_schema, shard):
    # A few tests over every operation rather than schemathesis' pytest parametrization (its lazy fixture loader
    # does not run on pytest 9): the first failure of each operation and mode is collected, and all are reported.
    failures = []
    operations = sorted((result.ok() for result in api_schema.get_all_operations()), key=lambda op: op.label)
    assert len(operations) > 80
    for operation in operations[shard::SHARDS]:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                fuzz(operation, mode)()
            except Unsatisfiable:
                # An operation that takes no input at all (the token logout endpoints) has no invalid request.
                assert mode == GenerationMode.NEGATIVE and not has_inputs(operation), operation.label
            except (Exception, BaseExceptionGroup) as exc:  # every failure is collected, then all are reported
                failures.append(f"{operation.label} [{mode}]: {failure_text(exc)}")
    assert not failures, f"{len(failures)} failing operation(s):\n\n" + "\n\n".join(failures)
