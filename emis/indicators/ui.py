from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from emis.core.views import ModelUI

from . import filtersets, forms, models, tables


class PlanTargetUI(ModelUI):
    model = models.PlanTarget
    namespace = "indicators"
    filterset_class = filtersets.PlanTargetFilterSet
    table_class = tables.PlanTargetTable
    form_class = forms.PlanTargetForm
    detail_fields = (
        "division_code",
        "plan_name",
        "indicator",
        "baseline_year",
        "target_year",
        "comparator",
        "value",
        "tolerance",
        "source",
    )

    @staticmethod
    def export_columns(user):
        return [
            (_("区划代码"), lambda o: o.division_code),
            (_("规划"), lambda o: o.plan_name),
            (_("指标代码"), lambda o: o.indicator),
            (_("指标"), lambda o: o.get_indicator_display()),
            (_("基期学年"), lambda o: o.baseline_year),
            (_("目标学年"), lambda o: o.target_year),
            (_("比较"), lambda o: o.get_comparator_display()),
            (_("目标值"), lambda o: float(o.value)),
            (_("依据"), lambda o: o.source),
        ]


class IndicatorSnapshotUI(ModelUI):
    """Read-only: snapshots are made by publishing (a POST on the dashboard), never edited."""

    model = models.IndicatorSnapshot
    namespace = "indicators"
    filterset_class = filtersets.IndicatorSnapshotFilterSet
    table_class = tables.IndicatorSnapshotTable
    form_class = None
    select_related = ("school_year", "published_by")
    detail_fields = ("school_year", "division_code", "version", "data_version", "published_by", "created_at", "note")

    @classmethod
    def detail_field(cls, obj, name: str, user) -> dict:
        field = super().detail_field(obj, name, user)
        if name == "data_version":  # "c183-e143007-…" in words: when the data it froze last changed
            field.update(label=_("数据更新于"), value=date_format(localtime(obj.data_updated_at), "Y-m-d H:i"))
        return field

    @staticmethod
    def export_columns(user):
        return [
            (_("学年"), lambda o: str(o.school_year)),
            (_("统计范围区划代码"), lambda o: o.division_code),
            (_("版本"), lambda o: o.version),
            (_("数据更新于"), lambda o: o.data_updated_at),
            (_("发布人"), lambda o: o.published_by.username if o.published_by else ""),
            (_("发布时间"), lambda o: o.created_at),
        ]
