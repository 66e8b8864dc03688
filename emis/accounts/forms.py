from django import forms
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from emis.core.access import Domain, Role, domain_choices
from emis.core.forms import ScopedModelForm

from .models import User


def writable_domains() -> list[tuple[str, str]]:
    """The domains a 股室 account may be given: every domain (apps' own included) but the audit log and accounts."""
    return [(code, label) for code, label in domain_choices() if code not in (Domain.AUDIT, Domain.ACCOUNTS)]


class UserForm(ScopedModelForm):
    domains = forms.MultipleChoiceField(
        label=_("负责业务"),
        choices=writable_domains,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("仅对股室人员生效。"),
    )
    new_password = forms.CharField(
        label=_("设置密码"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("新增用户时必填；编辑时留空表示不修改。"),
    )

    class Meta:
        model = User
        fields = ("username", "display_name", "role", "domains", "divisions", "schools", "is_active")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["domains"].widget.attrs.pop("class", None)

    def clean_new_password(self):
        password = self.cleaned_data.get("new_password")
        if not password and self.instance.pk is None:
            raise forms.ValidationError(_("新增用户必须设置密码。"))
        if password:
            validate_password(password, self.instance)
        return password

    def clean(self):
        cleaned = super().clean()
        role = cleaned.get("role")
        divisions, schools = cleaned.get("divisions"), cleaned.get("schools")
        if role in (Role.PROVINCE, Role.CITY, Role.LEADER, Role.SECTION, Role.TOWNSHIP) and not divisions:
            self.add_error("divisions", _("该角色必须指定管辖区划。"))
        if role in (Role.SCHOOL, Role.INSPECTOR) and not schools:
            self.add_error("schools", _("该角色必须指定管辖学校。"))
        return cleaned

    def save(self, commit=True):
        user = super().save(commit=False)
        if self.cleaned_data.get("new_password"):
            user.set_password(self.cleaned_data["new_password"])
        user.is_superuser = user.role == Role.ADMIN
        if commit:  # the page saves through UserUI.save (commit=False), then the scopes (save_m2m)
            user.save()
            self.save_m2m()
        return user
