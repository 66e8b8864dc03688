from django.utils.translation import gettext_lazy as _

from emis.core import access
from emis.core.views import ModelUI

from . import filtersets, forms, models, tables


class PopulationRecordUI(ModelUI):
    model = models.PopulationRecord
    namespace = "population"
    filterset_class = filtersets.PopulationRecordFilterSet
    table_class = tables.PopulationRecordTable
    form_class = forms.PopulationRecordForm
    select_related = ("school_year", "hukou_township", "hukou_village")
    detail_fields = ("school_year", "name", "gender", "birth_date", "id_number", "hukou_township", "hukou_village",
                     "source")

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
