"""The annual draft queued in the database (the default backend) and drafted by `manage.py db_worker`. Apart
from test_annual_tasks because it commits (a transactional test cannot share that module's county)."""

import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings
from docx import Document

from emis.core.access import Role
from emis.testing import build_county

PAGE, DRAFT = "/reports/annual/", "/reports/annual/draft/"
QUERY = {"year": "2024", "baseline": "2023"}


@pytest.mark.django_db(transaction=True)
def test_the_draft_queued_in_the_database_is_run_by_the_db_worker():
    """The default backend: the job waits in the database until `manage.py db_worker` drafts it."""
    county = build_county()
    client = Client()
    client.force_login(county.users[Role.ADMIN])
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        with transaction.atomic():
            assert "草稿已排队" in client.get(PAGE, QUERY).content.decode()
        call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*")
        assert client.get(PAGE, QUERY, HTTP_HX_REQUEST="true")["HX-Refresh"] == "true"
        response = client.get(DRAFT, QUERY)
    assert response.status_code == 200
    assert Document(io.BytesIO(response.content)).paragraphs[0].text == "通山县教育局2024年度工作报告"
