"""The work engine's contributions. This round it has no pages yet (the 待办 inbox, the case and workflow pages come
with issue 13's next round), so it registers nothing but itself; where its rows hang is its models' ScopeSpecs.

Apps that declare workflows grant their transitions in their own plugin.py:
``rights=workflow_rights(MY_WORKFLOW)`` (emis.work.declaration).
"""

from emis.core.registry import AppRegistration, register

register(AppRegistration(app="work"))
