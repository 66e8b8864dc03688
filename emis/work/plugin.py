"""The work engine's contributions. This round it has no pages yet (the 待办 inbox, the case and workflow pages come
with issue 13's next round); it states where its rows hang for the access matrix.

Apps that declare workflows grant their transitions in their own plugin.py:
``rights=workflow_rights(MY_WORKFLOW)`` (emis.work.declaration).
"""

from emis.core.registry import AppRegistration, register


def case_keys(case) -> tuple[set, str]:
    """A case hangs from its school (and that school's parent, for a teaching point) and its division."""
    schools = {case.school_id, case.school.parent_id} - {None} if case.school_id else set()
    return schools, case.division_code


register(
    AppRegistration(
        app="work",
        scope_anchors={
            "work.Case": case_keys,
            "work.Step": lambda step: case_keys(step.case),
            "work.CaseClock": lambda clock: case_keys(clock.case),
            "work.Attachment": lambda attachment: case_keys(attachment.case),
        },
    )
)
