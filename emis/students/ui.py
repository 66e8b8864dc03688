from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from emis.common.idnumbers import student_no_warning
from emis.core import access
from emis.core.views import ModelUI

from . import filtersets, forms, models, services, tables
from .choices import ON_ROLL_STATUSES
from .selectors import roll_year, with_year_place


def class_size_annotation():
    """Class size counted from current on-roll enrolments (never typed twice)."""
    return Count("enrollments", filter=Q(enrollments__is_current=True, enrollments__status__in=ON_ROLL_STATUSES))


def rollchange_link(user, obj, url_name: str, label) -> list[tuple]:
    """[(label, url)] of a roll-change page for a user who may change the row, else []."""
    if access.role_may(user, models.Student.domain, access.CHANGE) and (
        type(obj).objects.for_user(user, access.CHANGE).filter(pk=obj.pk).exists()
    ):
        return [(label, reverse(url_name, args=[obj.pk]))]
    return []


class StudentUI(ModelUI):
    model = models.Student
    id_lookup_fields = ("id_number", "student_no")
    namespace = "students"
    filterset_class = filtersets.StudentFilterSet
    table_class = tables.StudentTable
    form_class = forms.StudentForm
    select_related = ("current_school", "current_school__township", "hukou_township", "hukou_village")
    detail_fields = (
        "name",
        "gender",
        "birth_date",
        "id_number",
        "student_no",
        "current_school",
        "hukou_township",
        "hukou_village",
        "boarder",
        "poverty_family",
        "disabled",
        "left_behind",
        "migrant",
    )
    related = (
        (
            _("学籍记录"),
            lambda obj, user: obj.enrollments.for_user(user).select_related(
                "student", "school", "school_year", "school_class"
            ),
            tables.EnrollmentTable,
        ),
    )

    @classmethod
    def detail_links(cls, obj, user):
        # The guided roll changes (rollchange_views): a link for those who may change the pupil.
        return rollchange_link(user, obj, "students:student_rollchange", _("办理学籍异动"))

    @classmethod
    def queryset(cls, user, action=access.VIEW):
        # This school year's grade and class, and whether the pupil still belongs to a school (a former pupil's
        # 当前学校 shows empty): emis.students.selectors.with_year_place.
        return with_year_place(super().queryset(user, action), school_year=roll_year())

    @classmethod
    def detail_field(cls, obj, name, user):
        field = super().detail_field(obj, name, user)
        if name == "current_school" and not getattr(obj, "at_school", True):
            field.update(value=None, link=None)
        return field

    @classmethod
    def warnings(cls, obj, user):
        warning = student_no_warning(obj.student_no, obj.id_number)
        return [warning] if warning else []

    @staticmethod
    def export_columns(user):
        return [
            (_("姓名"), lambda o: o.name),
            (_("性别"), lambda o: o.get_gender_display()),
            (_("出生日期"), lambda o: o.birth_date),
            (_("身份证件号"), lambda o: access.display_id(user, o.id_number)),
            (_("全国学籍号"), lambda o: access.display_id(user, o.student_no)),
            (_("学校标识码"), lambda o: o.current_school.code if o.current_school else ""),
            (_("当前学校"), lambda o: o.current_school.name if o.current_school else ""),
            (_("户籍乡镇"), lambda o: o.hukou_township.name if o.hukou_township else ""),
            (_("是否寄宿"), lambda o: o.boarder),
            (_("是否脱贫家庭"), lambda o: o.poverty_family),
            (_("是否残疾"), lambda o: o.disabled),
        ]


class SchoolClassUI(ModelUI):
    model = models.SchoolClass
    namespace = "students"
    filterset_class = filtersets.SchoolClassFilterSet
    table_class = tables.SchoolClassTable
    form_class = forms.SchoolClassForm
    select_related = ("school", "school_year")
    detail_fields = ("school", "school_year", "grade", "name", "head_teacher")
    related = (
        (
            _("学生"),
            lambda obj, user: (
                obj.enrollments.for_user(user)
                .filter(is_current=True)
                .select_related("student", "school", "school_year", "school_class")
                .order_by("student__name_sort", "student__name", "student_id")
            ),
            tables.EnrollmentTable,
        ),
    )
    related_per_page = 100  # a class on one page (the largest classes hold some 70 pupils)

    @classmethod
    def detail_links(cls, obj, user):
        return [
            *rollchange_link(user, obj, "students:class_rollchange", _("整班异动")),
            (_("打印花名册"), reverse("students:schoolclass_roster", args=[obj.pk])),
            (_("花名册 Excel"), reverse("students:schoolclass_roster_xlsx", args=[obj.pk])),
            (_("在学生列表中查看"), f"{reverse('students:student_list')}?roll=&school_class={obj.pk}"),
        ]

    @classmethod
    def queryset(cls, user, action=access.VIEW):
        return super().queryset(user, action).annotate(size=class_size_annotation())

    @staticmethod
    def export_columns(user):
        return [
            (_("学年"), lambda o: str(o.school_year)),
            (_("学校标识码"), lambda o: o.school.code),
            (_("学校名称"), lambda o: o.school.name),
            (_("年级"), lambda o: o.get_grade_display()),
            (_("班级"), lambda o: o.name),
            (_("班额"), lambda o: o.size),
        ]


class EnrollmentUI(ModelUI):
    model = models.Enrollment
    id_lookup_fields = ("student__id_number", "student__student_no")
    namespace = "students"
    filterset_class = filtersets.EnrollmentFilterSet
    table_class = tables.EnrollmentTable
    form_class = forms.EnrollmentForm
    select_related = ("student", "school", "school_year", "school_class")
    detail_fields = (
        "student",
        "school",
        "school_year",
        "grade",
        "level",
        "school_class",
        "status",
        "status_date",
        "is_current",
        "note",
    )

    @classmethod
    def save(cls, obj, user):
        # A status change closes the enrolment and opens a new one; the pupil's current school follows.
        return services.enrollment_save(enrollment=obj)

    @staticmethod
    def export_columns(user):
        return [
            (_("学年"), lambda o: str(o.school_year)),
            (_("姓名"), lambda o: o.student.name),
            (_("身份证件号"), lambda o: access.display_id(user, o.student.id_number)),
            (_("全国学籍号"), lambda o: access.display_id(user, o.student.student_no)),
            (_("学校标识码"), lambda o: o.school.code),
            (_("学校名称"), lambda o: o.school.name),
            (_("年级"), lambda o: o.get_grade_display()),
            (_("班级"), lambda o: o.school_class.name if o.school_class else ""),
            (_("学籍状态"), lambda o: o.get_status_display()),
            (_("状态日期"), lambda o: o.status_date),
        ]
