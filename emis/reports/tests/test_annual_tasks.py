"""The annual draft runs as a background task, not in the request: the page shows the job queued, running (step n
of 4), failed (in Chinese, with a retry) or done (the preview and the download links), and polls like the import
page. The other tests run on the immediate backend, where the job is done before the page answers; these hold the
task in the dummy backend's queue to see each state (test_annual_db_worker: the database backend's)."""

import io

import pytest
from django.test import Client, override_settings
from django_tasks import default_task_backend
from docx import Document

from emis.core.access import Role
from emis.reports.annual import services

PAGE, DRAFT, ANNEX = "/reports/annual/", "/reports/annual/draft/", "/reports/annual/annex/"
QUERY = {"year": "2024", "baseline": "2023"}
HTMX = {"HTTP_HX_REQUEST": "true"}
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def run_queued() -> int:
    """Run the tasks the dummy backend holds, as a worker would; the number run."""
    results = list(default_task_backend.results)
    default_task_backend.clear()
    for result in results:
        result.task.call(*result.args, **result.kwargs)
    return len(results)


@override_settings(TASKS=DUMMY)
def test_the_page_shows_the_queued_job_and_polls_until_the_draft_is_done(county):
    client = client_for(county.users[Role.TOWNSHIP])
    page = client.get(PAGE, QUERY).content.decode()
    assert 'data-testid="annual-progress"' in page and "草稿已排队" in page
    assert 'hx-trigger="every 1s"' in page
    assert 'data-testid="annual-preview"' not in page and 'data-testid="annual-draft"' not in page
    # Asking again (the page, its polling, a download) queues nothing more.
    poll = client.get(PAGE, QUERY, **HTMX)
    assert poll.status_code == 200 and "草稿已排队" in poll.content.decode() and "<html" not in poll.content.decode()
    download = client.get(DRAFT, QUERY)
    assert download.status_code == 302 and download["Location"] == f"{PAGE}?year=2024&baseline=2023"
    assert client.get(ANNEX, QUERY).status_code == 302
    assert run_queued() == 1

    # Done: the polling reloads the page, which shows the preview and the downloads.
    poll = client.get(PAGE, QUERY, **HTMX)
    assert poll["HX-Refresh"] == "true"
    page = client.get(PAGE, QUERY).content.decode()
    assert 'data-testid="annual-preview"' in page and "通羊镇2024年度工作报告" in page
    assert 'data-testid="annual-progress"' not in page
    response = client.get(DRAFT, QUERY)
    assert response.status_code == 200
    assert Document(io.BytesIO(response.content)).paragraphs[0].text == "通羊镇2024年度工作报告"
    assert client.get(ANNEX, QUERY).status_code == 200
    assert run_queued() == 0  # served from the finished job


@override_settings(TASKS=DUMMY)
def test_the_running_job_shows_its_step(county, monkeypatch):
    client = client_for(county.users[Role.ADMIN])
    client.get(PAGE, QUERY)
    seen = []
    real = services.docx_bytes

    def watching(draft):
        seen.append(client.get(PAGE, QUERY, **HTMX).content.decode())
        return real(draft)

    monkeypatch.setattr(services, "docx_bytes", watching)
    run_queued()
    assert "第 3 / 4 步，生成 Word 草稿" in seen[0]
    assert 'style="width: 50%"' in seen[0]


@override_settings(TASKS=DUMMY)
def test_a_failed_job_says_so_in_chinese_and_may_be_retried(county, monkeypatch):
    client = client_for(county.users[Role.ADMIN])
    client.get(PAGE, QUERY)

    def broken(draft):
        raise RuntimeError("chart engine down")

    monkeypatch.setattr(services, "annex_bytes", broken)
    with pytest.raises(RuntimeError):
        run_queued()
    page = client.get(PAGE, QUERY).content.decode()
    assert 'data-testid="annual-failed"' in page and "生成草稿时出错：RuntimeError" in page
    assert "chart engine down" not in page  # the exception's class, not its text
    assert run_queued() == 0  # a failed job is shown, not queued again by each visit
    monkeypatch.undo()
    page = client.get(PAGE, {**QUERY, "retry": "1"}).content.decode()
    assert "草稿已排队" in page
    assert run_queued() == 1
    assert 'data-testid="annual-preview"' in client.get(PAGE, QUERY).content.decode()
