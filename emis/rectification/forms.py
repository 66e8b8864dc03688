"""The notice's forms: the draft (its header and its findings), an extra finding, the school's answer per item
(text and camera photos) and the issuer's verdict per item. Rules are the services'; these only collect values."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from emis.core.forms import style_form
from emis.core.pickers import use_picker
from emis.orgs.models import School
from emis.work.actions import MultipleFileField

from .models import Severity


def _photo_field(label, *, required=False) -> forms.FileField:
    # A phone opens its camera (capture); the server checks the content (emis.work.attachments.sniff).
    return forms.FileField(
        label=label,
        required=required,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )


class NoticeForm(forms.Form):
    school = forms.ModelChoiceField(queryset=School.objects.none(), label=_("整改单位"), empty_label=_("请选择"))
    title = forms.CharField(label=_("通知事由"), max_length=200, help_text=_("如：2022年春季开学工作专项督查。"))
    inspected_on = forms.DateField(label=_("督查日期"), widget=forms.DateInput(attrs={"type": "date"}))
    basis = forms.CharField(label=_("督查情况"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    days = forms.IntegerField(label=_("整改期限（工作日）"), min_value=1, max_value=250, initial=20)
    responsible = forms.CharField(label=_("整改责任人"), max_length=50)
    responsible_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["school"].queryset = School.objects.for_user(user).select_related("township").order_by("code")
        use_picker(self.fields["school"])  # typed, not a dropdown of the county's schools
        style_form(self)


class ItemForm(forms.Form):
    severity = forms.ChoiceField(label=_("严重程度"), choices=Severity.choices, required=False)
    finding = forms.CharField(label=_("存在问题"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    requirement = forms.CharField(label=_("整改要求"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    photo = _photo_field(_("问题照片"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


class BaseItemFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if not any(form.cleaned_data.get("finding") for form in self.forms if hasattr(form, "cleaned_data")):
            raise forms.ValidationError(_("整改通知书至少须列出一项存在问题。"))


ItemFormSet = forms.formset_factory(ItemForm, formset=BaseItemFormSet, extra=3, max_num=30)


class ReportForm(forms.Form):
    """One answer and photos per item still open; ``answer_<id>``, ``photos_<id>``."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    comment = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            self.fields[f"answer_{item.pk}"] = forms.CharField(
                label=_("整改情况"), required=False, initial=item.answer, widget=forms.Textarea(attrs={"rows": 2})
            )
            self.fields[f"photos_{item.pk}"] = MultipleFileField(label=_("整改后照片"), required=False, camera=True)
        style_form(self)

    def rows(self):
        return [(item, self[f"answer_{item.pk}"], self[f"photos_{item.pk}"]) for item in self.items]

    def answers(self) -> dict:
        data = self.cleaned_data
        return {
            item.pk: {"answer": data.get(f"answer_{item.pk}", ""), "photos": data.get(f"photos_{item.pk}") or []}
            for item in self.items
        }


VERDICTS = (("yes", _("已整改到位")), ("no", _("未整改到位")))


class VerifyForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    comment = forms.CharField(label=_("验收意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    days = forms.IntegerField(
        label=_("重新整改期限（工作日）"), min_value=1, max_value=250, required=False, help_text=_("退回重改时适用。")
    )

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            self.fields[f"verdict_{item.pk}"] = forms.ChoiceField(
                label=_("验收结论"), choices=VERDICTS, widget=forms.RadioSelect, required=False
            )
            self.fields[f"note_{item.pk}"] = forms.CharField(label=_("原因"), required=False)
        style_form(self)
        for item in self.items:
            self.fields[f"verdict_{item.pk}"].widget.attrs["class"] = "form-check-input"

    def rows(self):
        return [(item, self[f"verdict_{item.pk}"], self[f"note_{item.pk}"]) for item in self.items]

    def verdicts(self) -> dict:
        data = self.cleaned_data
        found = {}
        for item in self.items:
            choice = data.get(f"verdict_{item.pk}")
            found[item.pk] = {
                "accepted": None if not choice else choice == "yes",
                "note": data.get(f"note_{item.pk}", ""),
            }
        return found


class ReasonForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(label=_("撤销原因"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)
