"""The kinds of target a campaign may inspect besides schools.

An app with inspectable subjects of its own (校外培训机构, 民办学校) registers its kind here, from its
AppConfig.ready() or plugin.py; the engine then accepts its rows as targets, files them under their division, names
and links them, and hands their findings to the kind's ``rectify`` (a school's findings go into an
emis.rectification 整改通知书)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from .models import SCHOOL_KIND


@dataclass(frozen=True)
class TargetKind:
    code: str
    label: Any
    model: type
    division_code_of: Callable[[Any], str]
    name_of: Callable[[Any], str]
    # rectify(inspection, findings, acting_user) -> the work Case of the notice it opened (None: nothing opened).
    rectify: Callable[..., Any] | None = None
    url_of: Callable[[Any], str] | None = None
    # queryset_for(user) -> the kind's rows in the user's scope: the campaign page adds them all (in the townships
    # chosen) when the checklist is of this kind.
    queryset_for: Callable[[Any], Any] | None = None


_KINDS: dict[str, TargetKind] = {}


def register_target_kind(kind: TargetKind) -> TargetKind:
    if kind.code == SCHOOL_KIND:
        raise ValueError("the school kind is the engine's own")
    _KINDS[kind.code] = kind
    return kind


def target_kind(code: str) -> TargetKind | None:
    return _KINDS.get(code)


def kind_of(obj) -> str:
    """The kind code of a target object: "school" for an orgs.School, else the registered kind of its model."""
    from emis.orgs.models import School

    if isinstance(obj, School):
        return SCHOOL_KIND
    for kind in _KINDS.values():
        if isinstance(obj, kind.model):
            return kind.code
    raise ValueError(f"{type(obj).__name__} is not a registered inspection target kind")


def kinds() -> dict[str, TargetKind]:
    return dict(_KINDS)


def kind_choices() -> list[tuple[str, Any]]:
    return [(SCHOOL_KIND, _("学校"))] + [(kind.code, kind.label) for kind in _KINDS.values()]


def kind_label(code: str):
    if code == SCHOOL_KIND:
        return _("学校")
    kind = _KINDS.get(code)
    return kind.label if kind else code
