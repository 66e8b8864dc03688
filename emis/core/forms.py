"""Form helpers: scope-restricted choices and Bootstrap styling."""

from django import forms

from .access import VIEW


def restrict_form_fields(form: forms.BaseForm, user) -> None:
    """Narrow every model-choice field to the rows the user may see (NetBox's restrict_form_fields)."""
    for field in form.fields.values():
        queryset = getattr(field, "queryset", None)
        if queryset is not None and hasattr(queryset, "for_user"):
            field.queryset = queryset.for_user(user, VIEW)


def style_form(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
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
