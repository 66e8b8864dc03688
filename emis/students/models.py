"""Students (the person), classes, and enrolments (a student's place in a school, class and year)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from emis.common.idnumbers import validate_student_no
from emis.common.models import PersonFields
from emis.common.text import pinyin_key, pinyin_sort_key
from emis.core.access import ScopeSpec
from emis.core.fields import EncryptedCharField, HashField
from emis.core.models import RegistryModel

from .apps import DOMAIN
from .choices import GRADE_LEVEL, ON_ROLL_STATUSES, EnrollmentStatus, Grade, Level


class SchoolClass(RegistryModel):
    """A teaching class (教学班) of one grade in one school and year. Its size is counted from enrolments."""

    domain = DOMAIN
    scope = ScopeSpec(school_paths=("school_id", "school__parent_id"), division_paths=("school__township__code",))

    school = models.ForeignKey("orgs.School", verbose_name=_("学校"), on_delete=models.PROTECT, related_name="classes")
    school_year = models.ForeignKey(
        "orgs.SchoolYear", verbose_name=_("学年"), on_delete=models.PROTECT, related_name="classes"
    )
    grade = models.CharField(_("年级"), max_length=2, choices=Grade.choices)
    name = models.CharField(_("班级名称"), max_length=32)
    head_teacher = models.CharField(_("班主任"), max_length=64, blank=True, default="", db_default="")

    class Meta:
        ordering = ("school", "school_year", "grade", "name")
        verbose_name = _("班级")
        verbose_name_plural = _("班级")
        constraints = [
            models.UniqueConstraint(
                fields=("school", "school_year", "grade", "name"),
                name="students_schoolclass_unique_name",
                violation_error_message=_("该学校本学年已有同名班级。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_grade_display()}{self.name}"

    def get_absolute_url(self) -> str:
        return reverse("students:schoolclass_detail", args=[self.pk])

    @property
    def level(self) -> str:
        return GRADE_LEVEL[self.grade]


class Student(PersonFields, RegistryModel):
    """A child or young person known to the county's schools; `current_school` follows the latest enrolment."""

    domain = DOMAIN
    scope = ScopeSpec(
        school_paths=("current_school_id", "current_school__parent_id"),
        division_paths=("current_school__township__code",),
        log_division_fallback=("county_code",),
    )
    # A G- or J-prefixed 全国学籍号 is the letter plus the ID number, so it is masked like the ID number.
    sensitive_fields = ("id_number", "student_no")

    # Uniqueness as Meta constraints rather than unique=True: on PostgreSQL unique=True also builds a
    # varchar_pattern_ops index per field for LIKE, which nothing here runs (ID numbers are searched
    # exactly) and which a million-row import would maintain for nothing. Forms and the API still
    # report a duplicate with the field's own message. NULL, not "", for a missing number: many pupils
    # lack one of the two, and "" would collide under the constraint.
    id_number = EncryptedCharField(  # noqa: DJ001
        _("身份证号"), max_length=18, null=True, blank=True, hash_field="id_number_hash"
    )
    id_number_hash = HashField(_("身份证号"), source="id_number")
    student_no = EncryptedCharField(  # noqa: DJ001
        _("全国学籍号"),
        max_length=19,
        null=True,
        blank=True,
        validators=[validate_student_no],
        hash_field="student_no_hash",
    )
    student_no_hash = HashField(_("全国学籍号"), source="student_no")
    name_initials = models.CharField(_("拼音首字母"), max_length=64, blank=True, editable=False)
    # The name's full pinyin ("zhangsanfeng"), searched from the start like the initials, and its place in pinyin
    # order ("zhang1san1feng1"), the order of every pupil list: emis.common.text.
    name_pinyin = models.CharField(_("姓名拼音"), max_length=255, blank=True, editable=False, default="", db_default="")
    name_sort = models.CharField(_("拼音排序"), max_length=255, blank=True, editable=False, default="", db_default="")
    hukou_township = models.ForeignKey(
        "orgs.Division",
        verbose_name=_("户籍乡镇"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,  # references to reference tables on the big tables: see ADR 0007
    )
    hukou_village = models.ForeignKey(
        "orgs.Division",
        verbose_name=_("户籍村/社区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    boarder = models.BooleanField(_("寄宿生"), default=False)
    poverty_family = models.BooleanField(_("脱贫家庭"), default=False)
    disabled = models.BooleanField(_("残疾"), default=False)
    left_behind = models.BooleanField(_("留守儿童"), default=False)
    migrant = models.BooleanField(_("随迁子女"), default=False)
    current_school = models.ForeignKey(
        "orgs.School",
        verbose_name=_("当前学校"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="current_students",
        # students_student_school_idx (current_school, name) serves lookups by school; a second index
        # would only slow the bulk inserts of imports.
        db_index=False,
        db_constraint=False,
    )
    county_code = models.CharField(_("县级区划代码"), max_length=6, blank=True)

    # The keys refresh_search_keys derives from the name (an import's rollback restores them with the name).
    search_key_fields = ("name_initials", "name_pinyin", "name_sort")

    class Meta:
        # By pinyin, as a clerk's roster is: the same order on SQLite and PostgreSQL (ASCII keys, no collation).
        ordering = ("name_sort", "name", "id")
        verbose_name = _("学生")
        verbose_name_plural = _("学生")
        constraints = [
            models.UniqueConstraint(fields=("id_number_hash",), name="students_student_id_hash_uniq"),
            models.UniqueConstraint(fields=("student_no_hash",), name="students_student_no_hash_uniq"),
        ]
        indexes = [
            models.Index(fields=("current_school", "name"), name="students_student_school_idx"),
            # The pinyin search is a prefix match (LIKE 'zs%'): one pattern index on PostgreSQL instead of
            # db_index=True's two (plain and pattern).
            models.Index(
                fields=("name_initials",), name="students_student_initials_idx", opclasses=("varchar_pattern_ops",)
            ),
            models.Index(fields=("county_code",), name="students_student_county_idx"),
            # The lists' order: walked in order, the first page of a county's pupils needs no sort of them all.
            models.Index(fields=("name_sort", "name", "id"), name="students_student_sort_idx"),
            models.Index(
                fields=("name_pinyin",), name="students_student_pinyin_idx", opclasses=("varchar_pattern_ops",)
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("students:student_detail", args=[self.pk])

    def refresh_search_keys(self) -> None:
        super().refresh_search_keys()
        self.name_pinyin = pinyin_key(self.name)
        self.name_sort = pinyin_sort_key(self.name)

    def save(self, *args, **kwargs):
        if self.current_school_id and not self.county_code:
            self.county_code = self.current_school.township.code[:6]
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.clean_person(id_required=False)
        if not self.id_number and not self.student_no:
            raise ValidationError({"student_no": _("身份证号和全国学籍号至少填写一项。")})
        # A G 学籍号 that differs from the ID number is not refused: the 学籍号 is for life and ID numbers get
        # corrected (domain-rules 2.2); the import reports it as a warning.


class Enrollment(RegistryModel):
    """A student's enrolment in a school for a school year, with grade, class and a dated status.

    History is kept: a status change closes the row (is_current=False) and opens a new one.
    """

    domain = DOMAIN
    scope = ScopeSpec(school_paths=("school_id", "school__parent_id"), division_paths=("school__township__code",))

    student = models.ForeignKey(Student, verbose_name=_("学生"), on_delete=models.CASCADE, related_name="enrollments")
    # The composite indexes in Meta lead with school and with school_year, so neither needs its own.
    school = models.ForeignKey(
        "orgs.School",
        verbose_name=_("学校"),
        on_delete=models.PROTECT,
        related_name="enrollments",
        db_index=False,
        db_constraint=False,  # see ADR 0007
    )
    school_year = models.ForeignKey(
        "orgs.SchoolYear",
        verbose_name=_("学年"),
        on_delete=models.PROTECT,
        related_name="enrollments",
        db_index=False,
        db_constraint=False,
    )
    school_class = models.ForeignKey(
        SchoolClass,
        verbose_name=_("班级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enrollments",
        db_constraint=False,
    )
    grade = models.CharField(_("年级"), max_length=2, choices=Grade.choices)
    level = models.CharField(_("学段"), max_length=16, choices=Level.choices, editable=False)
    status = models.CharField(
        _("学籍状态"), max_length=16, choices=EnrollmentStatus.choices, default=EnrollmentStatus.ENROLLED
    )
    status_date = models.DateField(_("状态日期"))
    is_current = models.BooleanField(_("当前记录"), default=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        ordering = ("-school_year__start_year", "student", "-status_date", "-id")
        verbose_name = _("学籍记录")
        verbose_name_plural = _("学籍记录")
        indexes = [
            models.Index(fields=("school_year", "level", "status"), name="students_enr_year_level_idx"),
            models.Index(fields=("school", "school_year"), name="students_enr_school_year_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=("student", "school_year"),
                condition=Q(is_current=True),
                name="students_enrollment_one_current_per_year",
                violation_error_message=_("该学生本学年已有一条当前学籍记录。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.student} {self.school_year} {self.get_grade_display()} {self.get_status_display()}"

    def get_absolute_url(self) -> str:
        return reverse("students:enrollment_detail", args=[self.pk])

    @property
    def on_roll(self) -> bool:
        return self.status in ON_ROLL_STATUSES

    def save(self, *args, **kwargs):
        self.level = GRADE_LEVEL[self.grade]
        super().save(*args, **kwargs)

    def clean(self) -> None:
        errors = {}
        if self.school_class_id:
            if self.school_class.school_id != self.school_id:
                errors["school_class"] = _("班级不属于所选学校。")
            elif self.school_class.school_year_id != self.school_year_id:
                errors["school_class"] = _("班级不属于所选学年。")
            elif self.school_class.grade != self.grade:
                errors["school_class"] = _("班级年级与学籍年级不一致。")
        if errors:
            raise ValidationError(errors)


class RollChangeKind(models.TextChoices):
    """The guided roll changes (学籍异动), each one service in emis/students/rollchanges.py."""

    PROMOTE = "promote", _("学年升级")
    TRANSFER = "transfer", _("县内转学")
    TRANSFER_OUT = "transfer_out", _("转出县外")
    SUSPEND = "suspend", _("休学")
    RESUME = "resume", _("复学")
    DROP_OUT = "drop_out", _("辍学")


class RollChangeState(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("处理中")
    DONE = "done", _("已生效")
    FAILED = "failed", _("失败")
    UNDONE = "undone", _("已撤销")


class RollChange(RegistryModel):
    """One roll change (学籍异动) as the clerk made it: a pupil's 转学, 休学 … or a whole school's, township's or
    county's 学年升级, with the lines it wrote (RollChangeLine) so that it can be undone as one unit while nothing
    later touches those pupils. Both sides of a 转学 see it (the sending school and the receiving one)."""

    domain = DOMAIN
    scope = ScopeSpec(
        school_paths=("school_id", "school__parent_id", "to_school_id", "to_school__parent_id"),
        division_paths=("division_code", "to_division_code"),
    )

    kind = models.CharField(_("异动类型"), max_length=16, choices=RollChangeKind.choices)
    state = models.CharField(
        _("状态"), max_length=16, choices=RollChangeState.choices, default=RollChangeState.DONE, db_index=True
    )
    school_year = models.ForeignKey(
        "orgs.SchoolYear", verbose_name=_("学年"), on_delete=models.PROTECT, related_name="roll_changes"
    )
    to_school_year = models.ForeignKey(
        "orgs.SchoolYear",
        verbose_name=_("升入学年"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    school = models.ForeignKey(
        "orgs.School",
        verbose_name=_("学校"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="roll_changes",
    )
    to_school = models.ForeignKey(
        "orgs.School",
        verbose_name=_("转入学校"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="roll_changes_in",
    )
    # The area the change belongs to: the (sending) school's township, or the township or county of a 升级.
    division_code = models.CharField(_("所属区划代码"), max_length=12, blank=True)
    to_division_code = models.CharField(_("转入学校区划代码"), max_length=12, blank=True)
    area_name = models.CharField(_("范围"), max_length=100, blank=True)
    student = models.ForeignKey(
        Student,
        verbose_name=_("学生"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="roll_changes",
        db_constraint=False,
    )
    pupils = models.PositiveIntegerField(_("涉及人数"), default=0)
    date = models.DateField(_("异动日期"))
    destination_name = models.CharField(_("转入学校名称"), max_length=100, blank=True)
    destination_region = models.CharField(_("转入地区"), max_length=100, blank=True)
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    details = models.JSONField(_("明细"), default=dict, blank=True)
    # The highest enrolment id the change wrote: any later enrolment of its pupils makes it final.
    high_water = models.BigIntegerField(_("写入记录上限"), default=0, editable=False)
    finished_at = models.DateTimeField(_("生效时间"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        "accounts.User", verbose_name=_("经办人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    undone_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    undone_by = models.ForeignKey(
        "accounts.User", verbose_name=_("撤销人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.CharField(_("处理说明"), max_length=500, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = _("学籍异动")
        verbose_name_plural = _("学籍异动")
        indexes = [models.Index(fields=("division_code", "created_at"), name="students_rollchange_div_idx")]

    def __str__(self) -> str:
        who = self.student.name if self.student_id else self.area_name
        return f"{self.get_kind_display()} {who}".strip()

    def get_absolute_url(self) -> str:
        return reverse("students:rollchange_detail", args=[self.pk])


class RollChangeLine(models.Model):
    """What a roll change did to one pupil: the enrolment it closed and the one it opened (ids: the rows may be
    deleted by the undo), the grades, and the pupil's current school before. Bookkeeping for the undo, written in
    bulk beside the change-logged enrolments; not itself a registry row."""

    roll_change = models.ForeignKey(RollChange, on_delete=models.CASCADE, related_name="lines")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    outcome = models.CharField(_("结果"), max_length=16)
    from_grade = models.CharField(_("原年级"), max_length=2, blank=True, choices=Grade.choices)
    to_grade = models.CharField(_("新年级"), max_length=2, blank=True, choices=Grade.choices)
    closed_enrollment_id = models.BigIntegerField(null=True, blank=True)
    new_enrollment_id = models.BigIntegerField(null=True, blank=True)
    previous_school_id = models.BigIntegerField(null=True, blank=True)
    outside_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("异动明细")
        verbose_name_plural = _("异动明细")

    def __str__(self) -> str:
        return f"{self.roll_change_id}:{self.student_id}:{self.outcome}"
