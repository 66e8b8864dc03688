import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from emis.core.tables import BaseTable, IdNumberColumn

from .models import CatchmentException, CatchmentZone, EntryPlan


class CatchmentZoneTable(BaseTable):
    name = tables.Column(linkify=True)
    village_count = tables.Column(verbose_name=_("村/社区数"), orderable=False)

    class Meta(BaseTable.Meta):
        model = CatchmentZone
        fields = ("school_year", "name", "township", "village_count", "primary_school", "junior_school", "note")


class EntryPlanTable(BaseTable):
    school = tables.Column(linkify=lambda record: record.get_absolute_url())
    capacity = tables.Column(verbose_name=_("计划学位"), orderable=False)

    class Meta(BaseTable.Meta):
        model = EntryPlan
        fields = ("school_year", "school", "level", "classes", "class_size", "capacity")

    def render_class_size(self, record):
        return record.standard_size


class CatchmentExceptionTable(BaseTable):
    name = tables.Column(linkify=True)
    id_number = IdNumberColumn()

    class Meta(BaseTable.Meta):
        model = CatchmentException
        fields = ("school_year", "level", "name", "id_number", "reason", "school", "note")
