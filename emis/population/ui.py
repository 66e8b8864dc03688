from django.utils.translation import gettext_lazy as _

from emis.core import access
from emis.core.views import ModelUI
from emis.orgs.importing import county_for

from . import filtersets, forms, models, tables


class PopulationRecordUI(ModelUI):
    model = models.PopulationRecord
    id_lookup_fields = ("id_number",)
    namespace = "population"
    filterset_class = filtersets.PopulationRecordFilterSet
    table_class = tables.PopulationRecordTable
    form_class = forms.PopulationRecordForm
    select_related = ("school_year", "hukou_township", "hukou_village")
    detail_fields = (
        "school_year",
        "name",
        "gender",
        "birth_date",
        "id_number",
        "hukou_township",
        "hukou_village",
        "source",
    )

    @staticmethod
    def export_columns(user):
        return [
            (_("身份证件号"), lambda o: access.display_id(user, o.id_number)),
            (_("姓名"), lambda o: o.name),
            (_("性别"), lambda o: o.get_gender_display()),
            (_("出生日期"), lambda o: o.birth_date),
            (_("户籍乡镇代码"), lambda o: o.hukou_township.code),
            (_("户籍村代码"), lambda o: o.hukou_village.code if o.hukou_village else ""),
            (_("来源"), lambda o: o.get_source_display()),
        ]


class OutsideEnrollmentUI(ModelUI):
    model = models.OutsideEnrollment
    id_lookup_fields = ("id_number",)
    namespace = "population"
    filterset_class = filtersets.OutsideEnrollmentFilterSet
    table_class = tables.OutsideEnrollmentTable
    form_class = forms.OutsideEnrollmentForm
    select_related = ("school_year", "hukou_township")

    @classmethod
    def save(cls, obj, user):
        """A record with a township takes its county (OutsideEnrollment.save); one without, when new, the county of
        the user entering it (as the importer files it: emis.orgs.importing.county_for)."""
        if not obj.hukou_township_id and not obj.pk:
            obj.county_code = county_for(user) or obj.county_code
        obj.save()
        return obj

    detail_fields = (
        "school_year",
        "name",
        "id_number",
        "hukou_township",
        "county_code",
        "school_name",
        "region",
        "grade",
        "verified_on",
        "note",
    )

    @staticmethod
    def export_columns(user):
        return [
            (_("身份证件号"), lambda o: access.display_id(user, o.id_number)),
            (_("姓名"), lambda o: o.name),
            (_("就读学校名称"), lambda o: o.school_name),
            (_("就读地区"), lambda o: o.region),
            (_("年级"), lambda o: o.grade),
            (_("户籍乡镇代码"), lambda o: o.hukou_township.code if o.hukou_township else ""),
            (_("核实日期"), lambda o: o.verified_on),
            (_("核实来源"), lambda o: o.note),
        ]
