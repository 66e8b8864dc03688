"""The 异动记录 (roll change history) pages: list, export and page, declared once (ModelUI). The guided actions' own
pages are in rollchange_views.py."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from emis.core import access
from emis.core.views import ModelUI

from .models import RollChange
from .rollchange_tables import RollChangeFilterSet, RollChangeTable


class RollChangeUI(ModelUI):
    model = RollChange
    namespace = "students"
    filterset_class = RollChangeFilterSet
    table_class = RollChangeTable
    select_related = (
        "student",
        "school__township",
        "to_school__township",
        "school_year",
        "to_school_year",
        "created_by",
    )
    detail_page_template = "students/rollchange_detail.html"
    fieldsets = (
        (
            None,
            (
                "kind",
                "state",
                "school_year",
                "student",
                "area_name",
                "school",
                "to_school",
                "to_school_year",
                "destination_name",
                "destination_region",
                "pupils",
                "date",
                "reason",
                "created_by",
                "created_at",
                "finished_at",
                "undone_by",
                "undone_at",
                "message",
            ),
        ),
    )

    @classmethod
    def detail_field(cls, obj, name: str, user) -> dict:
        field = super().detail_field(obj, name, user)
        if name in ("created_by", "undone_by"):
            # The user's page is the administrators'; the others read the name only.
            field["link"] = None
        return field

    @classmethod
    def list_links(cls, user) -> list[tuple[str, str]]:
        if access.role_may(user, cls.model.domain, access.CHANGE):
            return [(_("学年升级"), reverse("students:promotion"))]
        return []

    @classmethod
    def detail_context(cls, obj, request) -> dict:
        from .rollchange_views import detail_extra

        return detail_extra(obj, request)

    @staticmethod
    def export_columns(user):
        return [
            (_("办理时间"), lambda o: o.created_at.strftime("%Y-%m-%d %H:%M")),
            (_("异动类型"), lambda o: o.get_kind_display()),
            (_("学年"), lambda o: str(o.school_year)),
            (_("学生"), lambda o: o.student.name if o.student_id else ""),
            (_("范围"), lambda o: o.area_name),
            (_("学校"), lambda o: o.school.name if o.school_id else ""),
            (_("转入学校"), lambda o: o.to_school.name if o.to_school_id else o.destination_name),
            (_("转入地区"), lambda o: o.destination_region),
            (_("涉及人数"), lambda o: o.pupils),
            (_("异动日期"), lambda o: o.date),
            (_("原因"), lambda o: o.reason),
            (_("状态"), lambda o: o.get_state_display()),
            (_("经办人"), lambda o: o.created_by.get_username() if o.created_by_id else ""),
        ]
