from django import forms
from django.utils.translation import gettext as _

from emis.core.forms import ScopedModelForm
from emis.orgs.choices import DivisionLevel

from .models import CatchmentException, CatchmentZone, EntryPlan


class CatchmentZoneForm(ScopedModelForm):
    class Meta:
        model = CatchmentZone
        fields = ("school_year", "name", "township", "villages", "primary_school", "junior_school", "note")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = self.fields["township"].queryset.filter(level=DivisionLevel.TOWNSHIP)
        self.fields["villages"].queryset = self.fields["villages"].queryset.filter(level=DivisionLevel.VILLAGE)
        self.fields["villages"].widget.attrs["size"] = 10

    def clean(self):
        """A village belongs to its zone's township and to one zone a year (rules across rows)."""
        cleaned = super().clean()
        township, villages, year = cleaned.get("township"), cleaned.get("villages"), cleaned.get("school_year")
        if township and villages:
            strays = [v.name for v in villages if v.parent_id != township.pk]
            if strays:
                self.add_error("villages", _("以下村/社区不属于所选乡镇：{names}。").format(names="、".join(strays)))
        if year and villages:
            taken = (
                CatchmentZone.objects.filter(school_year=year, villages__in=villages)
                .exclude(pk=self.instance.pk)
                .values_list("villages__name", "name")
            )
            clashes = sorted(
                {f"{village}（{zone}）" for village, zone in taken if village in {v.name for v in villages}}
            )
            if clashes:
                self.add_error(
                    "villages", _("以下村/社区本学年已划入其他片区：{names}。").format(names="、".join(clashes))
                )
        return cleaned


class EntryPlanForm(ScopedModelForm):
    class Meta:
        model = EntryPlan
        fields = ("school_year", "school", "level", "classes", "class_size")


class CatchmentExceptionForm(ScopedModelForm):
    class Meta:
        model = CatchmentException
        fields = ("school_year", "level", "id_number", "name", "reason", "school", "note")
        widgets = {"id_number": forms.TextInput(attrs={"autocomplete": "off"})}
