import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from emis.core.tables import BaseTable

from .models import IndicatorSnapshot, PlanTarget


class PlanTargetTable(BaseTable):
    indicator = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = PlanTarget
        fields = ("division_code", "plan_name", "indicator", "baseline_year", "target_year", "comparator", "value")


class IndicatorSnapshotTable(BaseTable):
    school_year = tables.Column(linkify=True)
    created_at = tables.DateTimeColumn(verbose_name=_("发布时间"), format="Y-m-d H:i")

    class Meta(BaseTable.Meta):
        model = IndicatorSnapshot
        fields = ("school_year", "division_code", "version", "published_by", "created_at")
