"""Base models with no domain: scoped querysets, the change log and named audit events."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import access


class ScopedQuerySet(models.QuerySet):
    """The only way views, forms, exports, the API, reports and tasks read scoped rows."""

    def for_user(self, user, action: str = access.VIEW) -> ScopedQuerySet:
        condition = access.scope_filter(user, self.model, action)
        if condition is None:
            return self.all()
        return self.filter(condition)


class ChangeLogged:
    """Marker for models whose every save and delete writes an ObjectChange (see emis.core.audit).

    Declares `audit_exclude` (fields never diffed, e.g. password hashes) and `audit_scope()`.
    """

    audit_exclude: tuple[str, ...] = ()
    sensitive_fields: tuple[str, ...] = ()

    def audit_scope(self) -> tuple[int | None, str]:
        return None, ""


class RegistryModel(ChangeLogged, models.Model):
    """A row of the county registry: scoped, timestamped and change-logged.

    Subclasses declare `domain` (who may write it), `scope` (how its rows hang from divisions and schools)
    and `sensitive_fields` (values masked for roles that may not see ID numbers).
    """

    domain = access.Domain.ORGS
    scope: access.ScopeSpec | None = None
    sensitive_fields: tuple[str, ...] = ()
    audit_exclude: tuple[str, ...] = ("created_at", "updated_at")

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True

    def audit_scope(self) -> tuple[int | None, str]:
        """(school id, division code) under which this row's change records are filed and scoped."""
        return None, ""


class ImmutableQuerySet(ScopedQuerySet):
    def update(self, **kwargs):
        raise PermissionDenied(_("审计记录不可修改。"))

    def delete(self):
        raise PermissionDenied(_("审计记录不可删除。"))


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

    time = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.SET_NULL
    )
    username = models.CharField(_("操作人账号"), max_length=150, blank=True)
    source = models.CharField(_("来源"), max_length=16, choices=ChangeSource.choices)
    request_id = models.CharField(_("请求编号"), max_length=64, blank=True)
    action = models.CharField(_("操作"), max_length=16, choices=ChangeAction.choices)
    content_type = models.ForeignKey(ContentType, verbose_name=_("对象类型"), on_delete=models.PROTECT)
    object_id = models.BigIntegerField(_("对象编号"), db_index=True)
    object_repr = models.CharField(_("对象"), max_length=200)
    changes = models.JSONField(_("变更内容"), default=dict)
    school_id = models.BigIntegerField(_("所属学校"), null=True, blank=True, db_index=True)
    division_code = models.CharField(_("所属区划"), max_length=12, blank=True, db_index=True)
    batch_id = models.BigIntegerField(_("导入批次"), null=True, blank=True, db_index=True)

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        ordering = ("-time", "-id")
        verbose_name = _("变更记录")
        verbose_name_plural = _("变更记录")
        indexes = [models.Index(fields=("content_type", "object_id"), name="core_change_object_idx")]

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

