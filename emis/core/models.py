"""Base models with no domain: scoped querysets, the change log and named audit events."""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from . import access
from .files import delete_with_rows, upload_storage


class ScopedQuerySet(models.QuerySet):
    """The only way views, forms, exports, the API, reports and tasks read scoped rows."""

    def for_user(self, user, action: str = access.VIEW) -> ScopedQuerySet:
        condition = access.scope_filter(user, self.model, action)
        if condition is None:
            return self.all()
        return self.filter(condition)


class ChangeLogged:
    """Marker for models whose every save and delete writes an ObjectChange (see emis.core.audit).

    Declares `audit_exclude` (fields never diffed, e.g. password hashes). Its records are filed under the school
    and division its `scope` declaration reaches (access.filed_under; no scope: under none).
    """

    audit_exclude: tuple[str, ...] = ()
    sensitive_fields: tuple[str, ...] = ()

    @classmethod
    def change_log_restriction(cls, user) -> tuple[frozenset[str], Q] | None:
        """(fields, rows): values of these fields of the rows matching ``rows`` are not yet the user's to read.

        For values a reader in scope may not see on the record itself until something happens (中考 results
        before the round is published). The change log then leaves the values out (emis.core.audit.readable_changes)
        and drops the update records that change them (ChangeLogQuerySet.for_user), because even the existence
        of such a record tells the value (only admitted applicants get one when a round is solved).
        None: the user may read every value of the model's change records.
        """
        return None


class RegistryModel(ChangeLogged, models.Model):
    """A row of the county registry: scoped, timestamped and change-logged.

    Subclasses declare `domain` (who may write it), `scope` (how its rows hang from divisions and schools: read by
    `for_user`, the change log, the importers and the access matrix alike) and `sensitive_fields` (values masked for
    roles that may not see ID numbers).
    """

    domain: str  # declared by every subclass: the app's own code (its apps.DOMAIN)
    scope: access.ScopeSpec | None = None
    sensitive_fields: tuple[str, ...] = ()
    audit_exclude: tuple[str, ...] = ("created_at", "updated_at")

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            # A saved ID number brings its hash along (QuerySet.update() does not: see fields.with_hashes).
            from .fields import encrypted_fields

            names = set(update_fields)
            kwargs["update_fields"] = names | {
                f.hash_field for f in encrypted_fields(type(self)) if f.hash_field and f.name in names
            }
        super().save(*args, **kwargs)

    def validate_constraints(self, exclude=None):
        """Uniqueness of an encrypted ID number is a constraint on its hash column, which no form shows: check
        it whenever the number itself is checked, and report it on the number's field."""
        from .fields import encrypted_fields

        hashed = {f.hash_field: f.name for f in encrypted_fields(type(self)) if f.hash_field}
        if exclude and hashed:
            exclude = set(exclude) - {h for h, source in hashed.items() if source not in exclude}
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as exc:
            if hashed and hasattr(exc, "error_dict"):
                errors = {}
                for name, messages in exc.error_dict.items():
                    errors.setdefault(hashed.get(name, name), []).extend(messages)
                raise ValidationError(errors) from None
            raise


class ImmutableQuerySet(ScopedQuerySet):
    def update(self, **kwargs):
        raise PermissionDenied(_("审计记录不可修改。"))

    def delete(self):
        raise PermissionDenied(_("审计记录不可删除。"))


def change_log_restrictions(user) -> list[tuple[type, frozenset[str], Q]]:
    """(model, fields, rows) for every change-logged model that restricts some of its values for this user."""
    restrictions = []
    for model in apps.get_models():
        if issubclass(model, ChangeLogged):
            restriction = model.change_log_restriction(user)
            if restriction is not None:
                restrictions.append((model, *restriction))
    return restrictions


class ChangeLogQuerySet(ImmutableQuerySet):
    def for_user(self, user, action: str = access.VIEW) -> ChangeLogQuerySet:
        """The scope, less the updates of values the user may not read yet (see ChangeLogged.change_log_restriction).

        An update that touches a restricted field is shown only while its row exists and is outside the
        restriction; a deleted row's earlier updates stay hidden, since nothing says their values became public.
        """
        queryset = super().for_user(user, action)
        for model, fields, rows in change_log_restrictions(user):
            content_type = ContentType.objects.get_for_model(model, for_concrete_model=True)
            touches = reduce(or_, [Q(changes__has_key=name) for name in sorted(fields)])
            readable = model._base_manager.exclude(rows).values("pk")
            queryset = queryset.exclude(
                Q(content_type=content_type, action=ChangeAction.UPDATE) & touches & ~Q(object_id__in=readable)
            )
        return queryset


class ChangeSource(models.TextChoices):
    WEB = "web", _("网页")
    API = "api", _("接口")
    IMPORT = "import", _("导入")
    COMMAND = "command", _("命令")
    SYSTEM = "system", _("系统")


class ChangeAction(models.TextChoices):
    CREATE = "create", _("新增")
    UPDATE = "update", _("修改")
    DELETE = "delete", _("删除")


class ObjectChange(models.Model):
    """One create, update or delete of a registry row: who, when, from where, and each field's before/after.

    Written only by emis.core.audit; never updated or deleted (the queryset and save() refuse).
    """

    domain = access.Domain.AUDIT
    scope = access.ScopeSpec(school_paths=("school_id",), division_paths=("division_code",))

    # Not indexed: the log is read newest first by id, which grows with time (see Meta.ordering).
    time = models.DateTimeField(_("时间"), auto_now_add=True)
    # No database constraints on this log's foreign keys: rows are written only by emis.core.audit, with
    # ids it has just read, and PostgreSQL would otherwise queue a deferred check per change row and run
    # a million of them at the commit of a million-row import. Django still applies on_delete.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_constraint=False,
        db_index=False,  # the log is searched by username, which is kept on the row
    )
    username = models.CharField(_("操作人账号"), max_length=150, blank=True)
    source = models.CharField(_("来源"), max_length=16, choices=ChangeSource.choices)
    request_id = models.CharField(_("请求编号"), max_length=64, blank=True)
    action = models.CharField(_("操作"), max_length=16, choices=ChangeAction.choices)
    # core_change_object_idx (content_type, object_id) serves both; imports write a change row per
    # imported row, so every index here is paid a million times.
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("对象类型"), on_delete=models.PROTECT, db_index=False, db_constraint=False
    )
    object_id = models.BigIntegerField(_("对象编号"))
    object_repr = models.CharField(_("对象"), max_length=200)
    changes = models.JSONField(_("变更内容"), default=dict)
    school_id = models.BigIntegerField(_("所属学校"), null=True, blank=True, db_index=True)
    division_code = models.CharField(_("所属区划"), max_length=12, blank=True)
    batch_id = models.BigIntegerField(_("导入批次"), null=True, blank=True, db_index=True)

    objects = ChangeLogQuerySet.as_manager()

    class Meta:
        # Ids are handed out in time order, so "-id" is newest first without an index on time.
        ordering = ("-id",)
        verbose_name = _("变更记录")
        verbose_name_plural = _("变更记录")
        indexes = [
            models.Index(fields=("content_type", "object_id"), name="core_change_object_idx"),
            # Scope reads division_code by prefix (LIKE '421224101%'): one pattern index on PostgreSQL.
            models.Index(
                fields=("division_code",), name="core_change_division_idx", opclasses=("varchar_pattern_ops",)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionDenied(_("审计记录不可修改。"))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied(_("审计记录不可删除。"))

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("core:objectchange_detail", args=[self.pk])

    @property
    def model_label(self) -> str:
        model = self.content_type.model_class()
        return str(model._meta.verbose_name) if model else self.content_type.model


class AuditEvent(models.Model):
    """A named domain event written by a service (for example demo.loaded, import.committed)."""

    domain = access.Domain.AUDIT
    scope = access.ScopeSpec(school_paths=("school_id",), division_paths=("division_code",))

    time = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    event = models.CharField(_("事件"), max_length=64, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.SET_NULL
    )
    username = models.CharField(_("操作人账号"), max_length=150, blank=True)
    school_id = models.BigIntegerField(_("所属学校"), null=True, blank=True)
    division_code = models.CharField(_("所属区划"), max_length=12, blank=True)
    data = models.JSONField(_("内容"), default=dict)

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        ordering = ("-time", "-id")
        verbose_name = _("业务事件")
        verbose_name_plural = _("业务事件")

    def __str__(self) -> str:
        return self.event

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionDenied(_("审计记录不可修改。"))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied(_("审计记录不可删除。"))


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("排队中")
    RUNNING = "running", _("处理中")
    VALIDATED = "validated", _("已预检")
    REJECTED = "rejected", _("有错误，未导入")
    COMMITTED = "committed", _("已导入")
    ROLLED_BACK = "rolled_back", _("已撤销")
    FAILED = "failed", _("失败")


class ImportBatchQuerySet(ScopedQuerySet):
    def for_user(self, user, action: str = access.VIEW) -> ScopedQuerySet:
        """A batch is filed under the narrowest school or division holding its user's whole scope (see
        imports.service.batch_scope), so the levels above see it; its own user always sees it as well, even when
        that scope is several schools and so filed under no one school."""
        scoped = super().for_user(user, action)
        if action != access.VIEW or not access.role_may(user, self.model.domain, action):
            return scoped
        from .imports.service import batch_scope

        # Only while the batch is filed where the user's scope files batches now: a user moved to another school
        # (or losing a school) no longer reads the reports and error workbooks, full ID numbers included, of the
        # batches imported for the schools they left.
        school_id, division_code = batch_scope(user)
        return scoped | self.filter(user_id=user.pk, school_id=school_id, division_code=division_code)


class ImportBatch(models.Model):
    """One import of one file: who, which file (name and SHA-256), counts, duration and the row report.

    Rows written by a committed batch carry its id in their ObjectChange records, which is what
    makes a rollback possible while no later change touched them.
    """

    domain = access.Domain.AUDIT
    scope = access.ScopeSpec(school_paths=("school_id",), division_paths=("division_code",))

    kind = models.CharField(_("导入类型"), max_length=32)
    file_name = models.CharField(_("文件名"), max_length=255)
    # A name in the uploads storage (emis.core.files), never a filesystem path: any app server or worker reads it.
    file = models.FileField(_("文件"), storage=upload_storage, upload_to="imports/", max_length=500, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.SET_NULL
    )
    username = models.CharField(_("操作人账号"), max_length=150, blank=True)
    division_code = models.CharField(_("所属区划"), max_length=12, blank=True)
    school_id = models.BigIntegerField(_("所属学校"), null=True, blank=True)
    school_year = models.PositiveIntegerField(_("学年"), null=True, blank=True)
    dry_run = models.BooleanField(_("仅预检"), default=True)
    status = models.CharField(_("状态"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    progress_done = models.PositiveIntegerField(_("已处理行数"), default=0)
    progress_total = models.PositiveIntegerField(_("总行数"), default=0)
    counts = models.JSONField(_("统计"), default=dict)
    report = models.JSONField(_("报告"), default=dict)
    error_message = models.TextField(_("错误信息"), blank=True)
    duration_seconds = models.FloatField(_("耗时（秒）"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    rolled_back_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("core:importbatch_detail", args=[self.pk])

    @property
    def kind_label(self) -> str:
        """The kind as a clerk reads it (学生（学籍系统导出）), not its code."""
        from .imports.views import kind_label

        return kind_label(self.kind)

    @property
    def progress_percent(self) -> int:
        if not self.progress_total:
            return 0 if self.status in (ImportStatus.PENDING, ImportStatus.RUNNING) else 100
        return min(100, round(100 * self.progress_done / self.progress_total))


# A dry run and its commit share one stored file: it goes with the last batch that names it.
delete_with_rows(ImportBatch, "file")


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("排队中")
    RUNNING = "running", _("生成中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")
    EXPIRED = "expired", _("已过期")


class ExportJob(models.Model):
    """A list exported in the background (emis.core.exports): whose, which list with which filters, its progress,
    and the file once written. Only the user who asked reads it (anyone else: 404); the file goes after
    EMIS_EXPORT_RETENTION_HOURS (`emis purge_exports`, and the worker after each export)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("导出人"), on_delete=models.CASCADE)
    list_name = models.CharField(_("列表"), max_length=100)
    query = models.TextField(_("筛选条件"), blank=True)
    fmt = models.CharField(_("格式"), max_length=8)
    title = models.CharField(_("名称"), max_length=200)
    status = models.CharField(_("状态"), max_length=16, choices=ExportStatus.choices, default=ExportStatus.PENDING)
    rows_done = models.PositiveIntegerField(_("已写行数"), default=0)
    rows_total = models.PositiveIntegerField(_("总行数"), default=0)
    # A name in the uploads storage (emis.core.files), like an import's upload: any server or worker reads it.
    file = models.FileField(_("文件"), storage=upload_storage, upload_to="exports/", max_length=500, blank=True)
    file_name = models.CharField(_("文件名"), max_length=255, blank=True)
    size = models.BigIntegerField(_("大小"), default=0)
    error_message = models.TextField(_("错误信息"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = _("导出任务")
        verbose_name_plural = _("导出任务")
        indexes = [models.Index(fields=("user", "created_at"), name="core_exportjob_user_idx")]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("core:export_detail", args=[self.pk])

    @property
    def running(self) -> bool:
        return self.status in (ExportStatus.PENDING, ExportStatus.RUNNING)


delete_with_rows(ExportJob, "file")


class ListPreference(models.Model):
    """How one user reads one list page: rows per page and the columns they hid (emis.core.tables.ListSettings).

    Not change-logged: it is the reader's view of a list, not registry data; deleted with the account."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="list_preferences"
    )
    list_name = models.CharField(_("列表"), max_length=100)  # the list page's URL name, "students:student_list"
    per_page = models.PositiveSmallIntegerField(_("每页条数"), null=True, blank=True)
    hidden_columns = models.JSONField(_("隐藏的列"), default=list, blank=True)

    class Meta:
        verbose_name = _("列表显示设置")
        verbose_name_plural = _("列表显示设置")
        constraints = [models.UniqueConstraint(fields=("user", "list_name"), name="core_listpreference_unique")]

    def __str__(self) -> str:
        return f"{self.user} {self.list_name}"
