import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from emis.core.tables import BaseTable

from .models import Division, School, SchoolEvent, SchoolYear


class DivisionTable(BaseTable):
    code = tables.Column(linkify=True)
    name = tables.Column(linkify=True)
    parent = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = Division
        fields = ("code", "name", "level", "parent", "valid_from", "valid_to")


class SchoolTable(BaseTable):
    code = tables.Column(linkify=True)
    name = tables.Column(linkify=True)
    township = tables.Column(verbose_name=_("所在乡镇"))
    parent = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = School
        fields = ("code", "name", "category", "ownership", "inclusive", "urban_rural", "township", "parent", "capacity")


class SchoolEventTable(BaseTable):
    school = tables.Column(linkify=True)
    date = tables.Column(linkify=True)
    other_school = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = SchoolEvent
        fields = ("date", "school", "kind", "other_school", "old_name", "note")


class SchoolYearTable(BaseTable):
    start_year = tables.Column(linkify=True, verbose_name=_("学年"), accessor="pk")

    class Meta(BaseTable.Meta):
        model = SchoolYear
        fields = ("start_year", "census_date", "is_current")

    def render_start_year(self, record):
        return str(record)
