"""Cases that move through a declared workflow, their timeline of steps, their deadline clocks, their evidence, and
the administrator's additions to the official working-day calendar."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from emis.core.access import ScopeSpec
from emis.core.files import upload_storage
from emis.core.models import RegistryModel, ScopedQuerySet

from . import declaration
from .declaration import DayUnit, Level

# Cases are read by scope alone (every role views what lies in its scope); nobody writes them through generic
# pages: every write is a transition of emis.work.services, whose rights are the workflow's own domain.
WORK_DOMAIN = "work"

CASE_SCOPE = ScopeSpec(school_paths=("school_id",), division_paths=("division_code",))


class Urgency(models.TextChoices):
    NORMAL = "normal", _("正常")
    DUE_SOON = "due_soon", _("即将到期")
    OVERDUE = "overdue", _("已逾期")


class ClockState(models.TextChoices):
    RUNNING = "running", _("计时中")
    PAUSED = "paused", _("已暂停")
    STOPPED = "stopped", _("已停止")


class Case(RegistryModel):
    """One matter moving through a declared workflow (办件): a 整改 notice, a 劝返 case, an aid roll.

    ``school`` / ``division_code`` file the case in the scope tree (a school's case: its school and township; a
    township's or the county's own case: that division), so ``Case.objects.for_user`` works like every registry
    model. ``version`` grows with each step: a step is taken only against the version its actor saw.

    The deadline columns (due_on ... escalated_to) repeat the soonest unstopped clock, so that the inbox sorts and
    the sweep marks a million cases with plain indexed SQL on this one table.
    """

    domain = WORK_DOMAIN
    scope = CASE_SCOPE
    audit_exclude = ("created_at", "updated_at", "version")

    workflow = models.CharField(_("流程"), max_length=64, db_index=True)
    title = models.CharField(_("事项"), max_length=200)
    state = models.CharField(_("状态"), max_length=32)
    version = models.PositiveIntegerField(_("版本"), default=0, editable=False)
    level = models.CharField(_("责任层级"), max_length=16, choices=Level.choices)
    school = models.ForeignKey(
        "orgs.School", verbose_name=_("学校"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    division_code = models.CharField(_("所属区划"), max_length=12, db_index=True)
    # The township's and the county's codes (prefixes of division_code): "answers at the township level" is "covers
    # township_code" (emis.work.scope), the same as SQL on these columns.
    township_code = models.CharField(_("所属乡镇"), max_length=9, blank=True, editable=False)
    county_code = models.CharField(_("所属县"), max_length=6, blank=True, editable=False)
    # The subject (a notice, a student, an aid roll) when it is a row of another app; a workflow may instead keep
    # its own model with a one-to-one link to the case.
    subject_type = models.ForeignKey(
        ContentType, verbose_name=_("对象类型"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject_id = models.BigIntegerField(_("对象编号"), null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    data = models.JSONField(_("填报内容"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    due_on = models.DateField(_("期限"), null=True, blank=True)
    due_soon_on = models.DateField(_("提醒日期"), null=True, blank=True)
    clock_paused = models.BooleanField(_("计时暂停"), default=False)
    urgency = models.CharField(_("时限状态"), max_length=16, choices=Urgency.choices, default=Urgency.NORMAL)
    escalated_to = models.CharField(_("已升级至"), max_length=16, choices=Level.choices, blank=True)
    escalated_on = models.DateField(_("升级日期"), null=True, blank=True)
    escalate_on = models.DateField(_("再次升级日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("办件")
        verbose_name_plural = _("办件")
        ordering = ("-id",)
        indexes = [
            models.Index(fields=("workflow", "state"), name="work_case_workflow_state_idx"),
            # The sweep and the inbox read open cases by due date only.
            models.Index(fields=("due_on",), name="work_case_due_idx", condition=Q(due_on__isnull=False)),
            # The 待办 page's order (due date, NULLs last: PostgreSQL's ascending default, then id): a county account,
            # for whom most open cases wait, reads its page of 25 off this index instead of sorting them all.
            models.Index(fields=("due_on", "id"), name="work_case_due_id_idx", condition=Q(closed_at__isnull=True)),
            models.Index(fields=("school", "due_on"), name="work_case_school_due_idx"),
            models.Index(fields=("division_code",), name="work_case_division_idx", opclasses=("varchar_pattern_ops",)),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("work:case_detail", args=[self.pk])

    @classmethod
    def history_value(cls, name: str, value):
        """A case's change history in words (core.views.history_rows): the workflow's name, a state's label and the
        filled-in values under their labels, read from the declared workflows (a state code means the same in
        each)."""
        workflows = declaration.all_workflows()
        if name == "workflow":
            return next((str(w.label) for w in workflows if w.code == value), value)
        if name == "state":
            labels = {state.code: state.label for w in workflows for state in w.states}
            return str(labels.get(value, value))
        if name == "data" and isinstance(value, dict):
            labels = {key: label for w in workflows for t in w.transitions for key, label in t.field_labels.items()}
            return "；".join(f"{labels.get(key, key)}：{item}" for key, item in value.items())
        return NotImplemented

    @property
    def workflow_declaration(self) -> declaration.Workflow:
        return declaration.get(self.workflow)

    @property
    def state_label(self):
        return declaration.get(self.workflow).state_label(self.state)


class CaseAssignee(models.Model):
    """A user a workflow names on a case (a 劝返 case's 班主任 or 村干部, say): the case is in their 待办 while it is
    open and in their scope, whichever step it waits for and whoever may take it (``selectors.waiting_for``). Set
    by the app that names them, through ``services.case_assign``."""

    domain = WORK_DOMAIN
    scope = ScopeSpec(school_paths=("case__school_id",), division_paths=("case__division_code",))

    case = models.ForeignKey(Case, verbose_name=_("办件"), on_delete=models.CASCADE, related_name="assignees")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("责任人"), on_delete=models.CASCADE, related_name="case_assignments"
    )
    duty = models.CharField(_("职责"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("办件责任人")
        verbose_name_plural = _("办件责任人")
        constraints = [models.UniqueConstraint(fields=("case", "user"), name="work_caseassignee_case_user_uniq")]
        indexes = [models.Index(fields=("user", "case"), name="work_caseassignee_user_idx")]

    def __str__(self) -> str:
        return f"{self.case} {self.duty}"


class ImmutableScopedQuerySet(ScopedQuerySet):
    def update(self, **kwargs):
        raise PermissionDenied(_("办理记录不可修改。"))

    def delete(self):
        raise PermissionDenied(_("办理记录不可删除。"))


class Step(models.Model):
    """One step of a case's timeline: who took which transition when, from which state to which, with what comment
    and values. Written only by the transition service; never changed (the timeline is evidence)."""

    domain = WORK_DOMAIN
    scope = ScopeSpec(school_paths=("case__school_id",), division_paths=("case__division_code",))

    case = models.ForeignKey(Case, verbose_name=_("办件"), on_delete=models.CASCADE, related_name="steps")
    number = models.PositiveIntegerField(_("序号"))
    transition = models.CharField(_("办理环节"), max_length=64)
    from_state = models.CharField(_("原状态"), max_length=32, blank=True)
    to_state = models.CharField(_("新状态"), max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("办理人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(_("办理人姓名"), max_length=150, blank=True)
    actor_role = models.CharField(_("办理人角色"), max_length=16, blank=True)
    at = models.DateTimeField(_("办理时间"))
    on_day = models.DateField(_("办理日期"))
    comment = models.TextField(_("意见"), blank=True)
    values = models.JSONField(_("填报内容"), default=dict, blank=True, encoder=DjangoJSONEncoder)

    objects = ImmutableScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ("case", "number")
        constraints = [models.UniqueConstraint(fields=("case", "number"), name="work_step_case_number_uniq")]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.number} {self.transition}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionDenied(_("办理记录不可修改。"))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied(_("办理记录不可删除。"))


class CaseClock(models.Model):
    """A deadline of a case: started by one transition, stopped by another, paused while waiting (补正).

    ``due_on`` already includes the days the clock was paused; ``paused_days`` says how many (in the clock's unit).
    """

    domain = WORK_DOMAIN
    scope = ScopeSpec(school_paths=("case__school_id",), division_paths=("case__division_code",))

    case = models.ForeignKey(Case, verbose_name=_("办件"), on_delete=models.CASCADE, related_name="clocks")
    name = models.CharField(_("时限"), max_length=64)
    unit = models.CharField(_("计算方式"), max_length=16, choices=DayUnit.choices)
    days = models.PositiveIntegerField(_("期限天数"))
    warn = models.PositiveIntegerField(_("提前提醒天数"), default=0)
    started_on = models.DateField(_("起算日期"))
    due_on = models.DateField(_("到期日期"))
    due_soon_on = models.DateField(_("提醒日期"))
    escalate_on = models.DateField(_("再次升级日期"), null=True, blank=True)
    state = models.CharField(_("计时状态"), max_length=16, choices=ClockState.choices, default=ClockState.RUNNING)
    paused_on = models.DateField(_("暂停日期"), null=True, blank=True)
    paused_days = models.PositiveIntegerField(_("暂停天数"), default=0)
    stopped_on = models.DateField(_("停止日期"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("办理时限")
        verbose_name_plural = _("办理时限")
        ordering = ("case", "id")

    def __str__(self) -> str:
        return f"{self.name} {self.due_on}"


class AttachmentKind(models.TextChoices):
    EVIDENCE = "evidence", _("佐证材料")
    DOCUMENT = "document", _("生成文书")


class Attachment(models.Model):
    """A file on a case, or on one of its steps: evidence uploaded by an actor, or a document the system generated
    (``document`` names its kind, e.g. the rectification notice). Stored through Django's storage API
    (emis.work.attachments)."""

    domain = WORK_DOMAIN
    scope = ScopeSpec(school_paths=("case__school_id",), division_paths=("case__division_code",))

    case = models.ForeignKey(Case, verbose_name=_("办件"), on_delete=models.CASCADE, related_name="attachments")
    step = models.ForeignKey(
        Step, verbose_name=_("办理记录"), null=True, blank=True, on_delete=models.PROTECT, related_name="attachments"
    )
    kind = models.CharField(_("类别"), max_length=16, choices=AttachmentKind.choices, default=AttachmentKind.EVIDENCE)
    document = models.CharField(_("文书类型"), max_length=64, blank=True)
    name = models.CharField(_("文件名"), max_length=255)
    file = models.FileField(_("文件"), storage=upload_storage, max_length=500)  # a storage name, never a path
    thumbnail = models.FileField(_("缩略图"), storage=upload_storage, max_length=500, blank=True)
    content_type = models.CharField(_("文件类型"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("大小"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ("case", "id")

    def __str__(self) -> str:
        return self.name


class CalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", _("法定节假日（休息）")
    WORKDAY = "workday", _("调休上班日")


class CalendarDay(RegistryModel):
    """A day whose status the administrator states: a holiday (no work) or a makeup working day (调休上班), for years
    the chinesecalendar package does not know yet, or to correct it. Overrides the package for that day."""

    domain = "orgs"  # written by system administrators only, like the school-year calendar
    scope = ScopeSpec(unrestricted=True)

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类别"), max_length=16, choices=CalendarDayKind.choices)
    name = models.CharField(_("名称"), max_length=64, blank=True, help_text=_("如：国庆节、国庆节调休。"))

    class Meta:
        verbose_name = _("工作日历调整")
        verbose_name_plural = _("工作日历调整")
        ordering = ("date",)

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"

    def get_absolute_url(self) -> str:
        return reverse("work:calendarday_detail", args=[self.pk])


class CalendarYear(RegistryModel):
    """A year whose official holiday arrangement (国务院办公厅放假安排) the administrator has entered in full as
    CalendarDay rows. Only then are dates of a year beyond the package's counted; otherwise they are refused."""

    domain = "orgs"
    scope = ScopeSpec(unrestricted=True)

    year = models.PositiveIntegerField(_("年份"), unique=True)
    source = models.CharField(_("依据"), max_length=200, blank=True, help_text=_("如：国办发明电〔2026〕X号。"))

    class Meta:
        verbose_name = _("已录入年度")
        verbose_name_plural = _("已录入年度")
        ordering = ("year",)

    def __str__(self) -> str:
        return str(self.year)

    def get_absolute_url(self) -> str:
        return reverse("work:calendaryear_detail", args=[self.pk])


class DocumentNumber(models.Model):
    """A document number given out in a series and year (通教督整〔2022〕12号): one row per number, so the unique
    constraint makes two generators racing for the same number fail rather than share it (emis.work.documents
    retries with the next). Written only by ``documents.generate``; the document itself is the case's Attachment."""

    domain = WORK_DOMAIN
    scope = ScopeSpec(school_paths=("case__school_id",), division_paths=("case__division_code",))

    series = models.CharField(_("文号代字"), max_length=32)
    year = models.PositiveIntegerField(_("年份"))
    number = models.PositiveIntegerField(_("序号"))
    case = models.ForeignKey(Case, verbose_name=_("办件"), on_delete=models.CASCADE, related_name="document_numbers")
    document = models.CharField(_("文书类型"), max_length=64)
    attachment = models.OneToOneField(
        Attachment, verbose_name=_("文书"), null=True, blank=True, on_delete=models.SET_NULL, related_name="number"
    )
    issued_at = models.DateTimeField(_("编号时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("文号")
        verbose_name_plural = _("文号")
        ordering = ("series", "year", "number")
        constraints = [
            models.UniqueConstraint(fields=("series", "year", "number"), name="work_document_number_uniq"),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        return f"{self.series}〔{self.year}〕{self.number}号"


def document_template_path(instance: DocumentTemplate, filename: str) -> str:
    # The stored name says nothing of the file: its kind, county and the time of upload.
    return f"work/templates/{instance.kind}-{instance.county_code}-{timezone.now():%Y%m%d%H%M%S}.docx"


class DocumentTemplate(RegistryModel):
    """A county bureau's own Word template for one kind of document (its letterhead and wording for the 整改通知书),
    replacing the app's default for the documents of that county's cases. Uploaded and checked through
    ``emis.work.documents.template_upload``; removing the row brings the default back."""

    domain = WORK_DOMAIN
    scope = ScopeSpec(division_paths=("county_code",))

    kind = models.CharField(_("公文种类"), max_length=64)
    county_code = models.CharField(_("县（区）代码"), max_length=6)
    # The file field's value is its storage name; file_name and file_sha256 record it readably.
    file = models.FileField(_("模板文件"), storage=upload_storage, upload_to=document_template_path, max_length=255)
    file_name = models.CharField(_("上传文件名"), max_length=255)
    file_sha256 = models.CharField(_("文件指纹"), max_length=64)
    file_size = models.PositiveIntegerField(_("文件大小"))
    uploaded_at = models.DateTimeField(_("上传时间"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("上传人")
    )

    audit_exclude = ("created_at", "updated_at", "file")

    class Meta:
        verbose_name = _("公文模板")
        verbose_name_plural = _("公文模板")
        ordering = ("kind", "county_code")
        constraints = [models.UniqueConstraint(fields=("kind", "county_code"), name="work_document_template_unique")]

    def __str__(self) -> str:
        return f"{self.kind} {self.county_code}"
