"""The solve step runs as a task: queued by the page, run by the worker (the database backend's, as in
production: test_solve_worker.py), its progress on the round page, and how it ended told once."""

import pytest
from django.test import Client
from django.urls import reverse

from emis.core.models import AuditEvent, ChangeSource, ObjectChange
from emis.rounds import services
from emis.rounds.choices import RoundStatus, SolveStatus
from emis.rounds.models import Applicant, SolveRun
from emis.testing import build_rounds


def text(response) -> str:
    return response.content.decode()


def solved_back_to_allocated(c):
    """The fixture's round, solved and sent back a step so it can be solved again."""
    c.admission_round.status = RoundStatus.ALLOCATED
    c.admission_round.save()
    Applicant.objects.filter(round=c.admission_round).update(result_school=None, result_phase="")
    return c.admission_round


@pytest.fixture
def unpublished(county):
    build_rounds(county)
    return solved_back_to_allocated(county)


def admin_client(county) -> Client:
    client = Client()
    client.force_login(county.users["admin"])
    return client


def test_the_page_queues_a_run_and_shows_it_until_the_worker_has_run_it(county, unpublished):
    client = admin_client(county)
    response = client.post(reverse("rounds:round_solve", args=[unpublished.pk]))  # the task waits for the commit
    assert response.status_code == 302
    run = SolveRun.objects.get(round=unpublished)
    assert (run.status, run.requested_by) == (SolveStatus.QUEUED, county.users["admin"])
    html = text(client.get(unpublished.get_absolute_url()))
    assert 'data-testid="solve-progress" data-status="queued"' in html and "录取计算已排队" in html
    # A second request while one is queued is refused; the button is off.
    response = client.post(reverse("rounds:round_solve", args=[unpublished.pk]), follow=True)
    assert "本批次正在录取计算，请等待完成。" in text(response) and SolveRun.objects.count() == 1
    status_url = reverse("rounds:round_solve_status", args=[unpublished.pk])
    assert 'data-status="queued"' in text(client.get(status_url, headers={"HX-Request": "true"}))

    services.round_solve_run(run_id=run.pk)  # what the worker does
    run.refresh_from_db()
    assert run.status == SolveStatus.DONE and run.counts["quota"] == 2 and run.finished_at is not None
    response = client.get(status_url, headers={"HX-Request": "true"})
    assert response["HX-Refresh"] == "true" and "data-testid" not in text(response)
    html = text(client.get(unpublished.get_absolute_url()))
    assert "录取完成：指标到校 2 人，统招 1 人，未录取 1 人。" in html and 'data-testid="solve-progress"' not in html
    unpublished.refresh_from_db()
    assert unpublished.status == RoundStatus.SOLVED
    # Changes are logged as made on the web by the user who asked for the run.
    change = ObjectChange.objects.filter(object_id=str(county.applicants["李雷"].pk), action="update").latest("id")
    assert (change.source, change.user) == (ChangeSource.WEB, county.users["admin"])
    assert AuditEvent.objects.filter(event="admissions.round_solved").count() == 2  # build_rounds' and this one


def test_a_running_run_shows_its_percentage(county, unpublished):
    from django.core.cache import cache

    run = SolveRun.objects.create(round=unpublished, status=SolveStatus.RUNNING, requested_by=county.users["admin"])
    cache.set(f"emis:round-solve-progress:{run.pk}", 60)
    html = text(admin_client(county).get(reverse("rounds:round_solve_status", args=[unpublished.pk])))
    assert "正在录取计算：60%" in html and 'style="width: 60%"' in html


def test_a_refused_run_fails_with_its_reasons_told_once(county, unpublished):
    Applicant.objects.filter(round=unpublished, exam_no="2024001").update(preferences=["9999999999"])
    client = admin_client(county)
    client.post(reverse("rounds:round_solve", args=[unpublished.pk]))
    run = services.round_solve_run(run_id=SolveRun.objects.get().pk)
    assert run.status == SolveStatus.FAILED
    assert run.messages == ["考号 2024001 的第 1 志愿 9999999999 不在本批次的招生学校中。"]
    html = text(client.get(unpublished.get_absolute_url()))
    assert "考号 2024001 的第 1 志愿 9999999999 不在本批次的招生学校中。" in html
    assert "9999999999" not in text(client.get(unpublished.get_absolute_url()))
    unpublished.refresh_from_db()
    assert unpublished.status == RoundStatus.ALLOCATED


def test_an_error_in_the_run_fails_it_with_a_chinese_message(county, unpublished, monkeypatch):
    from emis.rounds.services import solving

    def broken(*args, **kwargs):
        raise ZeroDivisionError

    monkeypatch.setattr(solving, "solve", broken)
    run = services.round_solve_request(admission_round=unpublished, acting_user=county.users["admin"])
    with pytest.raises(ZeroDivisionError):
        services.round_solve_run(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == SolveStatus.FAILED
    assert run.messages == ["录取计算出错（ZeroDivisionError），请重试或联系系统管理员。"]


def test_a_stale_run_does_not_block_a_new_one(county, unpublished):
    import datetime as dt

    from django.utils import timezone

    old = SolveRun.objects.create(round=unpublished, status=SolveStatus.RUNNING)
    SolveRun.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(hours=4))
    assert services.active_run(unpublished) is None
    services.round_solve_request(admission_round=unpublished, acting_user=county.users["admin"])
