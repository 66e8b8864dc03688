from django import forms
from django.utils.translation import gettext_lazy as _

from . import backends
from .models import NotificationSettings


class NotificationSettingsForm(forms.ModelForm):
    """The channels a user receives notifications on (the site always), the daily digest, the mobile number."""

    channels = forms.MultipleChoiceField(
        label=_("接收渠道"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("站内通知总是保留；未勾选的渠道不再发送。"),
    )

    class Meta:
        model = NotificationSettings
        fields = ("digest", "mobile")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = backends.channels()
        self.fields["channels"].choices = choices
        muted = set(self.instance.muted or [])
        self.fields["channels"].initial = [code for code, _label in choices if code not in muted]
        self.order_fields(["channels", "digest", "mobile"])

    def clean_mobile(self):
        mobile = self.cleaned_data["mobile"].strip()
        if mobile and not (mobile.isdigit() and len(mobile) == 11 and mobile.startswith("1")):
            raise forms.ValidationError(_("请输入11位手机号码。"))
        return mobile

    def save(self, commit=True):
        chosen = set(self.cleaned_data.get("channels") or [])
        self.instance.muted = [code for code, _label in backends.channels() if code not in chosen]
        return super().save(commit=commit)
