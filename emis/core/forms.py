"""Form helpers: scope-restricted choices and Bootstrap styling."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .access import VIEW


def restrict_form_fields(form: forms.BaseForm, user) -> None:
    """Narrow every model-choice field to the rows the user may see (NetBox's restrict_form_fields), and give the
    fields choosing a pupil, a staff member, a school, a class or a division the search-as-you-type picker (only
    the chosen rows are rendered; emis.core.pickers)."""
    from .pickers import use_pickers

    for field in form.fields.values():
        queryset = getattr(field, "queryset", None)
        if queryset is not None and hasattr(queryset, "for_user"):
            field.queryset = queryset.for_user(user, VIEW)
    use_pickers(form)


def style_form(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select | forms.SelectMultiple):  # the pickers' selects too
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


class ScopedModelForm(forms.ModelForm):
    """A ModelForm whose foreign-key choices come from the user's scope."""

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if user is not None:
            restrict_form_fields(self, user)
        style_form(self)
        for field in self.fields.values():
            if isinstance(field, forms.DateField):
                field.widget = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")
        choose_prompt(self)


def choose_prompt(form: forms.BaseForm) -> None:
    """A form's unset choice reads 「请选择」 (Django writes "---------"); a list filter's reads 「全部」."""
    for field in form.fields.values():
        if getattr(field, "empty_label", None) is not None:
            field.empty_label = _("请选择")
        elif type(field) is forms.TypedChoiceField or type(field) is forms.ChoiceField:
            choices = list(field.choices)
            if choices and choices[0][0] in ("", None) and str(choices[0][1]).startswith("---"):
                field.choices = [("", _("请选择")), *choices[1:]]
