"""A workflow's transitions as ModelUI named actions (a thin adapter).

ModelUI's named actions (``emis.core.views.Action``: name, label, run, right, available, form_class ...) carry
the transitions. The case pages declare, on a ModelUI of a proxy of ``Case`` whose
``domain`` is the workflow's own (so ``role_may`` and ``for_user(user, transition)`` ask the workflow's rights)::

    actions = transition_actions(RECTIFICATION)

Each transition becomes one button: shown when ``services.refusal`` says the user may take it now, with a form for
what it requires (the comment, the declared fields, files, and the version the page showed), run through
``services.case_transition``.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import services
from .attachments import ACCEPT
from .declaration import Transition, Workflow


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (a phone's camera roll); cleans to a list. The accepted types are a hint to the
    browser; the server checks each file by content (emis.work.attachments.sniff)."""

    def __init__(self, *args, camera: bool = False, **kwargs):
        attrs = {"accept": "image/*", "capture": "environment"} if camera else {"accept": ACCEPT}
        kwargs.setdefault("widget", MultipleFileInput(attrs=attrs))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


def step_form_class(workflow: Workflow, transition: Transition) -> type[forms.Form]:
    """The form of one transition: the version the page showed, the declared fields, the comment, the files."""
    requires = transition.requires
    fields: dict[str, forms.Field] = {"version": forms.IntegerField(widget=forms.HiddenInput, required=False)}
    for name in requires.fields:
        fields[name] = forms.CharField(label=transition.field_labels.get(name, name), required=True)
    fields["comment"] = forms.CharField(
        label=gettext_lazy("意见"), required=requires.comment, widget=forms.Textarea(attrs={"rows": 3})
    )
    # Every step may carry evidence: photos straight from a phone's camera, or files (required ones are counted by
    # the service, with the files uploaded to the case beforehand).
    fields["photos"] = MultipleFileField(label=gettext_lazy("拍照上传"), required=False, camera=True)
    fields["files"] = MultipleFileField(label=gettext_lazy("附件"), required=False)
    return type(f"{workflow.code}_{transition.name}_form", (forms.Form,), fields)


def _runner(transition: Transition):
    def run(case, user, form) -> str:
        data = form.cleaned_data if form is not None else {}
        step = services.case_transition(
            case=case,
            transition=transition.name,
            acting_user=user,
            version=data.get("version"),
            comment=data.get("comment", ""),
            values={name: data[name] for name in transition.requires.fields if name in data},
            attachments=[*(data.get("photos") or []), *(data.get("files") or [])],
        )
        return _("已办理“{transition}”，办件现为“{state}”。").format(
            transition=transition.label, state=step.case.state_label
        )

    return run


def _available(transition: Transition):
    return lambda case, user: services.refusal(case, transition, user) is None


def action_specs(workflow: Workflow) -> list[dict]:
    """Keyword arguments of one ModelUI Action per transition that moves an existing case."""
    return [
        {
            "name": transition.name,
            "label": transition.label,
            "run": _runner(transition),
            "right": transition.name,
            "available": _available(transition),
            "form_class": step_form_class(workflow, transition),
        }
        for transition in workflow.transitions
        if not transition.opens and not transition.app_only
    ]


def transition_actions(workflow: Workflow) -> list:
    from emis.core.views import Action  # the generic views import the registry, which imports the plugins

    return [Action(**spec) for spec in action_specs(workflow)]
