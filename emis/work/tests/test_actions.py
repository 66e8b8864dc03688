"""The adapter that turns a workflow's transitions into ModelUI named actions (issue 11 writepath's Action)."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django.utils.datastructures import MultiValueDict

from emis.core.access import Role
from emis.work.actions import action_specs, step_form_class
from emis.work.services import case_open, case_transition

from .conftest import add_notice, jpeg_bytes
from .workflows import TEST_WORKFLOW


def test_one_action_per_transition_that_moves_a_case():
    specs = {spec["name"]: spec for spec in action_specs(TEST_WORKFLOW)}
    assert "create" not in specs
    assert set(specs) == {t.name for t in TEST_WORKFLOW.transitions if not t.opens}
    assert specs["report"]["right"] == "report"
    form = step_form_class(TEST_WORKFLOW, TEST_WORKFLOW.transition("report"))()
    assert set(form.fields) == {"version", "summary", "comment", "photos", "files"}
    assert form.fields["photos"].widget.attrs == {"accept": "image/*", "capture": "environment", "multiple": True}
    assert form.fields["summary"].required and not form.fields["comment"].required
    assert step_form_class(TEST_WORKFLOW, TEST_WORKFLOW.transition("send_back"))().fields["comment"].required


def test_the_action_runs_the_service_with_the_form(county, actors):
    case = case_open(workflow=TEST_WORKFLOW.code, title="x", school=county.school_a1, acting_user=actors[Role.TOWNSHIP])
    add_notice(case)
    day = dt.date(2021, 9, 30)  # a fixed day: the calendar knows its year whenever the test runs
    case = case_transition(case=case, transition="issue", acting_user=actors[Role.TOWNSHIP], today=day).case
    case = case_transition(case=case, transition="receive", acting_user=actors[Role.SCHOOL], today=day).case
    spec = {s["name"]: s for s in action_specs(TEST_WORKFLOW)}["report"]
    assert spec["available"](case, actors[Role.SCHOOL])
    assert not spec["available"](case, actors[Role.TOWNSHIP])
    photo = SimpleUploadedFile("a.jpg", jpeg_bytes(), content_type="image/jpeg")
    form = spec["form_class"]({"version": case.version, "summary": "已整改"}, MultiValueDict({"files": [photo]}))
    assert form.is_valid(), form.errors
    with translation.override("zh-hans"):
        message = spec["run"](case, actors[Role.SCHOOL], form)
    assert message == "已办理“报送整改”，办件现为“已报送整改”。"
    case.refresh_from_db()
    assert case.state == "reported" and case.attachments.get(kind="evidence").step.transition == "report"
