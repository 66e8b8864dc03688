from django.utils.translation import gettext_lazy as _

from emis.core import access
from emis.core.views import ModelUI

from . import filtersets, forms, models, tables


class StaffUI(ModelUI):
    model = models.Staff
    id_lookup_fields = ("id_number",)
    namespace = "staff"
    filterset_class = filtersets.StaffFilterSet
    table_class = tables.StaffTable
    form_class = forms.StaffForm
    select_related = ("post_school", "post_school__township")
    detail_fields = (
        "name",
        "gender",
        "birth_date",
        "id_number",
        "post_school",
        "establishment",
        "subject",
        "title",
        "qualification",
        "is_active",
    )
    related = (
        (
            _("任职经历"),
            lambda obj, user: obj.postings.for_user(user).select_related("staff", "school"),
            tables.PostingTable,
        ),
    )

    @staticmethod
    def export_columns(user):
        return [
            (_("身份证件号"), lambda o: access.display_id(user, o.id_number)),
            (_("姓名"), lambda o: o.name),
            (_("性别"), lambda o: o.get_gender_display()),
            (_("出生日期"), lambda o: o.birth_date),
            (_("学校标识码"), lambda o: o.post_school.code),
            (_("任职学校"), lambda o: o.post_school.name),
            (_("编制类型"), lambda o: o.get_establishment_display()),
            (_("任教学科"), lambda o: o.subject),
            (_("专业技术职务"), lambda o: o.get_title_display()),
            (_("最高学历"), lambda o: o.get_qualification_display()),
        ]


class PostingUI(ModelUI):
    model = models.Posting
    namespace = "staff"
    filterset_class = filtersets.PostingFilterSet
    table_class = tables.PostingTable
    form_class = forms.PostingForm
    select_related = ("staff", "school")
    detail_fields = ("staff", "school", "kind", "start_date", "end_date", "note")

    @staticmethod
    def export_columns(user):
        return [
            (_("姓名"), lambda o: o.staff.name),
            (_("学校"), lambda o: o.school.name),
            (_("类型"), lambda o: o.get_kind_display()),
            (_("开始日期"), lambda o: o.start_date),
            (_("结束日期"), lambda o: o.end_date),
        ]
