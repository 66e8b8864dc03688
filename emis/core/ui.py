"""Pages of the core app: the global change log (read-only)."""

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from .audit import readable_changes
from .filtersets import ObjectChangeFilterSet
from .models import ObjectChange
from .tables import BaseTable
from .views import ModelUI


class ObjectChangeTable(BaseTable):
    time = tables.DateTimeColumn(linkify=True, format="Y-m-d H:i:s")
    content_type = tables.Column(verbose_name=_("对象类型"), accessor="model_label", orderable=False)

    class Meta(BaseTable.Meta):
        model = ObjectChange
        fields = ("time", "username", "source", "action", "content_type", "object_repr")


class ObjectChangeUI(ModelUI):
    model = ObjectChange
    namespace = "core"
    filterset_class = ObjectChangeFilterSet
    table_class = ObjectChangeTable
    form_class = None
    oversight = True  # a school's own records show on each row's page (变更记录); the log is for overseeing an area
    select_related = ("content_type",)
    # The change log is only ever read: no form, so no add/edit/delete routes.
    detail_fields = ("time", "username", "source", "request_id", "action", "content_type", "object_id", "object_repr")

    @staticmethod
    def export_columns(user):
        return [
            (_("时间"), lambda o: o.time.isoformat(timespec="seconds")),
            (_("操作人账号"), lambda o: o.username),
            (_("来源"), lambda o: o.get_source_display()),
            (_("操作"), lambda o: o.get_action_display()),
            (_("对象类型"), lambda o: o.model_label),
            (_("对象"), lambda o: o.object_repr),
            (_("变更字段"), lambda o: "、".join(sorted(o.readable_changes))),
        ]

    @staticmethod
    def export_prepare(user, changes):
        # Per chunk: the restricted models' rows and the compact creations' values are read once, not per record.
        for change, readable in zip(changes, readable_changes(user, changes), strict=True):
            change.readable_changes = readable

    @classmethod
    def detail_context(cls, obj, request) -> dict:
        from .views import change_rows

        return {"change_detail": change_rows(request.user, obj.content_type.model_class(), obj)}
