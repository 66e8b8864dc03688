from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from emis.core import access
from emis.core.views import ModelUI

from . import filtersets, forms, models, services, tables


def _name(obj):
    return str(obj) if obj is not None else ""


class DivisionUI(ModelUI):
    model = models.Division
    namespace = "orgs"
    filterset_class = filtersets.DivisionFilterSet
    table_class = tables.DivisionTable
    form_class = forms.DivisionForm
    select_related = ("parent",)
    detail_fields = ("code", "name", "level", "parent", "valid_from", "valid_to")
    related = (
        (_("下级区划"), lambda obj, user: obj.children.for_user(user), tables.DivisionTable),
        (
            _("学校"),
            lambda obj, user: obj.schools.for_user(user).select_related("township", "parent"),
            tables.SchoolTable,
        ),
    )

    @classmethod
    def list_links(cls, user):
        if not access.sees_everything(user):  # the 设立县区 page is the system administrator's
            return []
        return [(_("设立县区"), reverse("orgs:county_setup"))]

    @staticmethod
    def export_columns(user):
        return [
            (_("区划代码"), lambda o: o.code),
            (_("名称"), lambda o: o.name),
            (_("级别"), lambda o: o.get_level_display()),
            (_("上级区划代码"), lambda o: o.parent.code if o.parent else ""),
        ]


class SchoolUI(ModelUI):
    model = models.School
    namespace = "orgs"
    filterset_class = filtersets.SchoolFilterSet
    table_class = tables.SchoolTable
    form_class = forms.SchoolForm
    select_related = ("township", "parent")
    detail_fields = (
        "code",
        "name",
        "category",
        "ownership",
        "inclusive",
        "urban_rural",
        "township",
        "parent",
        "address",
        "latitude",
        "longitude",
        "capacity",
        "opened_on",
        "closed_on",
    )
    related = (
        (
            _("教学点"),
            lambda obj, user: obj.teaching_points.for_user(user).select_related("township", "parent"),
            tables.SchoolTable,
        ),
        (
            _("沿革"),
            lambda obj, user: obj.events.for_user(user).select_related("school", "other_school"),
            tables.SchoolEventTable,
        ),
    )
    # The school's classes and staff follow: the students and staff apps add them as panels (their plugin.py).

    @staticmethod
    def export_columns(user):
        return [
            (_("学校标识码"), lambda o: o.code),
            (_("学校名称"), lambda o: o.name),
            (_("办学类型"), lambda o: o.get_category_display()),
            (_("办别"), lambda o: o.get_ownership_display()),
            (_("是否普惠"), lambda o: o.inclusive),
            (_("城乡分类"), lambda o: o.get_urban_rural_display()),
            (_("所在乡镇代码"), lambda o: o.township.code),
            (_("所在乡镇"), lambda o: o.township.name),
            (_("上级学校标识码"), lambda o: o.parent.code if o.parent else ""),
            (_("学位数"), lambda o: o.capacity),
            (_("设立日期"), lambda o: o.opened_on),
            (_("停办日期"), lambda o: o.closed_on),
        ]


class SchoolEventUI(ModelUI):
    model = models.SchoolEvent
    namespace = "orgs"
    filterset_class = filtersets.SchoolEventFilterSet
    table_class = tables.SchoolEventTable
    form_class = forms.SchoolEventForm
    select_related = ("school", "school__township", "other_school")
    detail_fields = ("school", "kind", "date", "other_school", "old_name", "note")

    @classmethod
    def save(cls, obj, user):
        # An event moves the school's opening or closing date with it.
        return services.school_event_apply(event=obj)

    @staticmethod
    def export_columns(user):
        return [
            (_("学校标识码"), lambda o: o.school.code),
            (_("学校名称"), lambda o: o.school.name),
            (_("事件"), lambda o: o.get_kind_display()),
            (_("日期"), lambda o: o.date),
            (_("相关学校"), lambda o: _name(o.other_school)),
            (_("说明"), lambda o: o.note),
        ]


class SchoolYearUI(ModelUI):
    model = models.SchoolYear
    namespace = "orgs"
    filterset_class = filtersets.SchoolYearFilterSet
    table_class = tables.SchoolYearTable
    form_class = forms.SchoolYearForm
    detail_fields = ("start_year", "census_date", "is_current")

    @staticmethod
    def export_columns(user):
        return [
            (_("学年"), lambda o: str(o)),
            (_("统计时点"), lambda o: o.census_date),
            (_("当前学年"), lambda o: o.is_current),
        ]
