"""Declarations check themselves at import time; the rights follow from them; the diagram is drawn from them."""

import dataclasses
import xml.etree.ElementTree as ET

import pytest
from django.core.management import call_command
from django.utils import translation

from emis.core.access import Role, role_may
from emis.work import declaration, diagram
from emis.work.declaration import DeclarationError, Level, State, Transition, Workflow, roles, workflow_rights

from .workflows import DOMAIN, TEST_WORKFLOW


def broken(**changes):
    fields = {f.name: getattr(TEST_WORKFLOW, f.name) for f in dataclasses.fields(TEST_WORKFLOW)}
    return Workflow(**(fields | changes))


def test_a_declaration_that_contradicts_itself_is_refused():
    t = TEST_WORKFLOW.transitions
    with pytest.raises(DeclarationError, match="unknown target state nowhere"):
        broken(transitions=(*t, Transition("x", "x", ("draft",), "nowhere", roles(Role.SCHOOL), Level.SCHOOL)))
    with pytest.raises(DeclarationError, match="leaves terminal state accepted"):
        broken(transitions=(*t, Transition("x", "x", ("accepted",), "draft", roles(Role.SCHOOL), Level.SCHOOL)))
    with pytest.raises(DeclarationError, match="no transition opens"):
        broken(transitions=t[1:])
    with pytest.raises(DeclarationError, match="unreachable"):
        broken(states=(*TEST_WORKFLOW.states, State("limbo", "limbo")))
    with pytest.raises(DeclarationError, match="duplicate transition"):
        broken(transitions=(*t, t[1]))
    with pytest.raises(DeclarationError, match="clock nope is never started"):
        broken(
            transitions=(
                *t,
                Transition("x", "x", ("draft",), "draft", roles(Role.SCHOOL), Level.SCHOOL, stops=("nope",)),
            )
        )
    with pytest.raises(DeclarationError, match="unknown document"):
        broken(documents={})


def test_rights_come_from_the_declaration(county, actors):
    rights = workflow_rights(TEST_WORKFLOW)
    assert rights[DOMAIN][Role.SCHOOL] == {"receive", "papers_in", "report"}
    assert rights[DOMAIN][Role.TOWNSHIP] == {"create", "issue", "ask_papers", "accept", "send_back"}
    # core.access reads them through the registry (the test registration in conftest).
    assert role_may(actors[Role.SCHOOL], DOMAIN, "report")
    assert not role_may(actors[Role.SCHOOL], DOMAIN, "accept")
    assert role_may(actors["section_work"], DOMAIN, "withdraw")
    assert not role_may(actors[Role.SECTION], DOMAIN, "withdraw")  # not a domain on this 股室 account


def test_available_from_a_state():
    assert [t.name for t in TEST_WORKFLOW.available("reported")] == ["accept", "send_back", "withdraw"]
    assert TEST_WORKFLOW.available("accepted") == ()


def test_the_registry_of_workflows():
    assert declaration.get("worktest_rectification") is TEST_WORKFLOW
    with pytest.raises(LookupError):
        declaration.get("nope")


def test_the_svg_diagram_shows_every_state_and_transition():
    with translation.override("zh-hans"):
        drawing = diagram.svg(TEST_WORKFLOW)
    root = ET.fromstring(drawing)  # well-formed XML
    ns = {"s": "http://www.w3.org/2000/svg"}
    states = {g.get("data-state") for g in root.iterfind(".//s:g[@class='work-state']", ns)}
    assert states == TEST_WORKFLOW.state_codes
    drawn = [p.get("data-transition") for p in root.iterfind(".//s:path[@class='work-transition']", ns)]
    # One arrow per (source, transition); the opening one from the start dot.
    assert sorted(drawn) == sorted(t.name for t in TEST_WORKFLOW.transitions for _ in (t.sources or ("start",)))
    texts = {t.text for t in root.iter("{http://www.w3.org/2000/svg}text")}
    assert {"草稿", "已验收", "退回重改", "要求补正"} <= texts


def test_the_diagram_escapes_labels():
    workflow = Workflow(
        code="x",
        label="<x>",
        domain="x",
        states=(State("a", "A & <b>"), State("b", "B", terminal=True)),
        transitions=(
            Transition("open", "开<", (), "a", roles(Role.ADMIN), Level.COUNTY),
            Transition("go", "走&", ("a",), "b", roles(Role.ADMIN), Level.COUNTY),
        ),
    )
    root = ET.fromstring(diagram.svg(workflow))
    assert "A & <b>" in {t.text for t in root.iter("{http://www.w3.org/2000/svg}text")}


def test_mermaid_text():
    with translation.override("zh-hans"):
        text = diagram.mermaid(TEST_WORKFLOW)
    assert text.startswith("stateDiagram-v2\n")
    assert "    [*] --> draft: 起草" in text
    assert "    reported --> rectifying: 退回重改" in text
    assert "    accepted --> [*]" in text


def test_the_diagram_command(capsys):
    call_command("work_diagram", "worktest_rectification", "--format", "mermaid")
    assert "stateDiagram-v2" in capsys.readouterr().out
    call_command("work_diagram", "worktest_rectification")
    assert capsys.readouterr().out.startswith("<svg")
