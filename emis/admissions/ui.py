from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from emis.core import access
from emis.core.views import ModelUI
from emis.orgs.tables import DivisionTable

from . import filtersets, forms, models, tables


class CatchmentZoneUI(ModelUI):
    model = models.CatchmentZone
    oversight = True  # planned by the county for its townships; schools read theirs on their own pages
    namespace = "admissions"
    filterset_class = filtersets.CatchmentZoneFilterSet
    table_class = tables.CatchmentZoneTable
    form_class = forms.CatchmentZoneForm
    select_related = ("school_year", "township", "primary_school", "junior_school")
    detail_fields = ("school_year", "name", "township", "primary_school", "junior_school", "note")
    related = (
        (_("包含村/社区"), lambda obj, user: obj.villages.for_user(user).select_related("parent"), DivisionTable),
    )

    @classmethod
    def queryset(cls, user, action: str = access.VIEW):
        return super().queryset(user, action).annotate(village_count=Count("villages", distinct=True))

    @staticmethod
    def export_columns(user):
        return [
            (_("学年"), lambda o: str(o.school_year)),
            (_("片区名称"), lambda o: o.name),
            (_("所在乡镇"), lambda o: o.township.name),
            (_("村/社区数"), lambda o: o.village_count),
            (_("对口小学"), lambda o: o.primary_school.name if o.primary_school else ""),
            (_("对口初中"), lambda o: o.junior_school.name if o.junior_school else ""),
            (_("备注"), lambda o: o.note),
        ]


class EntryPlanUI(ModelUI):
    model = models.EntryPlan
    oversight = True
    namespace = "admissions"
    filterset_class = filtersets.EntryPlanFilterSet
    table_class = tables.EntryPlanTable
    form_class = forms.EntryPlanForm
    select_related = ("school_year", "school", "school__township")
    detail_fields = ("school_year", "school", "level", "classes", "class_size")

    @staticmethod
    def export_columns(user):
        return [
            (_("学年"), lambda o: str(o.school_year)),
            (_("学校标识码"), lambda o: o.school.code),
            (_("学校名称"), lambda o: o.school.name),
            (_("招生年级"), lambda o: o.get_level_display()),
            (_("计划班数"), lambda o: o.classes),
            (_("标准班额"), lambda o: o.standard_size),
            (_("计划学位"), lambda o: o.capacity),
        ]


class CatchmentExceptionUI(ModelUI):
    model = models.CatchmentException
    oversight = True
    id_lookup_fields = ("id_number",)
    namespace = "admissions"
    filterset_class = filtersets.CatchmentExceptionFilterSet
    table_class = tables.CatchmentExceptionTable
    form_class = forms.CatchmentExceptionForm
    select_related = ("school_year", "school", "school__township")
    detail_fields = ("school_year", "level", "name", "id_number", "reason", "school", "note")

    @staticmethod
    def export_columns(user):
        return [
            (_("学年"), lambda o: str(o.school_year)),
            (_("招生年级"), lambda o: o.get_level_display()),
            (_("姓名"), lambda o: o.name),
            (_("身份证件号"), lambda o: access.display_id(user, o.id_number)),
            (_("原因"), lambda o: o.get_reason_display()),
            (_("安排学校"), lambda o: o.school.name),
            (_("依据与说明"), lambda o: o.note),
        ]
