from django import forms
from django.utils.translation import gettext_lazy as _

from emis.common.schoolyear import parse_years
from emis.core.forms import ScopedModelForm

from .models import Division, School, SchoolEvent, SchoolYear


class DivisionForm(ScopedModelForm):
    class Meta:
        model = Division
        fields = ("code", "name", "level", "parent", "valid_from", "valid_to")


class SchoolForm(ScopedModelForm):
    class Meta:
        model = School
        fields = (
            "code",
            "name",
            "category",
            "ownership",
            "inclusive",
            "urban_rural",
            "township",
            "parent",
            "address",
            "latitude",
            "longitude",
            "capacity",
            "opened_on",
            "closed_on",
        )


class SchoolEventForm(ScopedModelForm):
    class Meta:
        model = SchoolEvent
        fields = ("school", "kind", "date", "other_school", "old_name", "note")


class SchoolYearForm(ScopedModelForm):
    class Meta:
        model = SchoolYear
        fields = ("start_year", "census_date", "is_current")


class CountySetupForm(forms.Form):
    """The 设立县区 page: what ``emis setup-county`` takes (emis.orgs.services.county_setup)."""

    code = forms.CharField(
        label=_("县级区划代码"), max_length=12, help_text=_("6位数字，如 421224（通山县）。"), strip=True
    )
    name = forms.CharField(label=_("县区名称"), max_length=64, help_text=_("如 通山县。"))
    years = forms.CharField(
        label=_("学年"),
        max_length=64,
        initial="2015-2021",
        help_text=_("学年的起始年份：2015-2021（含两端）、2020，或 2015,2018-2020。已有的学年不变。"),
    )
    current = forms.IntegerField(
        label=_("当前学年"),
        required=False,
        help_text=_("设为当前学年的起始年份，如 2020。不填：尚无当前学年时取已开始的最近一年，已有则不变。"),
    )
    city_name = forms.CharField(
        label=_("市级区划名称"), max_length=64, required=False, help_text=_("系统中尚无该市时填写，如 咸宁市。")
    )
    province_name = forms.CharField(
        label=_("省级区划名称"), max_length=64, required=False, help_text=_("不填则按国家标准，如 湖北省。")
    )

    def clean_years(self):
        text = self.cleaned_data["years"]
        try:
            years = parse_years(text)
        except ValueError as exc:
            raise forms.ValidationError(
                _("无法识别“{part}”：应写作 2015-2021、2020 或 2015,2018-2020。").format(part=exc)
            ) from None
        if not years:
            raise forms.ValidationError(_("至少填写一个学年。"))
        return years
